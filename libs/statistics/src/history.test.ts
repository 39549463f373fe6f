import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { MemoryStatisticsStore } from './fixtures/memory-store.js';
import { bucketPoints, periodPoints } from './history.js';
import { nextPeriod, periodsOf, periodStart, piecesOf } from './periods.js';
import { StatisticsRecorder } from './recorder.js';
import { ONE_HOUR } from './series.js';

const iso = (t: number) => new Date(t).toISOString();

describe('calendar periods in a time zone', () => {
  it('has days of 23 and 25 hours where the clocks change, and weeks from Monday', () => {
    const day = (y: number, m: number, d: number) => periodStart(Date.UTC(y, m - 1, d, 12), 'day', 'Europe/Amsterdam');
    expect(nextPeriod(day(2026, 3, 29), 'day', 'Europe/Amsterdam') - day(2026, 3, 29)).toBe(23 * ONE_HOUR);
    expect(nextPeriod(day(2026, 10, 25), 'day', 'Europe/Amsterdam') - day(2026, 10, 25)).toBe(25 * ONE_HOUR);
    expect(iso(periodStart(Date.UTC(2026, 2, 29, 12), 'week', 'Europe/Amsterdam'))).toBe('2026-03-22T23:00:00.000Z');
    expect(iso(periodStart(Date.UTC(2026, 2, 29, 12), 'month', 'Europe/Amsterdam'))).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(periodStart(Date.UTC(2026, 2, 29, 12), 'year', 'America/New_York'))).toBe('2026-01-01T05:00:00.000Z');
    expect(iso(periodStart(Date.UTC(2026, 2, 29, 12, 47, 3), 'hour', 'Asia/Kolkata'))).toBe('2026-03-29T12:30:00.000Z');
  });

  it('gives the days of a range as nextPeriod does, across every clock change of the zones that have odd ones', () => {
    // Havana and Santiago change their clocks at midnight, Lord Howe by half an hour, Tehran and Kolkata are off
    // UTC by half hours.
    for (const zone of ['Europe/Amsterdam', 'America/Havana', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Tehran', 'Asia/Kolkata', 'UTC']) {
      const from = Date.UTC(2020, 0, 1, 7, 13);
      const to = Date.UTC(2027, 0, 1);
      const expected: Array<{ start: number; end: number }> = [];
      for (let start = periodStart(from, 'day', zone); start < to; start = expected[expected.length - 1].end) expected.push({ start, end: nextPeriod(start, 'day', zone) });
      expect(periodsOf(from, to, 'day', zone), zone).toEqual(expected);
    }
  });

  it('gives a day a zone skipped to the day before it (Samoa went from 2011-12-29 to 12-31), and never stops short', () => {
    const zone = 'Pacific/Apia';
    const start = periodStart(Date.UTC(2011, 11, 29, 12), 'day', zone);
    expect(iso(start)).toBe('2011-12-29T10:00:00.000Z');
    expect(iso(nextPeriod(start, 'day', zone))).toBe('2011-12-30T10:00:00.000Z');
    const days = periodsOf(Date.UTC(2011, 11, 27), Date.UTC(2012, 0, 3), 'day', zone);
    expect(days.every(({ start, end }, i) => end > start && (i === 0 || start === days[i - 1].end))).toBe(true);
    expect(days.map(({ start, end }) => (end - start) / ONE_HOUR)).toEqual([24, 24, 24, 24, 24, 24, 24, 24]);
    for (const period of ['week', 'month', 'year'] as const) expect(periodsOf(Date.UTC(2011, 11, 1), Date.UTC(2012, 1, 1), period, zone).length).toBeGreaterThan(0);
  });

  it('reads whole UTC hours from the hourly table and the rest from the 5-minute one', () => {
    const h = (hours: number) => Date.UTC(2026, 0, 1) + hours * ONE_HOUR;
    expect(piecesOf(h(18.5), h(42.5))).toEqual([
      { resolution: '5m', start: h(18.5), end: h(19) },
      { resolution: 'hour', start: h(19), end: h(42) },
      { resolution: '5m', start: h(42), end: h(42.5) },
    ]);
    expect(piecesOf(h(0), h(24))).toEqual([{ resolution: 'hour', start: h(0), end: h(24) }]);
    expect(piecesOf(h(1.25), h(1.75))).toEqual([{ resolution: '5m', start: h(1.25), end: h(1.75) }]);
  });
});

