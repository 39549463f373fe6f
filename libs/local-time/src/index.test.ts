import { describe, expect, it } from 'vitest';
import { atLocal, inWindow, nextInstant, parseClock } from './index.js';

describe('clock times', () => {
  it('reads HH:MM and nothing else', () => {
    expect([parseClock('00:00'), parseClock('07:30'), parseClock('23:59')]).toEqual([0, 450, 1439]);
    for (const bad of ['24:00', '7:30', '07:60', '07:30:00', ' 07:30']) expect(parseClock(bad)).toBeUndefined();
  });

  it('tells whether a value is in a window, also one that wraps around midnight', () => {
    expect([inWindow(23 * 60, 22 * 60, 6 * 60), inWindow(5 * 60, 22 * 60, 6 * 60), inWindow(12 * 60, 22 * 60, 6 * 60)]).toEqual([true, true, false]);
    expect([inWindow(10, 10, 20), inWindow(20, 10, 20), inWindow(5, undefined, 10), inWindow(5, 10, undefined)]).toEqual([true, false, true, false]);
  });
});

describe('local wall-clock time', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('finds the instant of a local time in winter and summer', () => {
    expect(iso(atLocal({ year: 2024, month: 1, day: 15 }, 8 * 60, 'Europe/Amsterdam'))).toBe('2024-01-15T07:00:00.000Z');
    expect(iso(atLocal({ year: 2024, month: 7, day: 15 }, 8 * 60, 'Europe/Amsterdam'))).toBe('2024-07-15T06:00:00.000Z');
    expect(iso(atLocal({ year: 2024, month: 7, day: 15 }, 8 * 60, 'America/New_York'))).toBe('2024-07-15T12:00:00.000Z');
  });

  it('takes a skipped time an hour later, and a doubled time the first time', () => {
    // Amsterdam: 02:00 becomes 03:00 on 2024-03-31; 03:00 becomes 02:00 on 2024-10-27.
    expect(iso(atLocal({ year: 2024, month: 3, day: 31 }, 2 * 60 + 30, 'Europe/Amsterdam'))).toBe('2024-03-31T01:30:00.000Z');
    expect(iso(atLocal({ year: 2024, month: 10, day: 27 }, 2 * 60 + 30, 'Europe/Amsterdam'))).toBe('2024-10-27T00:30:00.000Z');
  });
});
