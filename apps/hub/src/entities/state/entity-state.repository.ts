import { Inject, Injectable } from '@nestjs/common';
import type { Device, DeviceInfo, Entity, EntityDefinition, EntityState, EntityStore, SavedEntities, StateValue } from '@hearth/entities';
import type { Database, Statement } from 'better-sqlite3';
import { DatabaseWrites } from '../../database/database-writes.js';
import { SQLITE } from '../../database/database.tokens.js';

const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/**
 * The entity pipeline's durable copy: devices, entities and their current states (tables `device`,
 * `entity`, `entity_state`). Read once at start; written in the turn's group commit.
 */
@Injectable()
export class EntityStateRepository implements EntityStore {
  private readonly sql: Record<string, Statement>;

  constructor(
    @Inject(SQLITE) db: Database,
    private readonly writes: DatabaseWrites,
  ) {
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
    };
  }

  load(): SavedEntities {
    return { devices: this.devices(), entities: this.entities(), states: this.states() };
  }

  saveDevice(device: DeviceInfo, now: number): void {
    const { id, name, manufacturer, model, area, transport } = device;
    this.writes.write(this.sql.putDevice, id, name, manufacturer ?? null, model ?? null, area ?? null, transport, 0, null, now);
  }

  touchDevice(id: string, available: boolean, lastSeen: number): void {
    this.writes.write(this.sql.touchDevice, Number(available), lastSeen, id);
  }

  saveEntity(entity: Entity, now: number): void {
    const { id, definition, name, area } = entity;
    this.writes.write(this.sql.putEntity, id, definition.uniqueId, definition.kind, name, definition.device?.id ?? null, area, definition.source, JSON.stringify(definition), now);
  }

  deleteEntity(id: string): void {
    this.writes.write(this.sql.deleteEntity, id);
  }

  saveState(id: string, value: EntityState): void {
    this.writes.write(this.sql.putState, id, JSON.stringify(value.state), JSON.stringify(value.attributes), Number(value.available), value.lastChanged, value.lastUpdated);
  }

  private devices(): Device[] {
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

  private entities(): Entity[] {
    return (this.sql.entities.all() as Array<Record<string, string | null>>).map((row) => ({
      id: row.id as string,
      definition: json(row.definition) as EntityDefinition,
      name: row.name as string,
      area: row.area,
    }));
  }

  private states(): Map<string, EntityState> {
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
}
