import type { NetworkInterfaceInfo } from 'node:os';

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const PRIVATE_V4 = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;

/**
 * The address a device should be told to connect to: the configured one; else the address the MQTT listener
 * binds to, when it binds to one; else this machine's LAN address (a private IPv4 address first, then any
 * other external IPv4, then IPv6); else the host name. Never a loopback address unless configured so.
 */
export function advertisedHost(configured: string, boundHost: string, interfaces: Record<string, NetworkInterfaceInfo[] | undefined>, hostname: string): string {
  if (configured !== 'auto') return configured;
  if (!WILDCARD.has(boundHost)) return boundHost;
  const external = Object.values(interfaces)
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => !address.internal);
  const v4 = external.filter((address) => address.family === 'IPv4');
  const v6 = external.filter((address) => address.family === 'IPv6' && !address.address.startsWith('fe80:'));
  return (v4.find((address) => PRIVATE_V4.test(address.address)) ?? v4[0] ?? v6[0])?.address ?? hostname;
}
