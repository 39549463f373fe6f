import { MULTI_LEVEL_WILDCARD, SHARED_SUBSCRIPTION_PREFIX, SINGLE_LEVEL_WILDCARD, TOPIC_SEPARATOR } from './constants.js';

/**
 * Whether a topic filter is well-formed (section 4.7): at least one character [MQTT-4.7.3-1], '#' only
 * as the whole last level [MQTT-4.7.1-1], '+' only as a whole level [MQTT-4.7.1-2]. UTF-8 validity and
 * U+0000 were checked when the packet was decoded.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const levels = filter.split(TOPIC_SEPARATOR);
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes(MULTI_LEVEL_WILDCARD) && (level.length > 1 || i !== levels.length - 1)) return false;
    if (level.includes(SINGLE_LEVEL_WILDCARD) && level.length > 1) return false;
  }
  return true;
}

export function hasWildcard(filter: string): boolean {
  return filter.includes(SINGLE_LEVEL_WILDCARD) || filter.includes(MULTI_LEVEL_WILDCARD);
}

/** A subscription's filter as given, split into its share group (for `$share/...`) and what it matches. */
export interface ParsedFilter {
  /** ShareName of a shared subscription, or null. */
  share: string | null;
  /** The topic filter messages are matched against. */
  filter: string;
}

/**
 * Parses a SUBSCRIBE or UNSUBSCRIBE filter; undefined when it is not a valid filter, including a
 * `$share/` filter without a ShareName, with '/', '+' or '#' in it, or without a filter after it
 * [MQTT-4.8.2-1], [MQTT-4.8.2-2].
 */
export function parseFilter(raw: string): ParsedFilter | undefined {
  if (!raw.startsWith(SHARED_SUBSCRIPTION_PREFIX)) return isValidTopicFilter(raw) ? { share: null, filter: raw } : undefined;
  const separator = raw.indexOf(TOPIC_SEPARATOR, SHARED_SUBSCRIPTION_PREFIX.length);
  if (separator === -1) return undefined;
  const share = raw.slice(SHARED_SUBSCRIPTION_PREFIX.length, separator);
  const filter = raw.slice(separator + 1);
  if (share.length === 0 || hasWildcard(share) || !isValidTopicFilter(filter)) return undefined;
  return { share, filter };
}
