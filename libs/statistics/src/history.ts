import { periodsOf, piecesOf, type Period, type Span } from './periods.js';
import type { Reading } from './recorder.js';
import { RESOLUTIONS, type Resolution, type SeriesKind, type StatisticRow } from './series.js';
import type { StatisticPointDto } from './view.js';

/** How stored statistics and readings are read back. */
export interface StatisticsReader {
  /** Buckets starting in [from, to), oldest first, at most `limit`. */
  rows(series: number, resolution: Resolution, from: number, to: number, limit: number): StatisticRow[];
  /** The running sum at `time`: that of the last 5-minute bucket starting before it; null before the first. */
  sumAt(series: number, time: number): number | null;
  /** The running sums at each of `times`, in their order: a report's edges in one read rather than one each. */
  sumsAt(series: number, times: number[]): Array<number | null>;
  /** Readings in [from, to), oldest first, at most `limit`. */
  readings(series: number, from: number, to: number, limit: number): Reading[];
  /** The last reading before `time`. */
  readingBefore(series: number, time: number): Reading | undefined;
  /** How many readings [from, to) holds, counting no further than `limit`. */
  countReadings(series: number, from: number, to: number, limit: number): number;
}

export interface StoredSeries {
  id: number;
  kind: SeriesKind;
  unit: string | null;
}

/** kWh in one unit of a series' running sum: power (W) integrates to kWh, a Wh counter counts Wh; null when it is not energy. */
export function kwhPerSumUnit({ kind, unit }: Pick<StoredSeries, 'kind' | 'unit'>): number | null {
  const scale: Record<string, number> = kind === 'power' ? { W: 1, kW: 1000 } : kind === 'counter' || kind === 'total' ? { Wh: 0.001, kWh: 1, MWh: 1000 } : {};
  return unit !== null && unit in scale ? scale[unit] : null;
}

/** A bucket's `change` is in kWh for energy, in the series' own unit for other counters (water, gas). */
function changeScale(series: StoredSeries): number | null {
  if (series.kind === 'measurement') return null;
  return kwhPerSumUnit(series) ?? (series.kind === 'power' ? null : 1);
}

const iso = (time: number): string => new Date(time).toISOString();

/** Buckets of a series over [from, to) at a stored resolution, with what was used in each. */
export function bucketPoints(reader: StatisticsReader, series: StoredSeries, resolution: Resolution, from: number, to: number, limit: number): { points: StatisticPointDto[]; truncated: boolean } {
  const width = RESOLUTIONS[resolution];
  const rows = reader.rows(series.id, resolution, from - (from % width), to, limit + 1);
  const truncated = rows.length > limit;
  const scale = changeScale(series);
  let before = scale === null || rows.length === 0 ? null : (reader.sumAt(series.id, rows[0].start) ?? 0);
  const points = rows.slice(0, limit).map((row) => {
    const change = scale === null || row.sum === null || before === null ? null : (row.sum - before) * scale;
    if (row.sum !== null) before = row.sum;
    return { start: iso(row.start), end: iso(row.start + width), mean: row.mean, min: row.min, max: row.max, change };
  });
  return { points, truncated };
}

/**
 * Buckets of a series over calendar periods in the zone (days, weeks, months), from its hourly buckets and,
 * where a period does not begin on a UTC hour, 5-minute ones. The mean weighs each stored bucket by its width.
 */
export function periodPoints(
  reader: StatisticsReader,
  series: StoredSeries,
  period: Period,
  from: number,
  to: number,
  zone: string,
  limit: number,
): { points: StatisticPointDto[]; truncated: boolean } {
  const spans = periodsOf(from, to, period, zone);
  const truncated = spans.length > limit;
  const shown = spans.slice(0, limit);
  if (shown.length === 0) return { points: [], truncated };
  const hourly = reader.rows(series.id, 'hour', shown[0].start, shown[shown.length - 1].end, Number.MAX_SAFE_INTEGER);
  const scale = changeScale(series);
  // The running sums at every span's ends, in one read.
  const sums = scale === null ? [] : reader.sumsAt(series.id, shown.flatMap(({ start, end }) => [start, end]));
  let next = 0;
  const points: StatisticPointDto[] = [];
  for (const [i, span] of shown.entries()) {
    const rows: Array<{ row: StatisticRow; width: number }> = [];
    for (const piece of piecesOf(span.start, span.end)) {
      if (piece.resolution === '5m') {
        for (const row of reader.rows(series.id, '5m', piece.start, piece.end, Number.MAX_SAFE_INTEGER)) rows.push({ row, width: RESOLUTIONS['5m'] });
        continue;
      }
      while (next < hourly.length && hourly[next].start < piece.start) next++;
      for (; next < hourly.length && hourly[next].start < piece.end; next++) rows.push({ row: hourly[next], width: RESOLUTIONS.hour });
    }
    const change = scale === null ? null : ((sums[2 * i + 1] ?? 0) - (sums[2 * i] ?? 0)) * scale;
    if (rows.length === 0 && !change) continue;
    points.push({ start: iso(span.start), end: iso(span.end), ...summary(rows), change });
  }
  return { points, truncated };
}

function summary(rows: Array<{ row: StatisticRow; width: number }>): Pick<StatisticPointDto, 'mean' | 'min' | 'max'> {
  let weighted = 0;
  let weight = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const { row, width } of rows) {
    if (row.mean !== null) {
      weighted += row.mean * width;
      weight += width;
    }
    if (row.min !== null) min = min === null ? row.min : Math.min(min, row.min);
    if (row.max !== null) max = max === null ? row.max : Math.max(max, row.max);
  }
  return { mean: weight > 0 ? weighted / weight : null, min, max };
}
