import { atLocal, nextInstant } from '@hearth/local-time';
import { describe, expect, it } from 'vitest';
import { cronDay, cronMinutes, parseCron, type Cron } from './cron.js';

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
