import { filterCovers, isTopicSafe, topicMatches } from '@hearth/mqtt-topics';

export type Access = 'read' | 'write' | 'readwrite' | 'deny';

/** One Mosquitto-style rule: `topic <access> <filter>` for a user, or a `pattern` (username null) for everyone. */
export interface AclRule {
  username: string | null;
  access: Access;
  filter: string;
}

/**
 * Who an MQTT session is. `trusted` is the hub itself and anonymous clients where the configuration
 * allows them (no ACL, as Mosquitto without an acl_file); `admin` is a person with the admin role;
 * `device` is a device credential (also an MQTT-SN sensor the gateway connects in-process for it);
 * `sensor` is an MQTT-SN sensor trusted by network or wiring, confined to its own topic space.
 */
export type MqttPrincipal =
  | { kind: 'trusted' }
  | { kind: 'admin'; username: string; userId: number }
  | { kind: 'device'; username: string; credentialId: number; passwordHash: string; permissions: DevicePermissions }
  | { kind: 'sensor'; clientId: string; predefined: string[]; permissions: DevicePermissions };

const SYS = /^\$SYS(\/|$)/;

/**
 * What one device may do: its own rules (topic prefix, discovery, imported `topic` lines) and the
 * `pattern` rules with `%c`/`%u` filled in. `deny` wins; `$SYS` is never a device's.
 */
export class DevicePermissions {
  private readonly allow: Array<{ filter: string; read: boolean; write: boolean }> = [];
  private readonly deny: string[] = [];
  /**
   * Decisions by topic: a device publishes and receives the same few topics over and over, and matching
   * every rule (one per other device's prefix) was 3 % of the hub's CPU relaying MQTT-SN sensors.
   * The rules never change (revalidation makes new permissions).
   */
  private readonly writable = new Map<string, boolean>();
  private readonly readable = new Map<string, boolean>();

  constructor(rules: AclRule[], identity: { username: string; clientId: string }) {
    for (const rule of rules) {
      const filter = rule.username === null ? substitute(rule.filter, identity) : rule.filter;
      if (filter === null || SYS.test(filter)) continue;
      if (rule.access === 'deny') this.deny.push(filter);
      else this.allow.push({ filter, read: rule.access !== 'write', write: rule.access !== 'read' });
    }
  }

  canWrite(topic: string): boolean {
    return this.writable.get(topic) ?? remember(this.writable, topic, !SYS.test(topic) && !this.denied(topic) && this.allow.some((rule) => rule.write && topicMatches(rule.filter, topic)));
  }

  canRead(topic: string): boolean {
    return this.readable.get(topic) ?? remember(this.readable, topic, !SYS.test(topic) && !this.denied(topic) && this.allow.some((rule) => rule.read && topicMatches(rule.filter, topic)));
  }

  /** A subscription must lie inside one readable rule; deliveries are still checked one by one (deny rules). */
  canSubscribe(filter: string): boolean {
    return !SYS.test(filter) && this.allow.some((rule) => rule.read && filterCovers(rule.filter, filter));
  }

  private denied(topic: string): boolean {
    return this.deny.some((filter) => topicMatches(filter, topic));
  }
}

/** Topics whose decision a permission keeps; past that the memory starts over (a device roaming many topics). */
const DECISIONS_KEPT = 256;

function remember(decisions: Map<string, boolean>, topic: string, allowed: boolean): boolean {
  if (decisions.size >= DECISIONS_KEPT) decisions.clear();
  decisions.set(topic, allowed);
  return allowed;
}

/** `%c` and `%u` in a pattern; a pattern does not apply to an identity that would inject topic levels or wildcards. */
function substitute(filter: string, { username, clientId }: { username: string; clientId: string }): string | null {
  if ((filter.includes('%u') && !isTopicSafe(username)) || (filter.includes('%c') && !isTopicSafe(clientId))) return null;
  return filter.replaceAll('%u', username).replaceAll('%c', clientId);
}

/**
 * The rules every hearth-made device gets: read and write under its topic prefix, announce itself with
 * Home Assistant discovery under a node id equal to its username, and see the discovery birth message.
 */
export function deviceRules(username: string, topicPrefix: string | null, discoveryPrefix: string): AclRule[] {
  const rules: AclRule[] = [];
  if (topicPrefix) rules.push({ username, access: 'readwrite', filter: `${topicPrefix}/#` });
  if (isTopicSafe(username)) {
    rules.push(
      { username, access: 'write', filter: `${discoveryPrefix}/+/${username}/+/config` },
      { username, access: 'write', filter: `${discoveryPrefix}/device/${username}/config` },
    );
  }
  rules.push({ username, access: 'read', filter: `${discoveryPrefix}/status` });
  return rules;
}
