import { isIP } from 'node:net';
import type { SnAnonymousSender, SnOrigin } from '@hearth/mqtt-sn';
import type { InProcessIdentity } from '../auth/mqtt-auth.service.js';
import { SERIAL_LINK, SnAddressSet } from '../auth/sn-address.js';
import type { SnClaims } from './sn-claims.js';

/** What access needs to know of device credentials and of the gateway's configuration. */
export interface SnDirectory {
  /** The credential named `name`: whether it is active, and the addresses bound to it; undefined when none has the name. */
  device(name: string): { active: boolean; addresses: string[] } | undefined;
  /** The topic names an admin predefined for this client id (or for every client). */
  predefinedTopics(clientId: string): string[];
}

export type SnAccessDecision = { identity: InProcessIdentity } | { refused: string };

/**
 * Who an MQTT-SN sensor acts as on the broker. MQTT-SN v1.2 carries no password, so a client id proves
 * nothing by itself: a sensor is a device credential only when it speaks from an address bound to that
 * credential (an IP or network, an XBee 64-bit address, the wire); from elsewhere it is refused and its
 * claim waits for an admin. A sensor whose client id names no credential is trusted when it is on the
 * serial link (wiring) or on UDP from HEARTH_SN_UDP_ALLOW, and then only within its own topic space and
 * the topics predefined for it.
 */
export class SnAccess {
  private readonly networks: SnAddressSet;
  private readonly clientIds: Set<string>;

  constructor(
    allow: string[],
    private readonly directory: SnDirectory,
    private readonly claims: SnClaims,
  ) {
    const isNetwork = (entry: string) => isIP(entry.split('/')[0]) !== 0;
    this.networks = new SnAddressSet(allow.filter(isNetwork));
    this.clientIds = new Set(allow.filter((entry) => !isNetwork(entry)));
  }

  identify(clientId: string, origin: SnOrigin): SnAccessDecision {
    const device = this.directory.device(clientId);
    if (device) {
      if (!device.active) return { refused: `the device credential ${clientId} is revoked` };
      if (new SnAddressSet(device.addresses).has(origin)) return { identity: { device: clientId } };
      this.claims.record(clientId, origin);
      return {
        refused: `${clientId} at ${origin.address} is not at an address bound to that device credential: confirm the sensor under Devices in the dashboard, or run hearth device bind`,
      };
    }
    if (this.trusted(origin) || this.clientIds.has(clientId)) return { identity: { sensor: { predefined: this.directory.predefinedTopics(clientId) } } };
    return { refused: `${clientId} at ${origin.address} is not allowed: give it a device credential bound to its address, or allow its network in HEARTH_SN_UDP_ALLOW` };
  }

  /** QoS -1 publishes from an address without a session: from a trusted network or the serial link, to a topic an admin predefined. */
  mayPublishAnonymously(sender: SnAnonymousSender, topic: string): string | null {
    if (!this.trusted(sender.origin)) return `QoS -1 publishes from ${sender.origin.address} are not allowed (HEARTH_SN_UDP_ALLOW)`;
    return sender.topicIdType === 'predefined' ? null : `QoS -1 publishes without a session may only use predefined topic ids, not ${topic}`;
  }

  private trusted(origin: SnOrigin): boolean {
    return origin.link === SERIAL_LINK || this.networks.has(origin);
  }
}