describe('history from statistics', () => {
  // A temperature read every 30 to 90 seconds for ten days, in a zone half an hour off UTC.
  const zone = 'Asia/Kolkata';
  const store = new MemoryStatisticsStore();
  const recorder = new StatisticsRecorder(store, { energyMaxGapMs: 5 * 60_000, measurementHoldMs: 6 * ONE_HOUR });
  const random = new Random(3);
  const readings: Array<{ time: number; value: number }> = [];
  const spec = { key: 'sensor.bed_temperature', kind: 'measurement' as const, unit: '°C' };
  let value = 12;
  for (let time = Date.UTC(2026, 6, 1); time < Date.UTC(2026, 6, 11); time += random.int(30_000, 90_000)) {
    value += random.between(-0.3, 0.3);
    readings.push({ time, value });
    recorder.record(spec, time, value);
  }
  recorder.flush();
  const series = { id: 1, kind: 'measurement' as const, unit: '°C' };

  it('gives each local day the min, max and time-weighted mean of what was held in it', () => {
    const from = periodStart(Date.UTC(2026, 6, 2), 'day', zone);
    const to = periodStart(Date.UTC(2026, 6, 9), 'day', zone);
    const { points, truncated } = periodPoints(store, series, 'day', from, to, zone, 1000);
    expect(truncated).toBe(false);
    expect(points.map((p) => p.start.slice(11))).toEqual(Array(7).fill('18:30:00.000Z'));
    for (const point of points) {
      const [start, end] = [Date.parse(point.start), Date.parse(point.end)];
      let integral = 0;
      let min = Infinity;
      let max = -Infinity;
      readings.forEach((r, i) => {
        const next = readings[i + 1]?.time ?? r.time;
        const overlap = Math.min(next, end) - Math.max(r.time, start);
        if (overlap <= 0 && !(r.time >= start && r.time < end)) return;
        if (overlap > 0) integral += r.value * overlap;
        min = Math.min(min, r.value);
        max = Math.max(max, r.value);
      });
      expect(point.min).toBeCloseTo(min, 9);
      expect(point.max).toBeCloseTo(max, 9);
      expect(point.mean).toBeCloseTo(integral / (end - start), 9);
      expect(point.change).toBeNull();
    }
  });

  it('gives stored buckets as they are, and says when there were more than asked for', () => {
    const from = Date.UTC(2026, 6, 3, 10, 2);
    const { points, truncated } = bucketPoints(store, series, 'hour', from, from + 5 * ONE_HOUR, 3);
    expect(truncated).toBe(true);
    expect(points.map((p) => [p.start, p.end])).toEqual([0, 1, 2].map((h) => [iso(Date.UTC(2026, 6, 3, 10 + h)), iso(Date.UTC(2026, 6, 3, 11 + h))]));
  });

  it('gives a meter’s use per bucket in kWh', () => {
    const meter = new MemoryStatisticsStore();
    const energy = new StatisticsRecorder(meter, { energyMaxGapMs: 5 * 60_000, measurementHoldMs: ONE_HOUR });
    for (let minute = 0; minute <= 180; minute++) energy.record({ key: 'sensor.oven_energy', kind: 'counter', unit: 'Wh' }, Date.UTC(2026, 0, 1) + minute * 60_000, 1000 + minute * 10);
    energy.flush();
    const { points } = bucketPoints(meter, { id: 1, kind: 'counter', unit: 'Wh' }, 'hour', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 3), 10);
    // The first reading starts the count: 59 minutes of 10 Wh in the first hour, 60 in the others.
    expect(points.map((p) => p.change)).toEqual([0.59, 0.6, 0.6].map((kwh) => expect.closeTo(kwh, 9)));
  });
});
