/**
 * Counts failed sign-ins per key (a username, an address) and locks a key for `lockoutMs` once it
 * reaches its limit. A success clears the key. In memory: a restart forgets lockouts, which only
 * helps someone who can already restart the hub.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; lockedUntil: number; lastAt: number }>();

  constructor(
    private readonly lockoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 = now. */
  retryAfter(key: string): number {
    const entry = this.failures.get(key);
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  fail(key: string, limit: number): void {
    const now = this.now();
    const previous = this.failures.get(key);
    // Failures older than a lockout period are forgotten, so a typo now and then never adds up.
    const count = previous && now - previous.lastAt < this.lockoutMs ? previous.count + 1 : 1;
    this.failures.set(key, { count, lastAt: now, lockedUntil: count >= limit ? now + this.lockoutMs : 0 });
    if (this.failures.size > 10_000) this.sweep(now);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.failures) if (now - entry.lastAt >= this.lockoutMs && entry.lockedUntil <= now) this.failures.delete(key);
  }
}
