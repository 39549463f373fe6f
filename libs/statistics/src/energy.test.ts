import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { alwaysOn, energyReport, housePower, monthComparison, type EnergyMeter } from './energy.js';
import { MemoryStatisticsStore } from './fixtures/memory-store.js';
import { StatisticsRecorder, type SeriesSpec } from './recorder.js';
import { FIVE_MINUTES, ONE_HOUR, type SeriesKind } from './series.js';
import { PriceSchedule } from './tariffs.js';
import type { EnergyFlowsDto, MeterRole, TariffDto } from './view.js';

const ZONE = 'Europe/Amsterdam';
const MAX_GAP = 5 * 60_000;
const OPTIONS = { energyMaxGapMs: MAX_GAP, measurementHoldMs: 6 * ONE_HOUR };

interface GeneratedMeter {
  entityId: string;
  role: MeterRole;
  spec: SeriesSpec;
  /** In the order they arrive: a late one arrives after readings taken after it. */
  readings: Array<{ time: number; value: number; arrival: number }>;
}

// From before the tariffs begin, across the spring daylight-saving change (29 March) and a tariff change (17 March).
const FROM = Date.UTC(2026, 1, 27, 9, 13);
const TO = Date.UTC(2026, 3, 4, 3, 0);

const TARIFFS: TariffDto[] = [
  {
    validFrom: '2026-03-01',
    price: 0.3,
    exportPrice: 0.08,
    windows: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '22:00', to: '06:00', price: 0.2 },
      { days: ['sat', 'sun'], from: '00:00', to: '08:00', price: 0.15 },
    ],
  },
  { validFrom: '2026-03-17', price: 0.35, exportPrice: 0.05, windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '23:30', to: '07:30', price: 0.22 }] },
];

function generate(random: Random, entityId: string, role: MeterRole, kind: SeriesKind, unit: string): GeneratedMeter {
  const readings: GeneratedMeter['readings'] = [];
  let value = kind === 'power' ? 200 : random.between(0, 4000);
  for (let time = FROM + random.int(0, 60_000); time < TO; ) {
    if (kind === 'power') value = random.chance(0.05) ? random.between(0, 2500) : Math.max(0, value + random.between(-30, 30));
    else value = random.chance(0.0005) ? random.between(0, 2) : value + random.between(0, unit === 'Wh' ? 40 : 0.04);
    readings.push({ time, value, arrival: time });
    if (random.chance(0.02)) readings.push({ time, value, arrival: time });
    if (random.chance(0.01)) readings.push({ time: time - random.int(1, 30_000), value: random.between(0, 50), arrival: time });
    time += random.chance(0.01) ? random.int(MAX_GAP, 3 * ONE_HOUR) : random.int(5_000, 120_000);
  }
  return { entityId, role, spec: { key: entityId, kind, unit }, readings };
}

/** Records every meter's readings in time order, flushing now and then and restarting the recorder now and then. */
function record(meters: GeneratedMeter[], random: Random): MemoryStatisticsStore {
  const store = new MemoryStatisticsStore();
  let recorder = new StatisticsRecorder(store, OPTIONS);
  const all = meters.flatMap((meter) => meter.readings.map((reading, i) => ({ ...reading, meter, i })));
  all.sort((a, b) => a.arrival - b.arrival || a.i - b.i);
  for (const { meter, time, value } of all) {
    recorder.record(meter.spec, time, value);
    if (random.chance(0.01)) recorder.flush();
    if (random.chance(0.0002)) {
      // A crash: what was not flushed is caught up from the raw readings.
      recorder = new StatisticsRecorder(store, OPTIONS);
      recorder.load();
    }
  }
  recorder.flush();
  return store;
}

// ---- the brute force: 5-minute cells, local dates and prices from Intl directly ----

