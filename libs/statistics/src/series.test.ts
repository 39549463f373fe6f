import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { FIVE_MINUTES, ONE_HOUR, RESOLUTIONS, StatisticSeries, type Resolution, type SeriesKind, type StatisticRow } from './series.js';

interface Reading {
  time: number;
  value: number;
}

const T0 = Date.UTC(2026, 2, 28, 22, 3, 17);
const HOLD = 5 * 60_000;

/** Readings every few seconds to minutes, with silences, resets, duplicates, out-of-order ones and junk. */
function generate(random: Random, kind: SeriesKind, count: number): Reading[] {
  const readings: Reading[] = [];
  let time = T0;
  let value = kind === 'counter' || kind === 'total' ? random.between(0, 5000) : random.between(-10, 3000);
  for (let i = 0; i < count; i++) {
    time += random.chance(0.03) ? random.int(HOLD, 4 * ONE_HOUR) : random.int(1, 90_000);
    if (kind === 'counter') value = random.chance(0.02) ? random.between(0, 3) : random.chance(0.05) ? value * random.between(0.95, 1) : value + random.between(0, 0.5);
    else if (kind === 'total') value += random.between(-0.4, 0.5);
    else value = random.chance(0.1) ? random.between(0, 3000) : Math.max(0, value + random.between(-50, 50));
    readings.push({ time, value });
    if (random.chance(0.03)) readings.push({ time, value: value + 1 });
    if (random.chance(0.03)) readings.push({ time: time - random.int(1, 60_000), value: random.between(0, 100) });
    if (random.chance(0.01)) readings.push({ time: time + 1, value: Number.NaN });
  }
  return readings;
}

/** What the series keeps: each reading after the last one taken, and finite. */
function accepted(readings: Reading[]): Reading[] {
  const kept: Reading[] = [];
  for (const r of readings) if (Number.isFinite(r.value) && (kept.length === 0 || r.time > kept[kept.length - 1].time)) kept.push(r);
  return kept;
}

/** The statistics computed again from scratch, bucket by bucket, from the whole list of readings. */
function bruteForce(kind: SeriesKind, readings: Reading[], width: number): Map<number, StatisticRow> {
  const r = accepted(readings);
  const rows = new Map<number, StatisticRow & { integral: number; covered: number }>();
  const row = (start: number) => {
    if (!rows.has(start)) rows.set(start, { start, mean: null, min: null, max: null, state: null, sum: null, integral: 0, covered: 0 });
    return rows.get(start)!;
  };
  const floor = (t: number) => t - (t % width);
  if (kind === 'counter' || kind === 'total') {
    let sum = 0;
    let reference = r[0]?.value;
    for (const { time, value } of r) {
      if (kind === 'total' || value >= reference) sum += value - reference;
      else if (value < 0.9 * reference) sum += value;
      if (kind === 'total' || value >= reference || value < 0.9 * reference) reference = value;
      Object.assign(row(floor(time)), { state: value, sum });
    }
  } else {
    const segments: Array<{ a: number; b: number; va: number; vb: number }> = [];
    for (let i = 0; i + 1 < r.length; i++) if (r[i + 1].time - r[i].time <= HOLD) segments.push({ a: r[i].time, b: r[i + 1].time, va: r[i].value, vb: r[i + 1].value });
    const energyUntil = (t: number) => {
      let e = 0;
      for (const s of segments) {
        if (s.a >= t) break;
        const end = Math.min(t, s.b);
        const pEnd = s.va + ((s.vb - s.va) * (end - s.a)) / (s.b - s.a);
        e += ((s.va + pEnd) / 2) * (end - s.a);
      }
      return e / (1000 * ONE_HOUR);
    };
    const include = (bucket: StatisticRow, value: number) => {
      bucket.min = bucket.min === null ? value : Math.min(bucket.min, value);
      bucket.max = bucket.max === null ? value : Math.max(bucket.max, value);
    };
    for (const { time, value } of r) {
      include(row(floor(time)), value);
      row(floor(time)).mean = value;
    }
    for (const s of segments)
      for (let start = floor(s.a); start < s.b; start += width) {
        const overlap = Math.min(s.b, start + width) - Math.max(s.a, start);
        if (overlap <= 0) continue;
        const bucket = row(start);
        include(bucket, s.va);
        bucket.integral += s.va * overlap;
        bucket.covered += overlap;
      }
    const lastTime = r[r.length - 1].time;
    for (const bucket of rows.values()) {
      if (bucket.covered > 0) bucket.mean = bucket.integral / bucket.covered;
      if (kind === 'power') bucket.sum = energyUntil(Math.min(bucket.start + width, lastTime));
    }
  }
  return new Map([...rows].map(([start, { integral, covered, ...rest }]) => [start, rest]));
}

