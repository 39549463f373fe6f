import { isIP } from 'node:net';
import type { SnOrigin } from '@hearth/mqtt-sn';
import { Networks } from './networks.js';

/** The link names the hub gives its MQTT-SN transports (UdpLink, SerialLink). */
export const UDP_LINK = 'udp';
export const SERIAL_LINK = 'serial';
/** The one peer of a raw serial line (RawFraming). */
export const WIRE = 'wire';

const XBEE_64 = /^[0-9a-f]{16}$/;

/**
 * An address a sensor may speak from, as people write it: an IP address or network in CIDR (UDP), an
 * XBee 64-bit address (16 hex digits; spaces, colons and dashes between them are ignored, as Digi's tools
 * print SH and SL apart), or `wire` (the raw serial line). Returns the stored form, or null.
 */
export function parseSnAddress(text: string): string | null {
  const trimmed = text.trim();
  const [address, prefix, ...rest] = trimmed.split('/');
  const family = isIP(address);
  if (family !== 0) {
    if (rest.length > 0) return null;
    if (prefix === undefined) return address.toLowerCase();
    const bits = Number(prefix);
    return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128) ? `${address.toLowerCase()}/${bits}` : null;
  }
  if (trimmed.toLowerCase() === WIRE) return WIRE;
  const xbee = trimmed.replace(/[\s:-]/g, '').toLowerCase();
  return XBEE_64.test(xbee) ? xbee : null;
}

/** The exact address an origin binds to: its IP without the port, its XBee address, or `wire`. */
export function snAddressOf({ link, address }: SnOrigin): string {
  if (link !== UDP_LINK) return address;
  const ip = address.slice(0, address.lastIndexOf(':'));
  // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d; people write a.b.c.d.
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** A set of stored addresses (parseSnAddress's forms), to test origins against. */
export class SnAddressSet {
  private readonly networks: Networks;
  private readonly serial = new Set<string>();

  constructor(addresses: Iterable<string>) {
    const stored = [...addresses];
    this.networks = new Networks(stored);
    for (const entry of stored) if (isIP(entry.split('/')[0]) === 0) this.serial.add(entry);
  }

  has(origin: SnOrigin): boolean {
    const address = snAddressOf(origin);
    return origin.link === UDP_LINK ? this.networks.has(address) : this.serial.has(address);
  }
}
