import type { HubConfig } from '../config/config.schema.js';
import { FailureThrottle } from './failure-throttle.js';

/** Addresses remembered per name as ones it signed in from; the oldest is forgotten first. */
const KNOWN_ADDRESSES = 32;
const KNOWN_NAMES = 10_000;

/**
 * One lockout policy for every password sign-in, the dashboard's and MQTT's alike. With HEARTH_AUTH_MAX_FAILURES
 * = n: a name is locked on one address after n failures there; an address is locked for every name after 4n;
 * and a name is locked everywhere after 6n from any addresses, so guessing from many addresses fails too.
 * That last lock spares the addresses the name signed in from before: whoever locks a name cannot keep
 * its owner out. Signed-in dashboards and connected sessions are never touched by any of it.
 */
export class SignInPolicy {
  private readonly throttle: FailureThrottle;
  private readonly limit: number;
  private readonly known = new Map<string, string[]>();

  constructor({ maxFailures, lockout }: Pick<HubConfig['auth'], 'maxFailures' | 'lockout'>, now: () => number = Date.now) {
    this.throttle = new FailureThrottle(lockout * 1000, now);
    this.limit = maxFailures;
  }

  /** Milliseconds until `username` may try again from `address`; 0 = now. */
  retryAfter(username: string, address: string): number {
    const name = username.toLowerCase();
    const waits = [this.throttle.retryAfter(pairKey(name, address)), this.throttle.retryAfter(`ip:${address}`)];
    if (!this.known.get(name)?.includes(address)) waits.push(this.throttle.retryAfter(`name:${name}`));
    return Math.max(...waits);
  }

  failed(username: string, address: string): void {
    const name = username.toLowerCase();
    this.throttle.fail(pairKey(name, address), this.limit);
    this.throttle.fail(`ip:${address}`, this.limit * 4);
    this.throttle.fail(`name:${name}`, this.limit * 6);
  }

  /** Clears the address's counts (not the name's everywhere count: a success here says nothing about the guesses elsewhere). */
  succeeded(username: string, address: string): void {
    const name = username.toLowerCase();
    this.throttle.succeed(pairKey(name, address));
    this.throttle.succeed(`ip:${address}`);
    const addresses = (this.known.get(name) ?? []).filter((known) => known !== address);
    addresses.push(address);
    if (addresses.length > KNOWN_ADDRESSES) addresses.shift();
    this.known.delete(name);
    this.known.set(name, addresses);
    if (this.known.size > KNOWN_NAMES) this.known.delete(this.known.keys().next().value!);
  }
}

const pairKey = (name: string, address: string): string => `pair:${name}@${address}`;
