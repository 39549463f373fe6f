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
    if (SYS.test(topic) || this.denied(topic)) return false;
    return this.allow.some((rule) => rule.write && topicMatches(rule.filter, topic)) || (this.claims?.claim(topic, payload) ?? false);
  }

  canRead(topic: string, payload?: Buffer): boolean {
    if (SYS.test(topic) || this.denied(topic)) return false;
    if (this.allow.some((rule) => rule.read && topicMatches(rule.filter, topic))) return true;
    return this.claims?.subscribable != null && this.claims.claim(topic, payload);
  }

  /** A subscription must lie inside one readable rule (or the device's claimable discovery); deliveries are still checked one by one. */
  canSubscribe(filter: string): boolean {
    if (SYS.test(filter)) return false;
    const subscribable = this.claims?.subscribable;
    return this.allow.some((rule) => rule.read && filterCovers(rule.filter, filter)) || (subscribable != null && filterCovers(subscribable, filter));
  }

  private denied(topic: string): boolean {
    return this.deny.some((filter) => topicMatches(filter, topic));
  }
}

/** `%c` and `%u` in a pattern; a pattern does not apply to an identity that would inject topic levels or wildcards. */
function substitute(filter: string, { username, clientId }: { username: string; clientId: string }): string | null {
  if ((filter.includes('%u') && !isTopicSafe(username)) || (filter.includes('%c') && !isTopicSafe(clientId))) return null;
  return filter.replaceAll('%u', username).replaceAll('%c', clientId);
}
