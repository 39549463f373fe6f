import { BlockList, isIP } from 'node:net';

/** IP addresses and networks (CIDR) as people write them, to test an address against. */
export class Networks {
  private readonly list = new BlockList();

  /** Entries that are not an IP address or network are skipped (the caller keeps them for other uses). */
  constructor(entries: Iterable<string>) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) continue;
      if (prefix === undefined) this.list.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
      else this.list.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
    }
  }

  has(address: string): boolean {
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; people write a.b.c.d.
    const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}
