import type { Buffer } from 'node:buffer';
import { filterCovers, isTopicSafe, topicMatches } from '@hearth/mqtt-topics';
import type { DiscoveryClaims } from './device-kinds.js';

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
 * What one device may do: its own rules (its kind's topics, discovery, imported `topic` lines), the
 * `pattern` rules with `%c`/`%u` filled in, and the discovery messages it shows to be its own (`claims`).
 * `deny` wins; `$SYS` is never a device's.
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

  constructor(
    rules: AclRule[],
    identity: { username: string; clientId: string },
    readonly claims?: DiscoveryClaims,
  ) {
    for (const rule of rules) {
      const filter = rule.username === null ? substitute(rule.filter, identity) : rule.filter;
      if (filter === null || SYS.test(filter)) continue;
      if (rule.access === 'deny') this.deny.push(filter);
      else this.allow.push({ filter, read: rule.access !== 'write', write: rule.access !== 'read' });
    }
  }

  canWrite(topic: string, payload?: Buffer): boolean {
    if (this.writable.get(topic) ?? remember(this.writable, topic, this.byRules(topic, 'write'))) return true;
    // A claim depends on the payload (what the discovery message points at): decided each time.
    return !SYS.test(topic) && !this.denied(topic) && (this.claims?.claim(topic, payload) ?? false);
  }

  canRead(topic: string, payload?: Buffer): boolean {
    if (this.readable.get(topic) ?? remember(this.readable, topic, this.byRules(topic, 'read'))) return true;
    return this.claims?.subscribable != null && !SYS.test(topic) && !this.denied(topic) && this.claims.claim(topic, payload);
  }

  /** A subscription must lie inside one readable rule (or the device's claimable discovery); deliveries are still checked one by one. */
  canSubscribe(filter: string): boolean {
    if (SYS.test(filter)) return false;
    const subscribable = this.claims?.subscribable;
    return this.allow.some((rule) => rule.read && filterCovers(rule.filter, filter)) || (subscribable != null && filterCovers(subscribable, filter));
  }

  private byRules(topic: string, access: 'read' | 'write'): boolean {
    return !SYS.test(topic) && !this.denied(topic) && this.allow.some((rule) => rule[access] && topicMatches(rule.filter, topic));
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
