import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DeviceInfo, EntityDefinition } from '@hearth/entities';
import type { StateValue } from '@hearth/api-types';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';
import { WriteBatcher } from '../database/write-batcher.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';

export interface StoredEntity {
  id: string;
  definition: EntityDefinition;
  /** A person's choices, which win over what the device announces. */
  name: string;
  area: string | null;
}

export interface EntityState {
  state: StateValue;
  attributes: Record<string, unknown>;
  available: boolean;
  lastChanged: number | null;
  lastUpdated: number | null;
}

export interface DeviceRecord extends DeviceInfo {
  available: boolean;
  lastSeen: number | null;
}

export interface HistoryRow {
  time: number;
  state: StateValue;
  attributes: Record<string, unknown>;
}

const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/**
 * Devices, entities, states and history in SQLite. Reads happen at start and for the history API;
 * writes are group-committed (WriteBatcher) off the message path, so a burst of state updates costs
 * one transaction per event-loop turn.
 */
@Injectable()
export class DevicesRepository implements BeforeApplicationShutdown {
  private readonly batcher: WriteBatcher;
  private readonly sql: Record<string, Statement>;

  constructor(@Inject(SQLITE) db: Database, @Inject(ROOT_LOGGER) root: Logger) {
    const log = root.child({ module: 'devices-repository' });
    this.batcher = new WriteBatcher(db, (error) => log.error({ err: error }, 'could not store device state; this batch is lost'));
    this.sql = {
      devices: db.prepare('SELECT * FROM device'),
      putDevice: db.prepare(
        `INSERT INTO device (id, name, manufacturer, model, area, transport, available, last_seen, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, manufacturer = excluded.manufacturer, model = excluded.model, area = coalesce(device.area, excluded.area), transport = excluded.transport`,
      ),
      touchDevice: db.prepare('UPDATE device SET available = ?, last_seen = ? WHERE id = ?'),
      entities: db.prepare('SELECT * FROM entity'),
      putEntity: db.prepare(
        `INSERT INTO entity (id, unique_id, kind, name, device_id, area, source, definition, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, device_id = excluded.device_id, area = excluded.area, source = excluded.source, definition = excluded.definition`,
      ),
      deleteEntity: db.prepare('DELETE FROM entity WHERE id = ?'),
      states: db.prepare('SELECT * FROM entity_state'),
      putState: db.prepare(
        `INSERT INTO entity_state (entity_id, state, attributes, available, last_changed, last_updated) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity_id) DO UPDATE SET state = excluded.state, attributes = excluded.attributes, available = excluded.available, last_changed = excluded.last_changed, last_updated = excluded.last_updated`,
      ),
      appendHistory: db.prepare('INSERT INTO state_history (entity_id, time, state, attributes) VALUES (?, ?, ?, ?)'),
      history: db.prepare('SELECT time, state, attributes FROM state_history WHERE entity_id = ? AND time >= ? AND time <= ? ORDER BY time, id LIMIT ?'),
    };
  }

  loadDevices(): DeviceRecord[] {
    return (this.sql.devices.all() as Array<Record<string, string | number | null>>).map((row) => ({
      id: row.id as string,
      name: row.name as string,
      manufacturer: (row.manufacturer as string | null) ?? undefined,
      model: (row.model as string | null) ?? undefined,
      area: (row.area as string | null) ?? undefined,
      transport: row.transport as DeviceInfo['transport'],
      available: row.available === 1,
      lastSeen: row.last_seen as number | null,
    }));
  }

  loadEntities(): StoredEntity[] {
    return (this.sql.entities.all() as Array<Record<string, string | null>>).map((row) => ({
      id: row.id as string,
      definition: json(row.definition) as EntityDefinition,
      name: row.name as string,
      area: row.area,
    }));
  }

  loadStates(): Map<string, EntityState> {
    const states = new Map<string, EntityState>();
    for (const row of this.sql.states.all() as Array<Record<string, string | number | null>>) {
      states.set(row.entity_id as string, {
        state: json(row.state as string | null) as StateValue,
        attributes: json(row.attributes as string) as Record<string, unknown>,
        available: row.available === 1,
        lastChanged: row.last_changed as number | null,
        lastUpdated: row.last_updated as number | null,
      });
    }
    return states;
  }

  saveDevice(device: DeviceInfo, now: number): Promise<void> {
    const { id, name, manufacturer, model, area, transport } = device;
    return this.batcher.write(this.sql.putDevice, id, name, manufacturer ?? null, model ?? null, area ?? null, transport, 0, null, now);
  }

  touchDevice(id: string, available: boolean, lastSeen: number | null): Promise<void> {
    return this.batcher.write(this.sql.touchDevice, Number(available), lastSeen, id);
  }

  saveEntity(entity: StoredEntity, now: number): Promise<void> {
    const { id, definition, name, area } = entity;
    const deviceId = definition.device?.id ?? null;
    return this.batcher.write(this.sql.putEntity, id, definition.uniqueId, definition.kind, name, deviceId, area, definition.source, JSON.stringify(definition), now);
  }

  deleteEntity(id: string): Promise<void> {
    return this.batcher.write(this.sql.deleteEntity, id);
  }

  /** Stores the current state and, when it changed, appends it to the history. */
  saveState(id: string, value: EntityState, changed: boolean): Promise<void> {
    const state = JSON.stringify(value.state);
    const attributes = JSON.stringify(value.attributes);
    const written = this.batcher.write(this.sql.putState, id, state, attributes, Number(value.available), value.lastChanged, value.lastUpdated);
    return changed ? this.batcher.write(this.sql.appendHistory, id, value.lastUpdated, state, attributes) : written;
  }

  history(id: string, from: number, to: number, limit: number): HistoryRow[] {
    return (this.sql.history.all(id, from, to, limit) as Array<{ time: number; state: string | null; attributes: string | null }>).map((row) => ({
      time: row.time,
      state: json(row.state) as StateValue,
      attributes: (json(row.attributes) ?? {}) as Record<string, unknown>,
    }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.close();
  }
}
