import { addDays, atLocal, localTime, weekdayOf, type LocalDate } from '@hearth/local-time';
import { FIVE_MINUTES, ONE_HOUR, type Resolution } from './series.js';

/** Calendar periods in the house's time zone; weeks start on Monday. */
export const PERIODS = ['hour', 'day', 'week', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

export interface Span {
  start: number;
  end: number;
}

/** The start of the period that holds `time`, in the zone. */
export function periodStart(time: number, period: Period, zone: string): number {
  const t = localTime(time, zone);
  if (period === 'hour') return time - (t.minute * 60 + t.second) * 1000 - (((time % 1000) + 1000) % 1000);
  const date: LocalDate = period === 'year' ? { year: t.year, month: 1, day: 1 } : period === 'month' ? { year: t.year, month: t.month, day: 1 } : t;
  return atLocal(period === 'week' ? addDays(date, -((weekdayOf(date) + 6) % 7)) : date, 0, zone);
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(start: number, period: Period, zone: string): number {
  if (period === 'hour') return start + ONE_HOUR;
  // Noon of the period's first day is safe from daylight-saving changes at either end.
  const t = localTime(start + 12 * ONE_HOUR, zone);
  const next: LocalDate =
    period === 'year' ? { year: t.year + 1, month: 1, day: 1 } : period === 'month' ? (t.month === 12 ? { year: t.year + 1, month: 1, day: 1 } : { year: t.year, month: t.month + 1, day: 1 }) : addDays(t, period === 'week' ? 7 : 1);
  // A date a zone skipped (Samoa went from 2011-12-29 to 12-31) has no midnight: the period runs to the next one's.
  let end = atLocal(next, 0, zone);
  for (let date = next; end <= start; ) end = atLocal((date = addDays(date, 1)), 0, zone);
  return end;
}

/** The periods that touch [from, to): the first may start before `from`, the last end after `to`. */
export function periodsOf(from: number, to: number, period: Period, zone: string): Span[] {
  if (period === 'day') return daysOf(from, to, zone);
  const spans: Span[] = [];
  for (let start = periodStart(from, period, zone); start < to; ) {
    const end = nextPeriod(start, period, zone);
    spans.push({ start, end });
    start = end;
  }
  return spans;
}

/**
 * The days that touch [from, to), as `nextPeriod` gives them, with one look at the clock a day rather than four
 * (a year of days is a report's most asked for range): a day is tried at 24 hours, and searched for only where
 * the clock does not read midnight of the next date then (the clocks changed).
 */
function daysOf(from: number, to: number, zone: string): Span[] {
  const spans: Span[] = [];
  let start = periodStart(from, 'day', zone);
  let date: LocalDate = localTime(start + 12 * ONE_HOUR, zone);
  while (start < to) {
    const next = addDays(date, 1);
    const guess = start + 24 * ONE_HOUR;
    const t = localTime(guess, zone);
    const midnight = t.year === next.year && t.month === next.month && t.day === next.day && t.hour === 0 && t.minute === 0 && t.second === 0;
    const end = midnight ? guess : nextPeriod(start, 'day', zone);
    date = midnight ? next : localTime(end + 12 * ONE_HOUR, zone);
    spans.push({ start, end });
    start = end;
  }
  return spans;
}

export interface Piece extends Span {
  resolution: Resolution;
}

/**
 * [start, end) as stored buckets: whole UTC hours from the hourly table, the rest (a zone half an hour off
 * UTC, or a range that does not begin on the hour) from the 5-minute table. Both ends must be on 5 minutes.
 */
export function piecesOf(start: number, end: number): Piece[] {
  const firstHour = Math.ceil(start / ONE_HOUR) * ONE_HOUR;
  const lastHour = Math.floor(end / ONE_HOUR) * ONE_HOUR;
  if (firstHour >= lastHour) return [{ resolution: '5m', start, end }];
  const pieces: Piece[] = [];
  if (start < firstHour) pieces.push({ resolution: '5m', start, end: firstHour });
  pieces.push({ resolution: 'hour', start: firstHour, end: lastHour });
  if (lastHour < end) pieces.push({ resolution: '5m', start: lastHour, end });
  return pieces;
}

/** `time` down to its 5-minute bucket. */
export const floorToBucket = (time: number): number => time - (((time % FIVE_MINUTES) + FIVE_MINUTES) % FIVE_MINUTES);
