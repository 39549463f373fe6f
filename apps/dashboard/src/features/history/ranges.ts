import type { HistoryResolution } from '@hearth/api-types';

export interface TimeRange {
  from: number;
  to: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The range picker: the last stretch of time up to now. */
export const RANGES: ReadonlyArray<{ key: string; label: string; range(now: number): TimeRange }> = [
  ['6h', '6 h', 6 * HOUR],
  ['24h', '24 h', DAY],
  ['7d', '7 d', 7 * DAY],
  ['30d', '30 d', 30 * DAY],
  ['1y', '1 y', 365 * DAY],
].map(([key, label, span]) => ({ key: key as string, label: label as string, range: (now: number) => ({ from: now - (span as number), to: now }) }));

/** Twice as long around the same middle, not past now. */
export function zoomOut({ from, to }: TimeRange, now: number): TimeRange {
  const span = to - from;
  const end = Math.min(now, to + span / 2);
  return { from: Math.round(end - 2 * span), to: Math.round(end) };
}

/** What the hub answered with, in words. */
export const RESOLUTION_NAMES: Record<HistoryResolution, string> = {
  raw: 'every reading',
  '5m': '5-minute lows, means and highs',
  hour: 'hourly lows, means and highs',
  day: 'daily lows, means and highs',
  week: 'weekly lows, means and highs',
  month: 'monthly lows, means and highs',
};
