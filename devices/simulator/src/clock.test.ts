import { describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from './clock.js';

describe('ManualClock', () => {
  it('runs due timers in time order, each at its own instant, and skips cancelled ones', () => {
    const clock = new ManualClock(0);
    const ran: Array<[string, number]> = [];
    clock.setTimeout(() => ran.push(['b', clock.now()]), 200);
    clock.setTimeout(() => ran.push(['a', clock.now()]), 100);
    clock.setTimeout(() => ran.push(['never', clock.now()]), 150).cancel();
    clock.setTimeout(() => clock.setTimeout(() => ran.push(['chained', clock.now()]), 50), 120);
    clock.advance(250);
    expect(ran).toEqual([['a', 100], ['chained', 170], ['b', 200]]);
    expect(clock.now()).toBe(250);
    expect(clock.pending).toBe(0);
  });
});

describe('ScaledClock', () => {
  it('runs simulated time faster by the time scale', async () => {
    const clock = new ScaledClock(1000, 0);
    const started = performance.now();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 50_000));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(clock.now()).toBeGreaterThanOrEqual(50_000);
    expect(() => new ScaledClock(0)).toThrow(RangeError);
  });
});
