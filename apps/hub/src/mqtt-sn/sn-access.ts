import { BlockList, isIP } from 'node:net';
import type { SnOrigin } from '@hearth/mqtt-sn';
import type { InProcessIdentity } from '../broker/broker.service.js';

/** The link a wired sensor or an XBee coordinator is on: whoever is on it is trusted by wiring. */
const SERIAL_LINK = 'serial';

/**
 * Who an MQTT-SN sensor acts as on the broker. A sensor whose client id names a device credential is
 * that device (its topic prefix, its ACL). Without one, a sensor on the serial link, or on UDP from an
 * allowed network or with an allowed client id (HEARTH_SN_UDP_ALLOW), is trusted; anyone else is refused.
 */
export class SnAccess {
  private readonly networks = new BlockList();
  private readonly clientIds = new Set<string>();

  constructor(
    allow: string[],
    private readonly hasDevice: (name: string) => boolean,
  ) {
    for (const entry of allow) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) this.clientIds.add(entry);
      else if (prefix === undefined) this.networks.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
      else this.networks.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
    }
  }

  /** The identity for a connecting sensor, or null to refuse it. */
  identify(clientId: string, origin: SnOrigin): InProcessIdentity | null {
    if (this.hasDevice(clientId)) return { device: clientId };
    return this.trusted(origin) || this.clientIds.has(clientId) ? { trusted: true } : null;
  }

  /** QoS -1 publishes come without a client id: only from trusted links and networks. */
  mayPublishAnonymously(origin: SnOrigin): boolean {
    return this.trusted(origin);
  }

  private trusted({ link, address }: SnOrigin): boolean {
    if (link === SERIAL_LINK) return true;
    const ip = address.slice(0, address.lastIndexOf(':'));
    const family = isIP(ip);
    return family !== 0 && this.networks.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}
