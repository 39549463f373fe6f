import { addDays, atLocal, HOUR, localTime, MINUTE, type LocalDate } from '@hearth/local-time';
import { kwhPerSumUnit, type StatisticsReader, type StoredSeries } from './history.js';
import { periodsOf, periodStart, type Period, type Span } from './periods.js';
import { FIVE_MINUTES } from './series.js';
import type { PriceSchedule, PriceSegment } from './tariffs.js';
import type { EnergyAmountDto, EnergyBucketDto, EnergyFlowsDto, EnergyInsightsDto, MeterRole } from './view.js';

/** A meter and the series its kWh come from (its energy counter, or its power integrated). */
export interface EnergyMeter {
  entityId: string;
  role: MeterRole;
  series: StoredSeries;
}

/** A meter's kWh over spans, from the running sums at their ends (each looked up once). */
class MeterEnergy {
  private readonly sums = new Map<number, number>();
  private readonly scale: number;

  constructor(
    private readonly reader: StatisticsReader,
    readonly meter: EnergyMeter,
  ) {
    this.scale = kwhPerSumUnit(meter.series) ?? 0;
  }

  kwh(start: number, end: number): number {
    return (this.sumAt(end) - this.sumAt(start)) * this.scale;
  }

  /** Looks the sums at these times up at once (one read), for `kwh` over spans between them. */
  prefetch(times: number[]): void {
    const missing = [...new Set(times)].filter((time) => !this.sums.has(time));
    if (missing.length === 0) return;
    const sums = this.reader.sumsAt(this.meter.series.id, missing);
    for (let i = 0; i < missing.length; i++) this.sums.set(missing[i], sums[i] ?? 0);
  }

  private sumAt(time: number): number {
    let sum = this.sums.get(time);
    if (sum === undefined) this.sums.set(time, (sum = this.reader.sumAt(this.meter.series.id, time) ?? 0));
    return sum;
  }
}

class Amount implements EnergyAmountDto {
  kwh = 0;
  cost: number | null = null;

  /** Costs count where a price was in force (from the first tariff's date on). */
  add(kwh: number, price: number | null): void {
    this.kwh += kwh;
    if (price !== null) this.cost = (this.cost ?? 0) + kwh * price;
  }

  plus(other: EnergyAmountDto): void {
    this.kwh += other.kwh;
    if (other.cost !== null) this.cost = (this.cost ?? 0) + other.cost;
  }
}

class Flows implements EnergyFlowsDto {
  house = new Amount();
  gridImport = new Amount();
  gridExport = new Amount();
  solar = new Amount();
  untracked = new Amount();
  devices: Record<string, Amount> = {};

  device(id: string): Amount {
    return (this.devices[id] ??= new Amount());
  }
}

/**
 * kWh and cost over a stretch of time, per role. The house used grid import - grid export + solar production
 * (the sum of its devices when it has no grid meter); untracked is the house minus its devices. A device's and the
 * house's cost is their kWh at the import price in force then; the grid export's is what it earned. Nothing is
 * counted twice: a device meter is only ever a device.
 */
function flowsOver(meters: MeterEnergy[], segments: PriceSegment[], into: Flows): void {
  const hasGrid = meters.some((m) => m.meter.role === 'grid_import');
  for (const { start, end, price, exportPrice } of segments) {
    let house = 0;
    let devices = 0;
    for (const energy of meters) {
      const kwh = energy.kwh(start, end);
      const { role, entityId } = energy.meter;
      if (role === 'grid_import') into.gridImport.add(kwh, price);
      else if (role === 'grid_export') into.gridExport.add(kwh, exportPrice);
      else if (role === 'solar') into.solar.add(kwh, null);
      else {
        into.device(entityId).add(kwh, price);
        devices += kwh;
        continue;
      }
      house += role === 'grid_export' ? -kwh : kwh;
    }
    if (!hasGrid) house = devices;
    into.house.add(house, price);
    into.untracked.add(house - devices, price);
  }
}

/** Segments of `segments` (cut where prices change) within one span. */
function within(segments: PriceSegment[], { start, end }: Span): PriceSegment[] {
  const pieces: PriceSegment[] = [];
  for (const s of segments) if (s.end > start && s.start < end) pieces.push({ ...s, start: Math.max(s.start, start), end: Math.min(s.end, end) });
  return pieces;
}

const iso = (time: number): string => new Date(time).toISOString();

/** The energy report: one bucket per period touching [from, to), cut to that range, and the total. */
export function energyReport(
  reader: StatisticsReader,
  meters: EnergyMeter[],
  schedule: PriceSchedule | null,
  period: Period,
  from: number,
  to: number,
  zone: string,
): { buckets: EnergyBucketDto[]; total: EnergyFlowsDto } {
  const energies = meters.map((meter) => new MeterEnergy(reader, meter));
  const segments = schedule ? schedule.segments(from, to) : [{ start: from, end: to, price: null, exportPrice: null }];
  const total = new Flows();
  const buckets: EnergyBucketDto[] = [];
  const spans = periodsOf(from, to, period, zone).map((span) => {
    const cut = { start: Math.max(span.start, from), end: Math.min(span.end, to) };
    return { cut, pieces: within(segments, cut) };
  });
  const edges = spans.flatMap(({ pieces }) => pieces.flatMap(({ start, end }) => [start, end]));
  for (const energy of energies) energy.prefetch(edges);
  for (const { cut, pieces } of spans) {
    const flows = new Flows();
    flowsOver(energies, pieces, flows);
    for (const key of ['house', 'gridImport', 'gridExport', 'solar', 'untracked'] as const) total[key].plus(flows[key]);
    for (const [id, amount] of Object.entries(flows.devices)) total.device(id).plus(amount);
    buckets.push({ start: iso(cut.start), end: iso(cut.end), ...flows });
  }
  return { buckets, total };
}

