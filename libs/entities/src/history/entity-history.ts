import { bucketPoints, periodPoints, RESOLUTIONS, type Reading, type StatisticPointDto, type StoredSeries } from '@hearth/statistics';
import { HistoryRefused } from '../errors.js';
import type { Entity } from '../mapping/registry.js';
import type { HistoryPoint, HistoryStore, StatisticsPort } from '../ports.js';
import type { StateUpdate } from '../state/decode.js';
import type { EntityState } from '../state/entity-states.js';
import type { EntityHistoryDto, HistoryPointDto, HistoryResolution } from '../view.js';
import { recordedSeries, type RecordedSeries } from './recorded-series.js';

/** What a response holds at most; `truncated` says when there was more. */
const MAX_POINTS = 10_000;
/** Rows read at a time for an export. */
const EXPORT_PAGE = 5_000;
/** `auto` gives about this many points or fewer. */
const AUTO_POINTS = 1_000;
const DAY = 24 * RESOLUTIONS.hour;
/** Rough widths, for `auto` only: a month is never shorter than 28 days. */
const AUTO_WIDTHS: Array<[HistoryResolution, number]> = [
  ['5m', RESOLUTIONS['5m']],
  ['hour', RESOLUTIONS.hour],
  ['day', DAY],
  ['week', 7 * DAY],
  ['month', 28 * DAY],
];

export interface HistoryQuery {
  from: number;
  to: number;
  resolution: HistoryResolution | 'auto';
  /** The house's zone, for days, weeks and months. */
  timeZone: string;
}

const iso = (time: number): string => new Date(time).toISOString();

/**
 * The history stage. Numeric entities (and a meter's energy counter) record every reading, compactly, and
 * their long-term statistics grow with each one (@hearth/statistics); other entities record every change of
 * state, availability or attributes.
 */
export class EntityHistory {
  /** Per definition object: entities are replaced, never changed in place, when their definition changes. */
  private readonly series = new WeakMap<Entity['definition'], RecordedSeries>();

  constructor(
    private readonly changes: HistoryStore,
    private readonly statistics: StatisticsPort,
  ) {}

  /** A message reached the entity: `update` is what it said, `state` what the entity is now. */
  record(entity: Entity, state: EntityState, update: StateUpdate, changed: boolean, now: number): void {
    const series = this.seriesOf(entity);
    const time = state.lastUpdated ?? now;
    if (series.state) {
      if (typeof update.state === 'number') this.statistics.record(series.state, time, update.state);
    } else if (changed) this.changes.append(entity.id, { time, state: state.state, attributes: state.attributes, available: state.available });
    for (const { name, spec } of series.attributes) {
      const value = update.attributes?.[name];
      if (typeof value === 'number') this.statistics.record(spec, time, value);
    }
  }

  /**
   * Changes recorded before statistics existed: a numeric entity's states (and energy counters) become its
   * readings. False, and nothing recorded, for an entity whose history stays changes.
   */
  backfill(entity: Entity, changes: Iterable<HistoryPoint>): boolean {
    const series = this.seriesOf(entity);
    if (!series.state && series.attributes.length === 0) return false;
    for (const { time, state, attributes } of changes) {
      if (series.state && typeof state === 'number') this.statistics.record(series.state, time, state);
      for (const { name, spec } of series.attributes) if (typeof attributes[name] === 'number') this.statistics.record(spec, time, attributes[name]);
    }
    return true;
  }

  /** A state set without a message (a command to a device that reports none). */
  change(entity: Entity, state: EntityState, now: number): void {
    if (!this.seriesOf(entity).state) this.changes.append(entity.id, { time: state.lastUpdated ?? now, state: state.state, attributes: state.attributes, available: state.available });
  }

