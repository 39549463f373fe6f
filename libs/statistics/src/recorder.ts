import { StatisticSeries, type Resolution, type SeriesKind, type SeriesPosition, type StatisticRow } from './series.js';

/** A numeric series: an entity's state, or one of its attributes (a meter's `energy` counter). */
export interface SeriesSpec {
  key: string;
  kind: SeriesKind;
  unit: string | null;
}

export interface SavedSeries extends SeriesSpec {
  id: number;
  position: SeriesPosition;
}

export interface Reading {
  time: number;
  value: number;
}

/** What one flush stores of a series: its buckets touched since the last one, and where it goes on from. */
export interface SeriesStatistics {
  series: number;
  position: SeriesPosition;
  rows: Record<Resolution, StatisticRow[]>;
}

/**
 * Where readings and statistics are kept. Writes are queued in the store's group commit: a flush's
 * statistics commit together with (or after) the readings they include, never before them.
 */
export interface StatisticsStore {
  loadSeries(): SavedSeries[];
  addSeries(spec: SeriesSpec): number;
  changeSeries(id: number, spec: SeriesSpec): void;
  appendReading(series: number, reading: Reading): void;
  /** Readings after `time`, oldest first (a restart catching up with what the last flush missed). */
  readingsAfter(series: number, time: number): Iterable<Reading>;
  saveStatistics(batch: SeriesStatistics[]): void;
}

export interface RecorderOptions {
  /** How long power is integrated across a silence at most (HEARTH_ENERGY_MAX_GAP). */
  energyMaxGapMs: number;
  /** How long a measurement's reading counts for its bucket's mean at most. */
  measurementHoldMs: number;
}

interface LiveSeries {
  id: number;
  spec: SeriesSpec;
  statistics: StatisticSeries;
}

/**
 * The recorder: each numeric reading is stored raw and taken into its series' statistics at once; the
 * statistics reach the store at each flush. After a crash, `load()` replays the readings stored after the
 * last flush, so the statistics always agree with the raw readings.
 */
export class StatisticsRecorder {
  private readonly series = new Map<string, LiveSeries>();
  private readonly byId = new Map<number, LiveSeries>();
  /** Series with readings since the last flush. */
  private readonly dirty = new Set<LiveSeries>();

  constructor(
    private readonly store: StatisticsStore,
    private readonly options: RecorderOptions,
  ) {}

  /** Takes up the stored series, and catches their statistics up with readings stored after the last flush. */
  load(): void {
    for (const saved of this.store.loadSeries()) {
      const live: LiveSeries = { id: saved.id, spec: { key: saved.key, kind: saved.kind, unit: saved.unit }, statistics: this.engine(saved.kind, saved.position) };
      for (const { time, value } of this.store.readingsAfter(saved.id, saved.position.last?.time ?? Number.NEGATIVE_INFINITY)) if (live.statistics.add(time, value)) this.dirty.add(live);
      this.series.set(saved.key, live);
      this.byId.set(live.id, live);
    }
  }

  /** A reading of a series; ignored (not stored) when it is not a number, or not after the series' last one. */
  record(spec: SeriesSpec, time: number, value: number): void {
    const live = this.live(spec);
    if (!live.statistics.add(time, value)) return;
    this.store.appendReading(live.id, { time, value });
    this.dirty.add(live);
  }

  /**
   * Hands the statistics touched since the last flush to the store, of every series or of the one given (a read of
   * one series needs its own, not the others'); how many series had any.
   */
  flush(series?: number): number {
    let due: Iterable<LiveSeries> = this.dirty;
    if (series !== undefined) {
      const live = this.byId.get(series);
      due = live && this.dirty.has(live) ? [live] : [];
    }
    const batch: SeriesStatistics[] = [];
    for (const live of due) batch.push({ series: live.id, rows: live.statistics.take(), position: live.statistics.position });
    if (batch.length === 0) return 0;
    if (series === undefined) this.dirty.clear();
    else this.dirty.delete(this.byId.get(series)!);
    this.store.saveStatistics(batch);
    return batch.length;
  }

  get size(): number {
    return this.series.size;
  }

  /** A series by key, once it has had a reading. */
  stored(key: string): (SeriesSpec & { id: number }) | undefined {
    const live = this.series.get(key);
    return live && { id: live.id, ...live.spec };
  }

  private live(spec: SeriesSpec): LiveSeries {
    const known = this.series.get(spec.key);
    if (known && known.spec.kind === spec.kind && known.spec.unit === spec.unit) return known;
    if (known) {
      // The entity became another kind of series (its device announced a new unit, say): its history
      // stays, its statistics go on from the running sum with the new meaning.
      this.flush();
      this.store.changeSeries(known.id, spec);
      known.spec = spec;
      known.statistics = this.engine(spec.kind, { last: null, sum: known.statistics.position.sum, open: { '5m': null, hour: null } });
      return known;
    }
    const live: LiveSeries = { id: this.store.addSeries(spec), spec, statistics: this.engine(spec.kind) };
    this.series.set(spec.key, live);
    this.byId.set(live.id, live);
    return live;
  }

  private engine(kind: SeriesKind, from?: SeriesPosition): StatisticSeries {
    return new StatisticSeries(kind, kind === 'measurement' ? this.options.measurementHoldMs : this.options.energyMaxGapMs, from);
  }
}
