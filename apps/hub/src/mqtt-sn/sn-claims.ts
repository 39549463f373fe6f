import type { SnOrigin } from '@hearth/mqtt-sn';
import { snAddressOf } from '../auth/sn-address.js';

/** "A new sensor wants to be garden-bed-3": a sensor that named a device credential from an address not bound to it. */
export interface SnClaim {
  id: number;
  device: string;
  /** The address an admin's yes binds to the credential (snAddressOf the origin). */
  address: string;
  link: string;
  firstSeen: number;
  lastSeen: number;
  attempts: number;
}

// Claims come from the network unauthenticated: memory only, and the oldest go first.
const MAX_CLAIMS = 100;

/**
 * Claims waiting for an admin, newest last. A dismissed claim stays known so that the same sensor
 * asking again is not shown again; anything but an admin's yes leaves the sensor refused.
 */
export class SnClaims {
  private readonly claims = new Map<string, SnClaim & { dismissed: boolean }>();
  private nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  record(device: string, origin: SnOrigin): void {
    const address = snAddressOf(origin);
    const key = `${device}\0${origin.link}\0${address}`;
    const known = this.claims.get(key);
    const now = this.now();
    this.claims.delete(key);
    this.claims.set(key, known ? { ...known, lastSeen: now, attempts: known.attempts + 1 } : { id: this.nextId++, device, address, link: origin.link, firstSeen: now, lastSeen: now, attempts: 1, dismissed: false });
    if (this.claims.size > MAX_CLAIMS) this.claims.delete(this.claims.keys().next().value!);
  }

  list(): SnClaim[] {
    return [...this.claims.values()].filter((claim) => !claim.dismissed).map(({ dismissed: _, ...claim }) => claim);
  }

  /** Removes a claim to act on it (an admin's yes); undefined when there is no such open claim. */
  take(id: number): SnClaim | undefined {
    const [key, claim] = this.find(id) ?? [];
    if (key === undefined || claim === undefined) return undefined;
    this.claims.delete(key);
    const { dismissed: _, ...open } = claim;
    return open;
  }

  dismiss(id: number): boolean {
    const claim = this.find(id)?.[1];
    if (!claim) return false;
    claim.dismissed = true;
    return true;
  }

  private find(id: number): [string, SnClaim & { dismissed: boolean }] | undefined {
    for (const entry of this.claims) if (entry[1].id === id && !entry[1].dismissed) return entry;
    return undefined;
  }
}