  query(entity: Entity, { from, to, resolution, timeZone }: HistoryQuery): EntityHistoryDto {
    const spec = this.seriesOf(entity).state;
    const base = { entityId: entity.id, from: iso(from), to: iso(to), unit: entity.definition.unit ?? null, points: [], statistics: [], truncated: false };
    if (!spec) {
      if (resolution !== 'raw' && resolution !== 'auto') throw new HistoryRefused(`resolution ${resolution} needs a numeric entity; ${entity.id} has changes only: ask for raw or auto`);
      const before = this.changes.before(entity.id, from);
      const points = this.changes.read(entity.id, from, to, MAX_POINTS + 1);
      return { ...base, resolution: 'raw', points: [...(before ? [before] : []), ...points.slice(0, MAX_POINTS)].map(({ time, ...rest }) => ({ time: iso(time), ...rest })), truncated: points.length > MAX_POINTS };
    }
    const series = this.statistics.series(spec.key);
    if (!series) return { ...base, resolution: resolution === 'auto' ? 'raw' : resolution };
    const chosen = resolution === 'auto' ? this.auto(series, from, to) : resolution;
    if (chosen === 'raw') {
      const before = this.statistics.readingBefore(series.id, from);
      const readings = this.statistics.readings(series.id, from, to, MAX_POINTS + 1);
      const points: HistoryPointDto[] = [...(before ? [before] : []), ...readings.slice(0, MAX_POINTS)].map(({ time, value }) => ({ time: iso(time), state: value }));
      return { ...base, resolution: chosen, points, truncated: readings.length > MAX_POINTS };
    }
    const buckets = chosen === '5m' || chosen === 'hour' ? bucketPoints(this.statistics, series, chosen, from, to, MAX_POINTS) : periodPoints(this.statistics, series, chosen, from, to, timeZone, MAX_POINTS);
    return { ...base, resolution: chosen, statistics: buckets.points, truncated: buckets.truncated };
  }

  /**
   * Every point of the range, a page at a time, for an export of any length: readings or changes (`time`,
   * `state`), or statistics at `resolution` for a numeric entity (`start`, `end`, `mean`, `min`, `max`, `change`).
   */
  *everyPoint(entity: Entity, { from, to, resolution, timeZone }: HistoryQuery & { resolution: HistoryResolution }): Generator<HistoryPointDto | StatisticPointDto> {
    const spec = this.seriesOf(entity).state;
    const series = spec && this.statistics.series(spec.key);
    if (!spec) {
      for (let cursor = from, page: HistoryPoint[]; cursor < to; cursor = page[page.length - 1].time + 1) {
        page = this.changes.read(entity.id, cursor, to, EXPORT_PAGE);
        for (const { time, state } of page) yield { time: iso(time), state };
        if (page.length < EXPORT_PAGE) return;
      }
      return;
    }
    if (!series) return;
    if (resolution === 'raw') {
      for (let cursor = from, page: Reading[]; cursor < to; cursor = page[page.length - 1].time + 1) {
        page = this.statistics.readings(series.id, cursor, to, EXPORT_PAGE);
        for (const { time, value } of page) yield { time: iso(time), state: value };
        if (page.length < EXPORT_PAGE) return;
      }
      return;
    }
    if (resolution !== '5m' && resolution !== 'hour') {
      yield* periodPoints(this.statistics, series, resolution, from, to, timeZone, Number.MAX_SAFE_INTEGER).points;
      return;
    }
    for (let cursor = from; cursor < to; ) {
      const { points, truncated } = bucketPoints(this.statistics, series, resolution, cursor, to, EXPORT_PAGE);
      yield* points;
      if (!truncated) return;
      cursor = Date.parse(points[points.length - 1].end);
    }
  }

  /** Raw when the range holds few enough readings, else the finest resolution that gives few enough buckets. */
  private auto(series: StoredSeries, from: number, to: number): HistoryResolution {
    if (this.statistics.countReadings(series.id, from, to, AUTO_POINTS + 1) <= AUTO_POINTS) return 'raw';
    return AUTO_WIDTHS.find(([, width]) => (to - from) / width <= AUTO_POINTS)?.[0] ?? 'month';
  }

  seriesOf(entity: Entity): RecordedSeries {
    let series = this.series.get(entity.definition);
    if (!series) this.series.set(entity.definition, (series = recordedSeries(entity.id, entity.definition)));
    return series;
  }
}
