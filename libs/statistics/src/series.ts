/**
 * Long-term statistics, kept incrementally as readings arrive (never by rescanning the readings): per
 * series, 5-minute and hourly buckets. A bucket's start is aligned to its width in UTC (every zone's
 * offset is a whole number of quarter hours... and the ones that are not still see whole hours of UTC);
 * days, weeks, months and years are answered from the hourly buckets in the house's zone (periods.ts).
 *
 * - `measurement` (temperature, moisture): the time-weighted mean, min and max, each reading held until
 *   the next one, but never across a gap longer than the series' hold.
 * - `power` (W): a measurement, and its energy, integrated over time (trapezoid) into the running `sum`
 *   in kWh, except across a gap longer than the hold, which stays a gap.
 * - `counter` (a meter's kWh, HA's state class total_increasing): the bucket's last reading (`state`) and
 *   a running `sum` of what was used. A drop to under 90 % of the last reading is a new cycle (the meter
 *   was reset or replaced: what it reads now was used since); a smaller drop is noise, and the series
 *   keeps counting from the higher reading, so nothing is negative and nothing is counted twice.
 * - `total` (state class total): like a counter, but a drop is a decrease (an export meter running back).
 *
 * A reading at or before the series' last one (a duplicate, or out of order) is ignored.
 */

export const FIVE_MINUTES = 5 * 60_000;
export const ONE_HOUR = 60 * 60_000;
export const RESOLUTIONS = { '5m': FIVE_MINUTES, hour: ONE_HOUR } as const;
export type Resolution = keyof typeof RESOLUTIONS;

export const SERIES_KINDS = ['measurement', 'power', 'counter', 'total'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];

/** One bucket of one series, as stored. */
export interface StatisticRow {
  start: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** A meter's last reading in the bucket. */
  state: number | null;
  /** What was used from the series' first reading to the end of the bucket (counters: their unit; power: kWh). */
  sum: number | null;
}

/** A bucket still filling: the row, and the mean's parts (value x milliseconds held, and milliseconds). */
export interface OpenBucket extends StatisticRow {
  integral: number;
  covered: number;
}

/** Where a series goes on from (after a restart, say): its last reading, running sum and open buckets. */
export interface SeriesPosition {
  last: { time: number; value: number } | null;
  sum: number;
  open: Record<Resolution, OpenBucket | null>;
}

export const NEW_SERIES: SeriesPosition = { last: null, sum: 0, open: { '5m': null, hour: null } };

const W_MS_PER_KWH = 1000 * ONE_HOUR;
/** A counter falling to less than this share of its last reading started a new cycle. */
const NEW_CYCLE_BELOW = 0.9;

/** The buckets of one width touched since the last `take()`; the open one (the latest) stays touched. */
class Buckets {
  private readonly touched = new Map<number, OpenBucket>();
  private open: OpenBucket | null;

  constructor(
    readonly width: number,
    open: OpenBucket | null,
  ) {
    this.open = open && { ...open };
    if (this.open) this.touched.set(this.open.start, this.open);
  }

  at(time: number): OpenBucket {
    const start = time - (time % this.width);
    if (this.open?.start === start) return this.open;
    let bucket = this.touched.get(start);
    if (!bucket) {
      bucket = { start, mean: null, min: null, max: null, state: null, sum: null, integral: 0, covered: 0 };
      this.touched.set(start, bucket);
    }
    if (!this.open || start > this.open.start) this.open = bucket;
    return bucket;
  }

  /** Calls `slice` for each piece of [from, to) that falls in one bucket. */
  slices(from: number, to: number, slice: (bucket: OpenBucket, a: number, b: number) => void): void {
    for (let a = from; a < to; ) {
      const bucket = this.at(a);
      const b = Math.min(to, bucket.start + this.width);
      slice(bucket, a, b);
      a = b;
    }
  }

  take(): StatisticRow[] {
    const rows: StatisticRow[] = [];
    for (const { integral, covered, ...row } of this.touched.values()) rows.push(row);
    this.touched.clear();
    if (this.open) this.touched.set(this.open.start, this.open);
    return rows;
  }

  get latest(): OpenBucket | null {
    return this.open && { ...this.open };
  }
}

/** One series' statistics at both resolutions, fed one reading at a time, in time order. */
export class StatisticSeries {
  private readonly buckets: Record<Resolution, Buckets>;
  private last: { time: number; value: number } | null;
  private sum: number;

  constructor(
    readonly kind: SeriesKind,
    /** How long a reading holds (and power is integrated) at most; a longer silence is a gap. */
    private readonly holdMs: number,
    from: SeriesPosition = NEW_SERIES,
  ) {
    this.last = from.last;
    this.sum = from.sum;
    this.buckets = { '5m': new Buckets(FIVE_MINUTES, from.open['5m']), hour: new Buckets(ONE_HOUR, from.open.hour) };
  }

  /** Takes a reading; false when it was ignored (not a finite number, or not after the last reading). */
  add(time: number, value: number): boolean {
    if (!Number.isFinite(value) || (this.last && time <= this.last.time)) return false;
    if (this.kind === 'counter' || this.kind === 'total') this.count(time, value);
    else this.measure(time, value);
    return true;
  }

  /** Rows touched since the last call, per resolution, the still open ones included. */
  take(): Record<Resolution, StatisticRow[]> {
    return { '5m': this.buckets['5m'].take(), hour: this.buckets.hour.take() };
  }

  /** Where a later restart goes on from; what `take()` returned last must be stored with it. */
  get position(): SeriesPosition {
    return { last: this.last && { ...this.last }, sum: this.sum, open: { '5m': this.buckets['5m'].latest, hour: this.buckets.hour.latest } };
  }

  private count(time: number, value: number): void {
    const last = this.last;
    let reference = value;
    if (last) {
      const drop = value < last.value;
      if (!drop || this.kind === 'total') this.sum += value - last.value;
      else if (value < last.value * NEW_CYCLE_BELOW) this.sum += value;
      // Noise: the higher reading stays the reference.
      else reference = last.value;
    }
    for (const buckets of Object.values(this.buckets)) {
      const bucket = buckets.at(time);
      bucket.state = value;
      bucket.sum = this.sum;
    }
    this.last = { time, value: reference };
  }

  private measure(time: number, value: number): void {
    const last = this.last;
    const held = last !== null && time - last.time <= this.holdMs;
    let sum = this.sum;
    for (const buckets of Object.values(this.buckets)) {
      sum = this.sum;
      if (held) {
        const slope = (value - last.value) / (time - last.time);
        buckets.slices(last.time, time, (bucket, a, b) => {
          bucket.integral += last.value * (b - a);
          bucket.covered += b - a;
          extend(bucket, last.value);
          if (this.kind === 'power') {
            // The trapezoid over [a, b], the power between readings taken as a straight line.
            const pa = last.value + slope * (a - last.time);
            const pb = last.value + slope * (b - last.time);
            sum += (((pa + pb) / 2) * (b - a)) / W_MS_PER_KWH;
            bucket.sum = sum;
          }
        });
      }
      const bucket = buckets.at(time);
      extend(bucket, value);
      if (this.kind === 'power') bucket.sum = sum;
    }
    this.sum = sum;
    this.last = { time, value };
  }
}

/** Widens the bucket's range by a value, and sets its mean: time-weighted once it covers any time. */
function extend(bucket: OpenBucket, value: number): void {
  bucket.min = bucket.min === null ? value : Math.min(bucket.min, value);
  bucket.max = bucket.max === null ? value : Math.max(bucket.max, value);
  bucket.mean = bucket.covered > 0 ? bucket.integral / bucket.covered : value;
}
