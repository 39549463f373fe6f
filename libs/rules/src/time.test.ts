import { describe, expect, it } from 'vitest';
import { cronDay, cronMinutes, parseCron, type Cron } from './cron.js';
import { atLocal, inWindow, nextInstant, parseClock } from './time.js';

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

describe('cron', () => {
  const cron = (text: string): Cron => {
    const parsed = parseCron(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.cron;
  };
  const next = (text: string, after: string, zone = 'UTC') => {
    const c = cron(text);
    const at = nextInstant(Date.parse(after), zone, 4 * 366 + 1, (date, from) => (cronDay(c, date) ? [...cronMinutes(c, from)].map((m) => atLocal(date, m, zone)) : []));
    return at === null ? null : new Date(at).toISOString();
  };

  it.each([
    ['* * * * *', '2024-06-21T12:00:30Z', '2024-06-21T12:01:00.000Z'],
    ['*/15 * * * *', '2024-06-21T12:15:00Z', '2024-06-21T12:30:00.000Z'],
    ['5/20 * * * *', '2024-06-21T12:30:00Z', '2024-06-21T12:45:00.000Z'],
    ['0 7 * * mon-fri', '2024-06-21T08:00:00Z', '2024-06-24T07:00:00.000Z'],
    ['30 6 1,15 * *', '2024-06-21T08:00:00Z', '2024-07-01T06:30:00.000Z'],
    ['0 0 29 feb *', '2024-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 12 13 * fri', '2024-06-21T13:00:00Z', '2024-06-28T12:00:00.000Z'], // either day field: Friday or the 13th
    ['0 0 * * 7', '2024-06-21T00:00:00Z', '2024-06-23T00:00:00.000Z'], // 7 is Sunday
    ['0 9 * DEC *', '2024-06-21T00:00:00Z', '2024-12-01T09:00:00.000Z'],
  ])('%s after %s is %s', (text, after, expected) => {
    expect(next(text, after)).toBe(expected);
  });

  it('runs at local times', () => {
    expect(next('0 8 * * *', '2024-06-21T12:00:00Z', 'Europe/Amsterdam')).toBe('2024-06-22T06:00:00.000Z');
  });

  it.each([
    ['* * * *', 'needs 5 fields (minute hour day month weekday), got 4'],
    ['* * * * * *', 'needs 5 fields (minute hour day month weekday), got 6'],
    ['60 * * * *', 'minute: "60" is not within 0-59'],
    ['* 5-2 * * *', 'hour: range "5-2" runs backwards'],
    ['*/0 * * * *', 'minute: step "0" is out of range'],
    ['* * 0 * *', 'day of month: "0" is not within 1-31'],
    ['* * * foo *', 'month: "foo" is not within 1-12'],
    ['* * * * 1,', 'day of week: "" is not a value, range or step'],
    ['0 0 31 4,6 *', 'no month has such a day'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseCron(text)).toEqual({ ok: false, message });
  });
});
