import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('lets the first line per key through, then one per period with the count of those left out', () => {
    let now = 0;
    const throttle = new LogThrottle(10_000, () => now);
    expect(throttle.take('10.0.0.1')).toEqual({ skipped: 0 });
    expect(throttle.take('10.0.0.1')).toBeUndefined();
    expect(throttle.take('10.0.0.1')).toBeUndefined();
    expect(throttle.take('10.0.0.2')).toEqual({ skipped: 0 });
    now = 10_000;
    expect(throttle.take('10.0.0.1')).toEqual({ skipped: 2 });
    expect(throttle.take('10.0.0.1')).toBeUndefined();
  });
});
