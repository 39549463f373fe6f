import { Inject, Injectable } from '@nestjs/common';
import type { HistoryPoint, HistoryStore, StateValue } from '@hearth/entities';
import type { Database, Statement } from 'better-sqlite3';
import { DatabaseWrites } from '../../database/database-writes.js';
import { SQLITE } from '../../database/database.tokens.js';

/** Recorded states (table `state_history`), appended in the turn's group commit and read by time. */
@Injectable()
export class HistoryRepository implements HistoryStore {
  private readonly insert: Statement;
  private readonly range: Statement;

  constructor(
    @Inject(SQLITE) db: Database,
    private readonly writes: DatabaseWrites,
  ) {
    this.insert = db.prepare('INSERT INTO state_history (entity_id, time, state, attributes) VALUES (?, ?, ?, ?)');
    this.range = db.prepare('SELECT time, state, attributes FROM state_history WHERE entity_id = ? AND time >= ? AND time <= ? ORDER BY time, id LIMIT ?');
  }

  append(entityId: string, { time, state, attributes }: HistoryPoint): void {
    this.writes.write(this.insert, entityId, time, JSON.stringify(state), JSON.stringify(attributes));
  }

  read(entityId: string, from: number, to: number, limit: number): HistoryPoint[] {
    return (this.range.all(entityId, from, to, limit) as Array<{ time: number; state: string | null; attributes: string | null }>).map((row) => ({
      time: row.time,
      state: (row.state === null ? null : JSON.parse(row.state)) as StateValue,
      attributes: (row.attributes === null ? {} : JSON.parse(row.attributes)) as Record<string, unknown>,
    }));
  }
}
