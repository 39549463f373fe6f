/** MQTT topic-filter algebra for ACLs (MQTT 3.1.1 §4.7): matching a topic, and one filter covering another. */

const levels = (value: string): string[] => value.split('/');

/** A filter whose first level is a wildcard does not match `$`-topics ([MQTT-4.7.2-1]). */
const hidesDollar = (filter: string[], other: string[]): boolean =>
  other[0]?.startsWith('$') === true && (filter[0] === '+' || filter[0] === '#');

/** Does `topic` (no wildcards) match `filter`? */
export function topicMatches(filter: string, topic: string): boolean {
  return filterCovers(filter, topic);
}

/**
 * Is every topic that `inner` can match also matched by `outer`? With a wildcard-free `inner` this is
 * plain matching. `a/#` covers `a`, `a/+/b` and `a/#`; `a/+` covers `a/b` but not `a/#`.
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = levels(outer);
  const i = levels(inner);
  if (hidesDollar(o, i)) return false;
  for (let n = 0; n < o.length; n++) {
    if (o[n] === '#') return true;
    if (n >= i.length) return false;
    if (i[n] === '#') return false;
    if (o[n] === '+') continue;
    if (o[n] !== i[n]) return false;
  }
  return o.length === i.length;
}

/** A name that is safe to put into a topic level: no separators or wildcards (Mosquitto refuses the same in %c/%u). */
export const isTopicSafe = (name: string): boolean => name.length > 0 && !/[/+#\u0000]/.test(name);
