/** Keys remembered; past it the oldest are forgotten. */
const MAX_KEYS = 10_000;

/**
 * How often something that the network can repeat at will (a refused connection, a malformed packet) is
 * logged: the first time per key, then at most once per `everyMs`, with how many were left out between.
 * A flood of refusals then costs a few log lines, not a line each (a blocked log pipe stalls the hub).
 */
export class LogThrottle {
  private readonly keys = new Map<string, { lastAt: number; skipped: number }>();

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to log for `key` now, and how many were not logged since the last line; undefined: skip this one. */
  take(key: string): { skipped: number } | undefined {
    const now = this.now();
    const entry = this.keys.get(key);
    if (entry && now - entry.lastAt < this.everyMs) {
      entry.skipped++;
      return undefined;
    }
    this.keys.delete(key);
    this.keys.set(key, { lastAt: now, skipped: 0 });
    if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
    return { skipped: entry?.skipped ?? 0 };
  }
}
