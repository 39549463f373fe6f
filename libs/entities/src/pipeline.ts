import { encodeCommand, type EntityCommand } from './commands/encode.js';
import { CommandRefused, EntityNotFound } from './errors.js';
import { EntityHistory, type HistoryQuery } from './history/entity-history.js';
import type { RecordedSeries } from './history/recorded-series.js';
import { controlLimits, supportedFeatures } from './mapping/definition.js';
import { EntityMapper, type EntityMapperOptions } from './mapping/entity-mapper.js';
import { manualDefinition } from './mapping/manual.js';
import type { Entity } from './mapping/registry.js';
import type { EntityPipelinePorts, HistoryPoint, MqttMessage, SavedEntities } from './ports.js';
import { EntityStates, type EntityState } from './state/entity-states.js';
import type { StatisticPointDto } from '@hearth/statistics';
import type { DeviceDto, EntityDto, EntityHistoryDto, HistoryPointDto, HistoryResolution, ManualEntityRequest, UnmappedTopicDto } from './view.js';

/**
 * A live message's time: two for one entity in the same millisecond (one read from the socket) are both kept, a
 * millisecond apart in the order they came, rather than the second taken for a duplicate. A clock set back
 * further than a second is not smoothed over.
 */
const afterLast = (previous: EntityState | undefined, now: number): number => {
  const last = previous?.lastUpdated ?? null;
  return last !== null && now <= last && last - now < 1_000 ? last + 1 : now;
};

/** Recent times as ISO text: a change's two views and a burst's states share theirs, and toISOString is dear. */
const isoTexts = new Map<number, string>();
const iso = (time: number | null): string | null => {
  if (time === null) return null;
  let text = isoTexts.get(time);
  if (text === undefined) {
    if (isoTexts.size >= 4_096) isoTexts.clear();
    text = new Date(time).toISOString();
    isoTexts.set(time, text);
  }
  return text;
};

/**
 * Every MQTT message on its way to entities: mapping (discovery, Homie, profiles and manual mappings
 * become entities), state (the one store of entity state, decoded from the message), history (every reading
 * of a numeric entity, with its statistics; every change of the others); what changed is stored and announced
 * through the ports. Commands go the other way.
 */
export class EntityPipeline {
  private readonly mapper: EntityMapper;
  private readonly states = new EntityStates();
  private readonly history: EntityHistory;
  private readonly now: () => number;

  constructor(
    options: EntityMapperOptions,
    private readonly ports: EntityPipelinePorts,
  ) {
    this.now = ports.now ?? Date.now;
    this.history = new EntityHistory(ports.history, ports.statistics);
    this.mapper = new EntityMapper(
      options,
      {
        device: (info) => {
          if (this.states.registerDevice(info)) ports.store.saveDevice(info, this.now());
        },
        upserted: (entity, before, origin) => {
          ports.store.saveEntity(entity, this.now());
          ports.log.info({ id: entity.id, uniqueId: entity.definition.uniqueId, origin }, before ? 'entity updated' : 'entity added');
          ports.events.entityState(before ? this.view(before) : null, this.view(entity));
        },
        removed: (entity) => {
          this.states.remove(entity.id);
          ports.store.deleteEntity(entity.id);
          ports.log.info({ id: entity.id, uniqueId: entity.definition.uniqueId }, 'entity removed');
          ports.events.entityRemoved(entity.id);
        },
        replay: (topic, payload) => this.receive({ topic, payload }),
      },
      ports.log,
    );
  }

  /** Takes up what the durable copy holds; before the first message. */
  load({ devices, entities, states }: SavedEntities): void {
    this.states.load(devices, states);
    for (const entity of entities) this.mapper.registry.add(entity);
  }

  get size(): number {
    return this.mapper.registry.size;
  }

  /** Every MQTT message passes here once; the common case is one map lookup and a state update. */
  receive({ topic, payload, time }: MqttMessage): void {
    if (topic.startsWith('$')) return;
    if (this.mapper.isDiscovery(topic)) return this.mapper.discovery(topic, payload);
    this.mapper.observe(topic, payload);
    const now = time ?? this.now();
    const listeners = this.mapper.registry.listening(topic);
    if (!listeners) return this.mapper.unclaimed(topic, payload, now);
    for (const entity of listeners) {
      // States are replaced, never changed in place: the one before is still whole after apply().
      const previous = this.states.get(entity.id);
      const at = time ?? afterLast(previous, now);
      const change = this.states.apply(entity, topic, payload, at);
      if (!change.ok) {
        this.ports.log.debug({ id: entity.id, topic, reason: change.reason }, 'ignored a payload');
        continue;
      }
      this.ports.store.saveState(entity.id, change.state);
      this.history.record(entity, change.state, change.update, change.changed, at);
      this.touchDevice(entity, change.state.available, at);
      if (change.changed) this.ports.events.entityState(this.viewWith(entity, previous), this.view(entity));
    }
  }

