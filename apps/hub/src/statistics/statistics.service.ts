import { Inject, Injectable } from '@nestjs/common';
import type { StatisticsPort } from '@hearth/entities';
import { StatisticsRecorder, type Reading, type Resolution, type SeriesSpec, type StatisticRow, type StoredSeries } from '@hearth/statistics';
import type { Database, Statement } from 'better-sqlite3';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { DatabaseWrites } from '../database/database-writes.js';
import { SQLITE } from '../database/database.tokens.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { StatisticsRepository } from './statistics.repository.js';

/** Statistics reach the database this often; a crash loses none of them (they are replayed from the readings). */
const FLUSH_INTERVAL = 5_000;
const PURGE_INTERVAL = 60 * 60_000;
/** Rows deleted per statement and per turn: a purge never holds the event loop for long. */
const PURGE_BATCH = 2_000;
const DAY = 24 * 60 * 60_000;
/** How long a measurement's reading counts for its bucket's mean at most (sensors that report only on change). */
const MEASUREMENT_HOLD = 6 * 60 * 60_000;

/**
 * The hub's statistics recorder (@hearth/statistics) on SQLite: the entity pipeline's statistics port. It
 * catches up after a crash at start, flushes statistics every few seconds, and purges readings and state
 * changes older than the retention window in small batches, off the message path. A read flushes the statistics
 * of its series and commits first, so what it returns includes the reading that arrived a moment ago.
 */
@Injectable()
export class StatisticsService implements StatisticsPort {
  private readonly recorder: StatisticsRecorder;
  private readonly log: Logger;
  private timers: NodeJS.Timeout[] = [];
  private readonly oldestReading: Statement;
  private readonly purgeReadings: Statement;
  private readonly oldestChange: Statement;
  private readonly purgeChanges: Statement;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
    private readonly store: StatisticsRepository,
    private readonly writes: DatabaseWrites,
  ) {
    this.log = root.child({ module: 'statistics' });
    this.recorder = new StatisticsRecorder(store, { energyMaxGapMs: config.history.energyMaxGap, measurementHoldMs: MEASUREMENT_HOLD });
    this.oldestReading = db.prepare('SELECT series, time FROM reading WHERE series = ? ORDER BY time LIMIT 1 OFFSET ?');
    this.purgeReadings = db.prepare('DELETE FROM reading WHERE series = ? AND time < ?');
    this.oldestChange = db.prepare('SELECT time FROM state_history ORDER BY id LIMIT 1');
    this.purgeChanges = db.prepare('DELETE FROM state_history WHERE id IN (SELECT id FROM state_history WHERE time < ? ORDER BY id LIMIT ?)');
  }

  /** Before the first message: the series as stored, caught up with readings stored after their last flush. */
  start(): void {
    const started = Date.now();
    this.recorder.load();
    const caughtUp = this.recorder.flush();
    this.writes.commitNow();
    this.log.info({ caughtUp, ms: Date.now() - started }, 'statistics loaded');
    this.timers = [setInterval(() => this.recorder.flush(), FLUSH_INTERVAL), setInterval(() => void this.purge(), PURGE_INTERVAL)];
    for (const timer of this.timers) timer.unref();
    setImmediate(() => void this.purge());
  }

  /** The last statistics are queued before the database's last batch commits. */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.recorder.flush();
  }

  record(spec: SeriesSpec, time: number, value: number): void {
    this.recorder.record(spec, time, value);
  }

  /** How many series have had readings. */
  get size(): number {
    return this.recorder.size;
  }

  series(key: string): StoredSeries | undefined {
    return this.recorder.stored(key);
  }

  rows(series: number, resolution: Resolution, from: number, to: number, limit: number): StatisticRow[] {
    this.commit(series);
    return this.store.rows(series, resolution, from, to, limit);
  }

  sumAt(series: number, time: number): number | null {
    this.commit(series);
    return this.store.sumAt(series, time);
  }

  sumsAt(series: number, times: number[]): Array<number | null> {
    this.commit(series);
    return this.store.sumsAt(series, times);
  }

  readings(series: number, from: number, to: number, limit: number): Reading[] {
    this.commit(series);
    return this.store.readings(series, from, to, limit);
  }

  readingBefore(series: number, time: number): Reading | undefined {
    this.commit(series);
    return this.store.readingBefore(series, time);
  }

  countReadings(series: number, from: number, to: number, limit: number): number {
    this.commit(series);
    return this.store.countReadings(series, from, to, limit);
  }

  /** Deletes readings and state changes older than the retention window, a batch per turn. */
  async purge(now = Date.now()): Promise<{ readings: number; changes: number }> {
    const before = now - this.config.history.retentionDays * DAY;
    let readings = 0;
    let changes = 0;
    // Between batches the loop yields, and waits out a transaction TypeORM has open (our deletes would join it).
    const turn = async () => {
      do await new Promise((resolve) => setImmediate(resolve));
      while (this.db.inTransaction);
    };
    for (const { id } of this.store.loadSeries()) {
      for (;;) {
        // The batch's last row, or the cut-off when fewer rows are older.
        const edge = this.oldestReading.get(id, PURGE_BATCH - 1) as { time: number } | undefined;
        const deleted = this.purgeReadings.run(id, Math.min(before, (edge?.time ?? before) + 1)).changes;
        readings += deleted;
        if (deleted < PURGE_BATCH) break;
        await turn();
      }
    }
    while (((this.oldestChange.get() as { time: number } | undefined)?.time ?? before) < before) {
      const deleted = this.purgeChanges.run(before, PURGE_BATCH).changes;
      changes += deleted;
      if (deleted === 0) break;
      await turn();
    }
    if (readings + changes > 0) this.log.info({ readings, changes, before: new Date(before).toISOString() }, 'purged history older than the retention window');
    return { readings, changes };
  }

  /** Whether history recorded before statistics existed still waits for its statistics (set by the migration). */
  backfillDue(): boolean {
    return this.db.prepare(`SELECT 1 FROM setting WHERE key = 'statisticsBackfill'`).get() !== undefined;
  }

  backfillDone(): void {
    this.commit();
    this.db.prepare(`DELETE FROM setting WHERE key = 'statisticsBackfill'`).run();
  }

  /** Statistics and readings the recorder holds (only `series`' statistics, given one), committed now (so that a read sees them). */
  commit(series?: number): void {
    this.recorder.flush(series);
    this.writes.commitNow();
  }
}