/** Feeds the readings, storing what `take()` returns now and then (a later row replaces an earlier one), and restarting from the stored position now and then. */
function incremental(kind: SeriesKind, readings: Reading[], random: Random): Record<Resolution, Map<number, StatisticRow>> {
  const stored: Record<Resolution, Map<number, StatisticRow>> = { '5m': new Map(), hour: new Map() };
  let series = new StatisticSeries(kind, HOLD);
  const store = () => {
    const taken = series.take();
    for (const resolution of ['5m', 'hour'] as const) for (const row of taken[resolution]) stored[resolution].set(row.start, row);
  };
  for (const { time, value } of readings) {
    series.add(time, value);
    if (random.chance(0.05)) store();
    if (random.chance(0.01)) {
      store();
      series = new StatisticSeries(kind, HOLD, JSON.parse(JSON.stringify(series.position)));
    }
  }
  store();
  return stored;
}

function expectClose(actual: Map<number, StatisticRow>, expected: Map<number, StatisticRow>, label: string): void {
  expect([...actual.keys()].sort(), `${label}: buckets`).toEqual([...expected.keys()].sort());
  for (const [start, want] of expected) {
    const got = actual.get(start)!;
    for (const field of ['mean', 'min', 'max', 'state', 'sum'] as const) {
      const context = `${label} bucket ${new Date(start).toISOString()} ${field}`;
      if (want[field] === null) expect(got[field], context).toBeNull();
      else expect(got[field], context).toBeCloseTo(want[field], 6);
    }
  }
}

describe('statistics against a brute-force computation', () => {
  for (const kind of ['measurement', 'power', 'counter', 'total'] as const)
    it(`${kind}: every 5-minute and hourly bucket, over gaps, resets, duplicates, late readings and restarts`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const random = new Random(seed);
        const readings = generate(random.fork('readings'), kind, 1500);
        const stored = incremental(kind, readings, random.fork('restarts'));
        for (const resolution of ['5m', 'hour'] as const) expectClose(stored[resolution], bruteForce(kind, readings, RESOLUTIONS[resolution]), `seed ${seed} ${resolution}`);
      }
    });
});

describe('a series', () => {
  it('integrates power as trapezoids, and not across a silence longer than the hold', () => {
    const series = new StatisticSeries('power', HOLD);
    series.add(0, 1000);
    series.add(60_000, 2000); // 1.5 kW for a minute: 0.025 kWh
    series.add(60_000 + HOLD + 1, 2000); // a gap: nothing
    for (let minute = 1; minute <= 30; minute++) series.add(60_000 + HOLD + 1 + minute * 60_000, 2000); // then 2 kW for half an hour: 1 kWh
    expect(series.position.sum).toBeCloseTo(1.025, 9);
  });

  it('counts a counter reset as a new cycle and a small drop as noise, never as negative use', () => {
    const series = new StatisticSeries('counter', HOLD);
    for (const [time, value] of [
      [0, 100],
      [1, 101],
      [2, 100.9], // noise: 101 stays the reference
      [3, 101.5], // +0.5
      [4, 2], // reset: 2 used since
      [5, 3],
    ])
      series.add(time, value);
    expect(series.position.sum).toBeCloseTo(1 + 0.5 + 2 + 1, 9);
    const total = new StatisticSeries('total', HOLD);
    for (const [time, value] of [
      [0, 10],
      [1, 4],
      [2, 6],
    ])
      total.add(time, value);
    expect(total.position.sum).toBe(-4);
  });

  it('gives a bucket the time-weighted mean of what was held in it', () => {
    const series = new StatisticSeries('measurement', ONE_HOUR);
    series.add(0, 10); // held for 4 minutes
    series.add(4 * 60_000, 20); // held for 1 minute into the bucket, then into the next
    series.add(FIVE_MINUTES + 60_000, 0);
    const rows = series.take()['5m'];
    expect(rows[0]).toMatchObject({ start: 0, mean: (10 * 4 + 20) / 5, min: 10, max: 20 });
    expect(rows[1]).toMatchObject({ start: FIVE_MINUTES, mean: 20, min: 0, max: 20 });
  });
});
