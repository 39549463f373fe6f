import { Inject, Injectable } from '@nestjs/common';
import type { Reading, Resolution, SavedSeries, SeriesKind, SeriesSpec, SeriesStatistics, StatisticRow, StatisticsReader, StatisticsStore } from '@hearth/statistics';
import type { Database, Statement } from 'better-sqlite3';
import { DatabaseWrites } from '../database/database-writes.js';
import { SQLITE } from '../database/database.tokens.js';

const TABLES: Record<Resolution, string> = { '5m': 'statistic_5m', hour: 'statistic_hour' };

/**
 * Readings and statistics in SQLite (tables `statistic_series`, `reading`, `statistic_5m`, `statistic_hour`).
 * Every write joins the turn's group commit, so a flush's statistics commit in the same transaction as the
 * readings they include. Series ids are handed out here (this process is the only writer), so a new series
 * needs no synchronous insert on the message path.
 */
@Injectable()
export class StatisticsRepository implements StatisticsStore, StatisticsReader {
  private nextId: number;
  private readonly statements: Record<
    'insertSeries' | 'updateSeries' | 'savePosition' | 'insertReading' | 'readingsAfter' | 'readingsIn' | 'readingBefore' | 'countReadings' | 'sumAt' | 'sumsAt',
    Statement
  >;
  private readonly upsertRow: Record<Resolution, Statement>;
  private readonly rowsIn: Record<Resolution, Statement>;

  constructor(
    @Inject(SQLITE) private readonly db: Database,
    private readonly writes: DatabaseWrites,
  ) {
    this.nextId = ((db.prepare('SELECT max(id) AS id FROM statistic_series').get() as { id: number | null }).id ?? 0) + 1;
    this.statements = {
      insertSeries: db.prepare('INSERT INTO statistic_series (id, key, kind, unit, position, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      updateSeries: db.prepare('UPDATE statistic_series SET kind = ?, unit = ? WHERE id = ?'),
      savePosition: db.prepare('UPDATE statistic_series SET position = ? WHERE id = ?'),
      insertReading: db.prepare('INSERT OR REPLACE INTO reading (series, time, value) VALUES (?, ?, ?)'),
      readingsAfter: db.prepare('SELECT time, value FROM reading WHERE series = ? AND time > ? ORDER BY time'),
      readingsIn: db.prepare('SELECT time, value FROM reading WHERE series = ? AND time >= ? AND time < ? ORDER BY time LIMIT ?'),
      readingBefore: db.prepare('SELECT time, value FROM reading WHERE series = ? AND time < ? ORDER BY time DESC LIMIT 1'),
      countReadings: db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM reading WHERE series = ? AND time >= ? AND time < ? LIMIT ?)'),
      sumAt: db.prepare('SELECT sum FROM statistic_5m WHERE series = ? AND start < ? ORDER BY start DESC LIMIT 1'),
      // One statement for many times: a statement of its own each costs far more than its index seek.
      sumsAt: db.prepare('SELECT (SELECT sum FROM statistic_5m WHERE series = ? AND start < t.value ORDER BY start DESC LIMIT 1) FROM json_each(?) AS t ORDER BY t.key').pluck(),
    };
    const each = (sql: (table: string) => string) => ({ '5m': db.prepare(sql(TABLES['5m'])), hour: db.prepare(sql(TABLES.hour)) });
    this.upsertRow = each((table) => `INSERT OR REPLACE INTO ${table} (series, start, mean, min, max, state, sum) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.rowsIn = each((table) => `SELECT start, mean, min, max, state, sum FROM ${table} WHERE series = ? AND start >= ? AND start < ? ORDER BY start LIMIT ?`);
  }

  loadSeries(): SavedSeries[] {
    const rows = this.db.prepare('SELECT id, key, kind, unit, position FROM statistic_series').all() as Array<{ id: number; key: string; kind: SeriesKind; unit: string | null; position: string }>;
    return rows.map((row) => ({ ...row, position: JSON.parse(row.position) as SavedSeries['position'] }));
  }

  addSeries({ key, kind, unit }: SeriesSpec): number {
    const id = this.nextId++;
    this.writes.write(this.statements.insertSeries, id, key, kind, unit, JSON.stringify({ last: null, sum: 0, open: { '5m': null, hour: null } }), Date.now());
    return id;
  }

  changeSeries(id: number, { kind, unit }: SeriesSpec): void {
    this.writes.write(this.statements.updateSeries, kind, unit, id);
  }

  appendReading(series: number, { time, value }: Reading): void {
    this.writes.write(this.statements.insertReading, series, time, value);
  }

  readingsAfter(series: number, time: number): Iterable<Reading> {
    // A bound of -Infinity is not an integer SQLite can take.
    return this.statements.readingsAfter.iterate(series, Math.max(time, Number.MIN_SAFE_INTEGER)) as Iterable<Reading>;
  }

  saveStatistics(batch: SeriesStatistics[]): void {
    for (const { series, position, rows } of batch) {
      for (const resolution of ['5m', 'hour'] as const)
        for (const { start, mean, min, max, state, sum } of rows[resolution]) this.writes.write(this.upsertRow[resolution], series, start, mean, min, max, state, sum);
      this.writes.write(this.statements.savePosition, JSON.stringify(position), series);
    }
  }

  rows(series: number, resolution: Resolution, from: number, to: number, limit: number): StatisticRow[] {
    return this.rowsIn[resolution].all(series, from, to, Math.min(limit, Number.MAX_SAFE_INTEGER)) as StatisticRow[];
  }

  sumAt(series: number, time: number): number | null {
    return (this.statements.sumAt.get(series, time) as { sum: number | null } | undefined)?.sum ?? null;
  }

  sumsAt(series: number, times: number[]): Array<number | null> {
    return this.statements.sumsAt.all(series, JSON.stringify(times)) as Array<number | null>;
  }

  readings(series: number, from: number, to: number, limit: number): Reading[] {
    return this.statements.readingsIn.all(series, from, to, limit) as Reading[];
  }

  readingBefore(series: number, time: number): Reading | undefined {
    return this.statements.readingBefore.get(series, time) as Reading | undefined;
  }

  countReadings(series: number, from: number, to: number, limit: number): number {
    return (this.statements.countReadings.get(series, from, to, limit) as { n: number }).n;
  }
}
