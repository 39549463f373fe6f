import { Inject, Injectable } from '@nestjs/common';
import type { HistoryPoint, HistoryStore, StateValue } from '@hearth/entities';
import type { Database, Statement } from 'better-sqlite3';
import { DatabaseWrites } from '../../database/database-writes.js';
import { SQLITE } from '../../database/database.tokens.js';

interface Row {
  time: number;
  state: string | null;
  attributes: string | null;
  available: number | null;
}

const point = (row: Row): HistoryPoint => ({
  time: row.time,
  state: (row.state === null ? null : JSON.parse(row.state)) as StateValue,
  attributes: (row.attributes === null ? {} : JSON.parse(row.attributes)) as Record<string, unknown>,
  // Rows from before availability was recorded were all of available states.
  available: row.available !== 0,
});

/** Recorded changes (table `state_history`), appended in the turn's group commit and read by time. */
@Injectable()
export class HistoryRepository implements HistoryStore {
  private readonly insert: Statement;
  private readonly range: Statement;
  private readonly last: Statement;
  private readonly all: Statement;
  private readonly remove: Statement;

  constructor(
    @Inject(SQLITE) db: Database,
    private readonly writes: DatabaseWrites,
  ) {
    this.insert = db.prepare('INSERT INTO state_history (entity_id, time, state, attributes, available) VALUES (?, ?, ?, ?, ?)');
    this.range = db.prepare('SELECT time, state, attributes, available FROM state_history WHERE entity_id = ? AND time >= ? AND time < ? ORDER BY time, id LIMIT ?');
    this.last = db.prepare('SELECT time, state, attributes, available FROM state_history WHERE entity_id = ? AND time < ? ORDER BY time DESC, id DESC LIMIT 1');
    this.all = db.prepare('SELECT time, state, attributes, available FROM state_history WHERE entity_id = ? ORDER BY time, id');
    this.remove = db.prepare('DELETE FROM state_history WHERE entity_id = ?');
  }

  append(entityId: string, { time, state, attributes, available }: HistoryPoint): void {
    this.writes.write(this.insert, entityId, time, JSON.stringify(state), JSON.stringify(attributes), available ? 1 : 0);
  }

  read(entityId: string, from: number, to: number, limit: number): HistoryPoint[] {
    return (this.range.all(entityId, from, to, limit) as Row[]).map(point);
  }

  before(entityId: string, time: number): HistoryPoint | undefined {
    const row = this.last.get(entityId, time) as Row | undefined;
    return row && point(row);
  }

  /** Every change of an entity, oldest first, one at a time (for the one-time statistics backfill). */
  *everyChange(entityId: string): Generator<HistoryPoint> {
    for (const row of this.all.iterate(entityId) as Iterable<Row>) yield point(row);
  }

  /** Drops an entity's changes (once they have become readings). */
  forget(entityId: string): void {
    this.writes.write(this.remove, entityId);
  }
}