  /** Publishes a command in the device's own format; the state follows from the device's confirmation. */
  async command(id: string, command: EntityCommand): Promise<string[]> {
    const entity = this.require(id);
    const encoded = encodeCommand(entity.definition, command);
    if (!encoded.ok) throw new CommandRefused(encoded.reason);
    for (const message of encoded.messages) await this.ports.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain });
    // Optimistic only where the device reports no state of its own.
    if (!entity.definition.state && command.on !== undefined) {
      const before = this.view(entity);
      const previous = this.states.get(id);
      const now = this.now();
      const attributes = { ...previous?.attributes, ...(command.brightness !== undefined ? { brightness: command.brightness } : {}) };
      const next: EntityState = { state: command.on ? 'on' : 'off', attributes, available: true, lastChanged: now, lastUpdated: now };
      this.states.set(id, next);
      this.ports.store.saveState(id, next);
      this.history.change(entity, next, now);
      this.ports.events.entityState(before, this.view(entity));
    }
    return encoded.messages.map((message) => message.topic);
  }

  /** Maps a topic to a new entity by hand (e.g. adopting an unmapped topic). */
  createManual(request: ManualEntityRequest): EntityDto {
    const definition = manualDefinition(request);
    this.mapper.register([definition], `manual ${request.stateTopic}`);
    const entity = this.mapper.registry.byUnique(definition.uniqueId)!;
    return request.area ? this.rename(entity.id, { area: request.area }) : this.view(entity);
  }

  /** A person's name or area for an entity; kept when the device announces itself again. */
  rename(id: string, change: { name?: string; area?: string | null }): EntityDto {
    const before = this.view(this.require(id));
    const entity = this.mapper.registry.rename(id, change);
    this.ports.store.saveEntity(entity, this.now());
    const after = this.view(entity);
    this.ports.events.entityState(before, after);
    return after;
  }

  entities(): EntityDto[] {
    return [...this.mapper.registry.all()].map((entity) => this.view(entity));
  }

  entity(id: string): EntityDto {
    return this.view(this.require(id));
  }

  /** The entity, or undefined when there is none. */
  find(id: string): EntityDto | undefined {
    const entity = this.mapper.registry.get(id);
    return entity && this.view(entity);
  }

  /** Devices with entities (one whose entities all went, e.g. a profile's twin of an announced device, is not listed). */
  devices(): DeviceDto[] {
    const devices: DeviceDto[] = [];
    for (const device of this.states.allDevices()) {
      const entityIds = [...this.mapper.entitiesOf(device.id)].map((entity) => entity.id);
      if (entityIds.length === 0) continue;
      const { id, name, manufacturer, model, area, transport, available, lastSeen } = device;
      devices.push({ id, name, manufacturer: manufacturer ?? null, model: model ?? null, area: area ?? null, transport, available, lastSeen: iso(lastSeen), entityIds });
    }
    return devices;
  }

  unmapped(): UnmappedTopicDto[] {
    return this.mapper.unmappedTopics();
  }

  /** Once, after an upgrade: turns a numeric entity's recorded changes into readings and statistics (see EntityHistory.backfill). */
  backfill(id: string, changes: Iterable<HistoryPoint>): boolean {
    return this.history.backfill(this.require(id), changes);
  }

  /** Recorded readings or changes, or statistics, of one entity over a range. */
  historyOf(id: string, query: HistoryQuery): EntityHistoryDto {
    return this.history.query(this.require(id), query);
  }

  /** The numeric series an entity's messages feed (its state, its energy counters). */
  seriesOf(id: string): RecordedSeries {
    return this.history.seriesOf(this.require(id));
  }

  /** The same, every point of any range, a page at a time (exports). */
  everyPointOf(id: string, query: HistoryQuery & { resolution: HistoryResolution }): Generator<HistoryPointDto | StatisticPointDto> {
    return this.history.everyPoint(this.require(id), query);
  }

  private touchDevice(entity: Entity, available: boolean, now: number): void {
    const deviceId = entity.definition.device?.id;
    if (!deviceId) return;
    const touched = this.states.touchDevice(deviceId, [...this.mapper.entitiesOf(deviceId)].map((e) => e.id), available, now);
    if (!touched) return;
    if (touched.persist) this.ports.store.touchDevice(deviceId, touched.device.available, now);
    if (touched.availabilityChanged) this.ports.events.availability(deviceId, touched.device.available);
  }

  private require(id: string): Entity {
    return this.mapper.registry.get(id) ?? raise(new EntityNotFound(id));
  }

  private view(entity: Entity): EntityDto {
    return this.viewWith(entity, this.states.get(entity.id));
  }

  /** The entity as it looks with `state` (the one before a change, say). */
  private viewWith(entity: Entity, state: EntityState | undefined): EntityDto {
    const { definition } = entity;
    const device = definition.device ? this.states.device(definition.device.id) : undefined;
    return {
      id: entity.id,
      uniqueId: definition.uniqueId,
      kind: definition.kind,
      name: entity.name,
      deviceId: definition.device?.id ?? null,
      area: entity.area ?? device?.area ?? null,
      state: state?.state ?? null,
      attributes: state?.attributes ?? {},
      available: state?.available ?? false,
      lastChanged: iso(state?.lastChanged ?? null),
      lastUpdated: iso(state?.lastUpdated ?? null),
      unit: definition.unit ?? null,
      deviceClass: definition.deviceClass ?? null,
      stateClass: definition.stateClass ?? null,
      commands: supportedFeatures(definition),
      limits: controlLimits(definition),
      source: definition.source,
    };
  }
}

const raise = (error: Error): never => {
  throw error;
};

