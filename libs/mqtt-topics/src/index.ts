/**
 * MQTT topic names and filters (MQTT 3.1.1 and 5, section 4.7): what is valid, what matches, what
 * covers what. One implementation for every part of Hearth that reasons about topics (ACLs, entity
 * mapping, rules, the MQTT-SN gateway, settings).
 */

/** What is wrong with a topic a message is published to, or undefined: not empty [MQTT-4.7.3-1], no wildcards [MQTT-4.7.1-1], no U+0000. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'must not be empty';
  if (topic.includes('\u0000')) return 'must not contain the NUL character';
  if (/[+#]/.test(topic)) return 'must be a topic without wildcards (+, #)';
  return undefined;
}

/** What is wrong with a subscription filter, or undefined: `#` only as the whole last level, `+` only as a whole level [MQTT-4.7.1-2], [MQTT-4.7.1-3]. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'must not be empty';
  if (filter.includes('\u0000')) return 'must not contain the NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    if (levels[i].includes('#') && (levels[i] !== '#' || i !== levels.length - 1)) return "'#' must be the whole last level";
    if (levels[i].includes('+') && levels[i] !== '+') return "'+' must be a whole level";
  }
  return undefined;
}

export const isValidTopicName = (topic: string): boolean => topicNameProblem(topic) === undefined;

export const isValidTopicFilter = (filter: string): boolean => topicFilterProblem(filter) === undefined;

/** A name that is safe to put into one topic level: no separators or wildcards (Mosquitto refuses the same in %c/%u). */
export const isTopicSafe = (name: string): boolean => name.length > 0 && !/[/+#\u0000]/.test(name);

/** Does `topic` (no wildcards) match `filter`? */
export function topicMatches(filter: string, topic: string): boolean {
  return filter === topic || filterCovers(filter, topic);
}

/**
 * Is every topic that `inner` can match also matched by `outer`? With a wildcard-free `inner` this is plain
 * matching. `a/#` covers `a`, `a/+/b` and `a/#`; `a/+` covers `a/b` but not `a/#`. A filter whose first level
 * is a wildcard does not match `$` topics [MQTT-4.7.2-1].
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const i = inner.split('/');
  if (i[0]?.startsWith('$') && (o[0] === '+' || o[0] === '#')) return false;
  for (let n = 0; n < o.length; n++) {
    if (o[n] === '#') return true;
    if (n >= i.length) return false;
    if (i[n] === '#') return false;
    if (o[n] === '+') continue;
    if (o[n] !== i[n]) return false;
  }
  return o.length === i.length;
}