const WINDOW = 30 * MINUTE;
const NIGHT = { from: 0, hours: 6 };

/**
 * What the house always draws: each of the last `nights` nights (00:00 to 06:00 local), its lowest half-hour
 * average; the median of those. Each device's part is its own draw in those same half hours, averaged.
 */
export function alwaysOn(reader: StatisticsReader, meters: EnergyMeter[], now: number, zone: string, nights = 7): EnergyInsightsDto['alwaysOn'] {
  const energies = meters.map((meter) => new MeterEnergy(reader, meter));
  const watts = (span: Span) => {
    const flows = new Flows();
    flowsOver(energies, [{ ...span, price: null, exportPrice: null }], flows);
    return { house: (flows.house.kwh * HOUR * 1000) / (span.end - span.start), devices: flows.devices };
  };
  const lows: Array<{ span: Span; watts: number }> = [];
  const today = localTime(now, zone);
  for (let n = 0; n < nights; n++) {
    const nightStart = atLocal(addDays(today, -n), NIGHT.from * 60, zone);
    let low: { span: Span; watts: number } | undefined;
    for (let start = nightStart; start + WINDOW <= nightStart + NIGHT.hours * HOUR && start + WINDOW <= now; start += WINDOW) {
      const span = { start, end: start + WINDOW };
      const reading = watts(span);
      // A half hour without any use at all is a gap in the data, not a house drawing nothing.
      if (reading.house > 0 && (!low || reading.house < low.watts)) low = { span, watts: reading.house };
    }
    if (low) lows.push(low);
  }
  if (lows.length === 0) return null;
  lows.sort((a, b) => a.watts - b.watts);
  const median = lows[Math.floor((lows.length - 1) / 2)];
  const devices = new Map<string, number>();
  for (const { span } of lows)
    for (const [id, amount] of Object.entries(watts(span).devices)) devices.set(id, (devices.get(id) ?? 0) + (amount.kwh * HOUR * 1000) / WINDOW / lows.length);
  return {
    watts: median.watts,
    devices: [...devices].map(([entityId, w]) => ({ entityId, watts: w })).sort((a, b) => b.watts - a.watts),
  };
}

/** The same wall-clock instant `months` months earlier (the month's last day when it is shorter). */
function monthsBefore(time: number, months: number, zone: string): number {
  const t = localTime(time, zone);
  const index = t.year * 12 + (t.month - 1) - months;
  const date: LocalDate = { year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 };
  const length = new Date(Date.UTC(date.year, date.month, 0)).getUTCDate();
  return atLocal({ ...date, day: Math.min(t.day, length) }, t.hour * 60 + t.minute, zone);
}

/** Each device's month so far, against the same stretch of the month before and of the same month a year before. */
export function monthComparison(reader: StatisticsReader, meters: EnergyMeter[], now: number, zone: string): EnergyInsightsDto['months'] {
  const start = periodStart(now, 'month', zone);
  const { year, month } = localTime(start + 12 * HOUR, zone);
  const label = `${year}-${String(month).padStart(2, '0')}`;
  const before = (months: number) => ({ start: monthsBefore(start, months, zone), end: monthsBefore(now, months, zone) });
  return meters
    .filter((meter) => meter.role === 'device')
    .map((meter) => {
      const energy = new MeterEnergy(reader, meter);
      const earlier = (span: Span) => (reader.sumAt(meter.series.id, span.end) === null ? null : energy.kwh(span.start, span.end));
      return { entityId: meter.entityId, month: label, kwh: energy.kwh(start, now), previousMonthKwh: earlier(before(1)), lastYearKwh: earlier(before(12)) };
    });
}

/** The house's power over [from, to): per 5-minute bucket, its energy as an average in watts; null where no meter reported. */
export function housePower(reader: StatisticsReader, meters: EnergyMeter[], from: number, to: number): Array<{ start: number; watts: number | null }> {
  const first = from - (from % FIVE_MINUTES);
  const reported = new Set<number>();
  for (const { series } of meters) for (const row of reader.rows(series.id, '5m', first, to, Number.MAX_SAFE_INTEGER)) reported.add(row.start);
  const energies = meters.map((meter) => new MeterEnergy(reader, meter));
  const edges: number[] = [];
  for (let start = first; start < to; start += FIVE_MINUTES) if (reported.has(start)) edges.push(start, start + FIVE_MINUTES);
  for (const energy of energies) energy.prefetch(edges);
  const points: Array<{ start: number; watts: number | null }> = [];
  for (let start = first; start < to; start += FIVE_MINUTES) {
    if (!reported.has(start)) {
      points.push({ start, watts: null });
      continue;
    }
    const flows = new Flows();
    flowsOver(energies, [{ start, end: start + FIVE_MINUTES, price: null, exportPrice: null }], flows);
    points.push({ start, watts: (flows.house.kwh * HOUR * 1000) / FIVE_MINUTES });
  }
  return points;
}
