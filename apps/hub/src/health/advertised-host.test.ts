import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertisedHost } from './advertised-host.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;
const machine = { lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)], docker0: [nic('172.17.0.1', 'IPv4')], eth0: [nic('fe80::1', 'IPv6'), nic('203.0.113.5', 'IPv4'), nic('192.168.1.20', 'IPv4')] };

describe('the advertised host', () => {
  it('is the configured one, else the bound address, else a private LAN address', () => {
    expect(advertisedHost('hub.lan', '0.0.0.0', machine, 'pi')).toBe('hub.lan');
    expect(advertisedHost('auto', '192.168.1.21', machine, 'pi')).toBe('192.168.1.21');
    expect(advertisedHost('auto', '0.0.0.0', machine, 'pi')).toBe('172.17.0.1');
    expect(advertisedHost('auto', '::', { eth0: machine.eth0 }, 'pi')).toBe('192.168.1.20');
  });

  it('falls back to a public IPv4, a global IPv6, then the host name, never loopback', () => {
    expect(advertisedHost('auto', '0.0.0.0', { lo: machine.lo, eth0: [nic('203.0.113.5', 'IPv4')] }, 'pi')).toBe('203.0.113.5');
    expect(advertisedHost('auto', '0.0.0.0', { lo: machine.lo, eth0: [nic('fe80::1', 'IPv6'), nic('2001:db8::5', 'IPv6')] }, 'pi')).toBe('2001:db8::5');
    expect(advertisedHost('auto', '0.0.0.0', { lo: machine.lo }, 'pi')).toBe('pi');
  });
});
