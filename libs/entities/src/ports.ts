import type { Buffer } from 'node:buffer';
import type { SeriesSpec, StatisticsReader, StoredSeries } from '@hearth/statistics';
import type { DeviceInfo } from './mapping/definition.js';
import type { Entity } from './mapping/registry.js';
import type { Device, EntityState } from './state/entity-states.js';
import type { EntityDto, StateValue } from './view.js';

/** An MQTT message as the pipeline takes it in. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  /** When it was published: now, unless it is a replay of the past (a demo's month of history). */
  time?: number;
}

/**
 * The durable copy of what the pipeline knows: definitions, devices and current states. Writes are
 * fire-and-forget on the message path (the hub group-commits them); the pipeline reads the copy once,
 * at start (EntityPipeline.load).
 */
export interface EntityStore {
  saveDevice(device: DeviceInfo, now: number): void;
  touchDevice(id: string, available: boolean, lastSeen: number): void;
  saveEntity(entity: Entity, now: number): void;
  deleteEntity(id: string): void;
  saveState(id: string, state: EntityState): void;
}

/** One recorded change of an entity whose state is not a number. */
export interface HistoryPoint {
  time: number;
  state: StateValue;
  attributes: Record<string, unknown>;
  available: boolean;
}

/** Where the history stage keeps the changes it records, and reads them back. */
export interface HistoryStore {
  append(entityId: string, point: HistoryPoint): void;
  /** Changes in [from, to), oldest first, at most `limit`. */
  read(entityId: string, from: number, to: number, limit: number): HistoryPoint[];
  /** The last change before `time`: the state in force then. */
  before(entityId: string, time: number): HistoryPoint | undefined;
}

/** Where numeric readings go (the statistics recorder), and how they and their statistics are read back. */
export interface StatisticsPort extends StatisticsReader {
  record(spec: SeriesSpec, time: number, value: number): void;
  /** The stored series of a key, once it has had a reading. */
  series(key: string): StoredSeries | undefined;
}

/** What the pipeline announces; the hub puts these on its event bus. */
export interface EntityEvents {
  /** An entity's state, availability or definition changed; `before` is null for a new entity. */
  entityState(before: EntityDto | null, after: EntityDto): void;
  entityRemoved(id: string): void;
  /** A device's availability changed. */
  availability(deviceId: string, available: boolean): void;
}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface EntityLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface EntityPipelinePorts {
  store: EntityStore;
  history: HistoryStore;
  statistics: StatisticsPort;
  events: EntityEvents;
  /** How commands reach devices. */
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  log: EntityLog;
  now?: () => number;
}

/** What the pipeline starts from: the durable copy, as EntityStore wrote it. */
export interface SavedEntities {
  devices: Device[];
  entities: Entity[];
  states: Iterable<[string, EntityState]>;
}
