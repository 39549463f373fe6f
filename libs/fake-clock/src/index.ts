/**
 * Time for tests that moves only when the test says so, behind the same three calls the libraries' clock
 * ports have (`now`, `setTimeout`, `clearTimeout`).
 */
export class FakeClock {
  private time: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;

  /** Starts at a fixed date so that expiry arithmetic and ISO times in expectations are readable. */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.time + Math.max(0, ms), fn, id: ++this.ids };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.timers.length;
  }

  /** Runs every timer due within `ms`, in time order, letting promises and pending I/O settle before and after each. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (;;) {
      const next = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = next.at;
      next.fn();
      await settle();
    }
    this.time = until;
    await settle();
  }

  /**
   * Moves the wall clock without running timers, as NTP does to a Raspberry Pi after boot; timers keep
   * their durations (they run on a monotonic clock), so they come due that much later on the wall clock.
   */
  jump(ms: number): void {
    this.time += ms;
    for (const timer of this.timers) timer.at += ms;
  }
}

/** Lets promise chains and pending I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
