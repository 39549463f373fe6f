/** A day of the week, as rules and tariffs name it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Times of day, weekdays and wall-clock arithmetic in an IANA time zone, without a date library (rules, tariffs, statistics). */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Indexed like Date.getUTCDay(): Sunday first. */
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (24-hour) as minutes after midnight, or undefined. */
export function parseClock(text: string): number | undefined {
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** A calendar date (month 1-12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at `ms` in the zone. Throws RangeError for an unknown zone (settings validate it). */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of format(timeZone).formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/**
 * The instant a wall-clock time happens in the zone. A time that a daylight-saving change skips comes out
 * an hour later; one that happens twice, the first time.
 */
export function atLocal(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // The zone's offset at a guess, then at the corrected guess: two rounds settle every real zone.
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const seen = localTime(guess, timeZone);
    guess += wall - Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second);
  }
  const earlier = guess - HOUR;
  const t = localTime(earlier, timeZone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) === wall ? earlier : guess;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

export const minuteOfDay = (t: LocalTime): number => t.hour * 60 + t.minute + t.second / 60;

/** Whether `value` lies in [from, to), a window that wraps around when from > to (22:00 to 06:00). */
export function inWindow(value: number, from: number | undefined, to: number | undefined): boolean {
  if (from !== undefined && to !== undefined && from > to) return value >= from || value < to;
  return (from === undefined || value >= from) && (to === undefined || value < to);
}

/**
 * The first instant after `after` among the candidates of each local day, from the day of `after` (and the
 * one before, for candidates shifted past midnight) on, looking at most `days` days ahead. `fromMinute`
 * tells a day's candidates which wall-clock minutes cannot be late enough (two hours of margin for
 * daylight-saving changes), so an every-minute schedule does not convert a whole day each time.
 */
export function nextInstant(after: number, timeZone: string, days: number, candidates: (date: LocalDate, fromMinute: number) => Iterable<number>): number | null {
  const today = localTime(after, timeZone);
  for (let i = -1; i <= days; i++) {
    const fromMinute = i < 0 ? 24 * 60 : i === 0 ? minuteOfDay(today) - 120 : 0;
    for (const at of candidates(addDays(today, i), fromMinute)) if (at > after) return at;
  }
  return null;
}