const dateFormat = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const clockFormat = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', weekday: 'short' });
const localDate = (t: number) => dateFormat.format(t);
function localClock(t: number): { weekday: string; minute: number } {
  const parts = Object.fromEntries(clockFormat.formatToParts(t).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday.toLowerCase(), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const tariffOn = (date: string) => TARIFFS.filter((t) => t.validFrom <= date).at(-1);

function priceAt(t: number): { price: number | null; exportPrice: number | null } {
  const today = tariffOn(localDate(t));
  if (!today) return { price: null, exportPrice: null };
  const { weekday, minute } = localClock(t);
  const yesterdayTime = t - 24 * ONE_HOUR;
  const yesterday = tariffOn(localDate(yesterdayTime));
  const yesterdayWeekday = localClock(yesterdayTime).weekday;
  const wraps = (w: { from: string; to: string }) => minutes(w.to) <= minutes(w.from);
  const window =
    today.windows.find((w) => w.days.includes(weekday as never) && minute >= minutes(w.from) && (wraps(w) || minute < minutes(w.to))) ??
    yesterday?.windows.find((w) => wraps(w) && w.days.includes(yesterdayWeekday as never) && minute < minutes(w.to));
  return { price: window?.price ?? today.price, exportPrice: today.exportPrice };
}

/** kWh per 5-minute cell, from the readings the statistics keep. */
function cells(meter: GeneratedMeter): Map<number, number> {
  const kept: GeneratedMeter['readings'] = [];
  for (const r of meter.readings) if (kept.length === 0 || r.time > kept[kept.length - 1].time) kept.push(r);
  const out = new Map<number, number>();
  const add = (cell: number, kwh: number) => out.set(cell, (out.get(cell) ?? 0) + kwh);
  const cellOf = (t: number) => t - (t % FIVE_MINUTES);
  if (meter.spec.kind === 'power') {
    for (let i = 0; i + 1 < kept.length; i++) {
      const a = kept[i];
      const b = kept[i + 1];
      if (b.time - a.time > MAX_GAP) continue;
      const power = (t: number) => a.value + ((b.value - a.value) * (t - a.time)) / (b.time - a.time);
      for (let start = a.time; start < b.time; ) {
        const end = Math.min(b.time, cellOf(start) + FIVE_MINUTES);
        add(cellOf(start), (((power(start) + power(end)) / 2) * (end - start)) / (1000 * ONE_HOUR));
        start = end;
      }
    }
  } else {
    const scale = meter.spec.unit === 'Wh' ? 0.001 : 1;
    let reference = kept[0].value;
    for (const { time, value } of kept.slice(1)) {
      if (value >= reference) add(cellOf(time), (value - reference) * scale);
      else if (value < 0.9 * reference) add(cellOf(time), value * scale);
      if (value >= reference || value < 0.9 * reference) reference = value;
    }
  }
  return out;
}

function bruteForceDays(meters: GeneratedMeter[], from: number, to: number): Map<string, EnergyFlowsDto> {
  const perMeter = meters.map((meter) => ({ meter, cells: cells(meter) }));
  const days = new Map<string, EnergyFlowsDto>();
  const amount = () => ({ kwh: 0, cost: null as number | null });
  const add = (into: { kwh: number; cost: number | null }, kwh: number, price: number | null) => {
    into.kwh += kwh;
    if (price !== null) into.cost = (into.cost ?? 0) + kwh * price;
  };
  for (let cell = from; cell < to; cell += FIVE_MINUTES) {
    const day = localDate(cell);
    if (!days.has(day)) days.set(day, { house: amount(), gridImport: amount(), gridExport: amount(), solar: amount(), untracked: amount(), devices: {} });
    const flows = days.get(day)!;
    const { price, exportPrice } = priceAt(cell);
    let house = 0;
    let devices = 0;
    for (const { meter, cells: kwhs } of perMeter) {
      const kwh = kwhs.get(cell) ?? 0;
      if (meter.role === 'device') {
        add((flows.devices[meter.entityId] ??= amount()), kwh, price);
        devices += kwh;
      } else if (meter.role === 'grid_import') {
        add(flows.gridImport, kwh, price);
        house += kwh;
      } else if (meter.role === 'grid_export') {
        add(flows.gridExport, kwh, exportPrice);
        house -= kwh;
      } else {
        add(flows.solar, kwh, null);
        house += kwh;
      }
    }
    add(flows.house, house, price);
    add(flows.untracked, house - devices, price);
  }
  return days;
}

function expectFlows(actual: EnergyFlowsDto, expected: EnergyFlowsDto, label: string): void {
  const pairs: Array<[string, { kwh: number; cost: number | null }, { kwh: number; cost: number | null }]> = [
    ...(['house', 'gridImport', 'gridExport', 'solar', 'untracked'] as const).map((k) => [k, actual[k], expected[k]] as [string, typeof actual.house, typeof actual.house]),
    ...Object.keys(expected.devices).map((id) => [id, actual.devices[id], expected.devices[id]] as [string, typeof actual.house, typeof actual.house]),
  ];
  for (const [name, got, want] of pairs) {
    expect(got.kwh, `${label} ${name} kWh`).toBeCloseTo(want.kwh, 6);
    if (want.cost === null) expect(got.cost, `${label} ${name} cost`).toBeNull();
    else expect(got.cost, `${label} ${name} cost`).toBeCloseTo(want.cost, 6);
  }
}

describe('energy and cost against a brute-force computation', () => {
  const random = new Random(7);
  const meters = [
    generate(random.fork('import'), 'sensor.mains_energy', 'grid_import', 'counter', 'kWh'),
    generate(random.fork('export'), 'sensor.export_energy', 'grid_export', 'counter', 'kWh'),
    generate(random.fork('solar'), 'sensor.solar_power', 'solar', 'power', 'W'),
    generate(random.fork('fridge'), 'sensor.fridge_power', 'device', 'power', 'W'),
    generate(random.fork('washer'), 'sensor.washer_energy', 'device', 'counter', 'Wh'),
  ];
  const store = record(meters, random.fork('recording'));
  const energyMeters: EnergyMeter[] = meters.map(({ entityId, role }) => {
    const series = store.loadSeries().find((s) => s.key === entityId)!;
    return { entityId, role, series };
  });
  const schedule = new PriceSchedule(TARIFFS, ZONE);
  const from = Date.UTC(2026, 1, 27, 23); // midnight of 28 February in Amsterdam
  const to = Date.UTC(2026, 3, 3, 22); // midnight of 4 April
  const expected = bruteForceDays(meters, from, to);

  it('per day, over a daylight-saving change, a tariff change, windows across midnight, resets, gaps, duplicates and crashes', () => {
    const { buckets, total } = energyReport(store, energyMeters, schedule, 'day', from, to, ZONE);
    expect(buckets.map((b) => localDate(Date.parse(b.start)))).toEqual([...expected.keys()]);
    const spring = buckets.find((b) => localDate(Date.parse(b.start)) === '2026-03-29')!;
    expect(Date.parse(spring.end) - Date.parse(spring.start)).toBe(23 * ONE_HOUR);
    for (const bucket of buckets) expectFlows(bucket, expected.get(localDate(Date.parse(bucket.start)))!, localDate(Date.parse(bucket.start)));
    const sum = (pick: (f: EnergyFlowsDto) => number) => [...expected.values()].reduce((s, f) => s + pick(f), 0);
    expect(total.house.kwh).toBeCloseTo(sum((f) => f.house.kwh), 6);
    expect(total.untracked.cost).toBeCloseTo(sum((f) => f.untracked.cost ?? 0), 6);
    // Before the first tariff nothing has a price.
    expect(buckets[0].house.cost).toBeNull();
    expect(buckets[1].house.cost).not.toBeNull();
  });

  it('per hour on the day the clocks go forward: 23 hours, adding up to the day', () => {
    const dayStart = Date.UTC(2026, 2, 28, 23);
    const { buckets, total } = energyReport(store, energyMeters, schedule, 'hour', dayStart, dayStart + 23 * ONE_HOUR, ZONE);
    expect(buckets).toHaveLength(23);
    expectFlows(total, expected.get('2026-03-29')!, 'hours of 29 March');
  });

  it('per week and per month, cut to the range asked for', () => {
    const weeks = energyReport(store, energyMeters, schedule, 'week', from, to, ZONE);
    expect(new Date(weeks.buckets[1].start).getUTCDay()).toBe(0); // Monday 00:00 in Amsterdam is Sunday 23:00 UTC
    expect(weeks.buckets[0].start).toBe(new Date(from).toISOString());
    const months = energyReport(store, energyMeters, schedule, 'month', from, to, ZONE);
    expect(months.buckets.map((b) => b.start)).toEqual([new Date(from).toISOString(), '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    for (const report of [weeks, months]) expectFlows(report.total, energyReport(store, energyMeters, schedule, 'day', from, to, ZONE).total, 'totals');
  });
});

describe('energy insights', () => {
  /** Meters reading steady power from `from` for `hours`, every 10 seconds. */
  function steady(watts: Record<string, { role: MeterRole; power: (t: number) => number }>, from: number, hours: number) {
    const store = new MemoryStatisticsStore();
    const recorder = new StatisticsRecorder(store, OPTIONS);
    for (let t = from; t <= from + hours * ONE_HOUR; t += 10_000) for (const [id, meter] of Object.entries(watts)) recorder.record({ key: id, kind: 'power', unit: 'W' }, t, meter.power(t));
    recorder.flush();
    const meters = Object.entries(watts).map(([entityId, { role }]) => ({ entityId, role, series: store.loadSeries().find((s) => s.key === entityId)! }));
    return { store, meters };
  }
  const from = Date.UTC(2026, 5, 1, 0);
  const nightly = (t: number) => new Date(t).getUTCHours() < 3 || new Date(t).getUTCHours() > 20;

  it('finds the always-on power in the quietest half hour of recent nights, and each device’s part of it', () => {
    const { store, meters } = steady(
      {
        'sensor.mains': { role: 'grid_import', power: (t) => (nightly(t) ? 150 : 900) },
        'sensor.fridge': { role: 'device', power: () => 80 },
        'sensor.tv': { role: 'device', power: (t) => (nightly(t) ? 5 : 300) },
      },
      from,
      24 * 8,
    );
    const result = alwaysOn(store, meters, from + 24 * 8 * ONE_HOUR, 'UTC');
    expect(result!.watts).toBeCloseTo(150, 6);
    expect(result!.devices).toEqual([
      { entityId: 'sensor.fridge', watts: expect.closeTo(80, 6) },
      { entityId: 'sensor.tv', watts: expect.closeTo(5, 6) },
    ]);
    expect(alwaysOn(new MemoryStatisticsStore(), [], from, 'UTC')).toBeNull();
  });

  it('gives house power per 5 minutes from the roles, and null where nothing reported', () => {
    const { store, meters } = steady(
      {
        'sensor.mains': { role: 'grid_import', power: () => 1000 },
        'sensor.solar': { role: 'solar', power: () => 400 },
        'sensor.fridge': { role: 'device', power: () => 80 },
      },
      from,
      1,
    );
    const points = housePower(store, meters, from, from + 2 * ONE_HOUR);
    expect(points).toHaveLength(24);
    expect(points[3].watts).toBeCloseTo(1400, 6);
    expect(points[20].watts).toBeNull();
  });

  it('compares a device’s month so far with the same days of the month before and of last year', () => {
    const store = new MemoryStatisticsStore();
    const recorder = new StatisticsRecorder(store, OPTIONS);
    const spec = { key: 'sensor.heater_energy', kind: 'counter' as const, unit: 'kWh' };
    // One kWh a day, and two a day from March on.
    let reading = 0;
    for (let t = Date.UTC(2026, 1, 1); t <= Date.UTC(2026, 2, 10, 12); t += ONE_HOUR) recorder.record(spec, t, (reading += t >= Date.UTC(2026, 2, 1) ? 2 / 24 : 1 / 24));
    recorder.flush();
    const meters = [{ entityId: 'sensor.heater_energy', role: 'device' as const, series: store.loadSeries()[0] }];
    const [march] = monthComparison(store, meters, Date.UTC(2026, 2, 10, 12), 'UTC');
    expect(march).toMatchObject({ entityId: 'sensor.heater_energy', month: '2026-03', lastYearKwh: null });
    expect(march.kwh).toBeCloseTo(9.5 * 2, 1);
    expect(march.previousMonthKwh).toBeCloseTo(9.5, 1);
  });
});
