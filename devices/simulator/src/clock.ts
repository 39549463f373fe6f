/** A scheduled callback; cancelling twice or after it ran is harmless. */
export interface Timer {
  cancel(): void;
}

/**
 * Simulated time. Devices read the time and schedule work only through a Clock, so tests advance
 * time by hand and demos run faster than real time.
 */
export interface Clock {
  /** Simulated milliseconds since the Unix epoch. */
  now(): number;
  /** Simulated milliseconds per real millisecond: what sleeping devices announce on the wire is divided by it. */
  readonly timeScale: number;
  /** Runs `callback` after `ms` of simulated time. */
  setTimeout(callback: () => void, ms: number): Timer;
}

/** Real time sped up by `timeScale`, starting at `start` (simulated epoch ms). */
export class ScaledClock implements Clock {
  private readonly realStart = performance.now();

  constructor(
    readonly timeScale = 1,
    private readonly start = Date.now(),
  ) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be above 0, got ${timeScale}`);
  }

  now(): number {
    return Math.round(this.start + (performance.now() - this.realStart) * this.timeScale);
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const handle = setTimeout(callback, Math.max(0, ms / this.timeScale));
    return { cancel: () => clearTimeout(handle) };
  }
}

interface Scheduled {
  at: number;
  /** Insertion order: timers due at the same instant run in the order they were set. */
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/** Time that moves only when a test calls `advance`. */
export class ManualClock implements Clock {
  readonly timeScale = 1;
  private time: number;
  private queue: Scheduled[] = [];
  private counter = 0;

  constructor(start = Date.UTC(2026, 5, 21, 6, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const entry: Scheduled = { at: this.time + Math.max(0, ms), order: this.counter++, callback, cancelled: false };
    this.queue.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Pending timers, for tests that check a device scheduled its next wake-up. */
  get pending(): number {
    return this.queue.filter((e) => !e.cancelled).length;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in time order, at its own instant. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      this.queue = this.queue.filter((e) => !e.cancelled);
      let next: Scheduled | undefined;
      for (const e of this.queue) if (e.at <= target && (!next || e.at < next.at || (e.at === next.at && e.order < next.order))) next = e;
      if (!next) break;
      this.queue.splice(this.queue.indexOf(next), 1);
      this.time = next.at;
      next.callback();
    }
    this.time = target;
  }
}
