import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BadRequestException, Inject, Injectable, NotFoundException, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DeviceDto, EntityDto, HistoryPointDto, ManualEntityRequest, UnmappedTopicDto } from '@hearth/api-types';
import {
  decodeState,
  encodeCommand,
  HomieCollector,
  loadProfiles,
  matchProfile,
  parseDiscovery,
  type DeviceInfo,
  type DeviceProfile,
  type EntityCommand,
  type EntityDefinition,
} from '@hearth/entities';
import { MqttBus, type BusMessage } from '../broker/mqtt-bus.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { findUp } from '../paths.js';
import { DevicesRepository, type DeviceRecord, type EntityState, type StoredEntity } from './devices.repository.js';
import { EntityRegistry, topicsOf } from './entity-registry.js';
import { manualDefinition } from './manual-definition.js';
import { UnmappedTopics } from './unmapped-topics.js';

export interface EntityEvents {
  state: [EntityDto];
  removed: [string];
  /** A device's availability changed (device id, available). */
  availability: [string, boolean];
}

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());
const DEVICE_TOUCH_INTERVAL = 30_000;

/**
 * Turns MQTT traffic into entities: definitions come from Home Assistant discovery, Homie, device
 * profiles and manual mappings; every message on an entity's topics updates its state, which is kept
 * in memory, stored (batched) and announced to listeners (the realtime gateway).
 */
@Injectable()
export class EntitiesService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly events = new EventEmitter<EntityEvents>();
  private readonly log: Logger;
  private readonly registry = new EntityRegistry();
  private readonly states = new Map<string, EntityState>();
  private readonly devices = new Map<string, DeviceRecord & { persistedSeen: number }>();
  private readonly unmapped: UnmappedTopics;
  private readonly homie = new HomieCollector();
  private readonly discoveryPrefix: string;
  private profiles: DeviceProfile[] = [];
  /** Devices a profile already revealed (`<profile>/<device>`): their definitions are registered once. */
  private readonly revealed = new Set<string>();
  /** What each availability topic of an entity last said, for availability modes `all` and `any`. */
  private readonly availability = new Map<string, Map<string, boolean>>();
  private untap?: () => void;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly bus: MqttBus,
    private readonly repository: DevicesRepository,
  ) {
    this.log = root.child({ module: 'entities' });
    this.unmapped = new UnmappedTopics(config.devices.maxUnmappedTopics);
    this.discoveryPrefix = `${config.devices.discoveryPrefix}/`;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const device of this.repository.loadDevices()) this.devices.set(device.id, { ...device, persistedSeen: device.lastSeen ?? 0 });
    for (const entity of this.repository.loadEntities()) this.registry.add(entity);
    for (const [id, state] of this.repository.loadStates()) this.states.set(id, state);
    this.profiles = await this.readProfiles();
    this.untap = await this.bus.tap((message) => this.receive(message), { retained: true });
    // Devices that announce themselves re-send their discovery when Home Assistant (here: Hearth) comes online.
    await this.bus.publish(`${this.config.devices.discoveryPrefix}/status`, 'online', { retain: true });
    this.log.info({ entities: this.registry.size, profiles: this.profiles.length }, 'entities loaded');
  }

  onApplicationShutdown(): void {
    this.untap?.();
  }

  private async readProfiles(): Promise<DeviceProfile[]> {
    const configured = this.config.devices.profilesDir;
    const dir = isAbsolute(configured) ? configured : [resolve(configured), findUp(configured)].find((d) => d !== null && existsSync(d));
    if (!dir) {
      this.log.warn({ dir: configured }, 'no device profiles directory');
      return [];
    }
    const { profiles, errors } = await loadProfiles(dir);
    for (const error of errors) this.log.error({ error }, 'invalid device profile, skipped');
    return profiles;
  }

  /** Every MQTT message passes here once; the common case is one map lookup and a state update. */
  private receive(message: BusMessage): void {
    const { topic, payload } = message;
    if (topic.startsWith('$')) return;
    const now = Date.now();
    if (topic.startsWith(this.discoveryPrefix)) {
      if (topic.endsWith('/config')) this.discover(topic, payload);
      return;
    }
    if (topic.startsWith('homie/')) this.homieEvents(topic, payload);
    if (this.profiles.length > 0) this.reveal(topic);

    const listeners = this.registry.listening(topic);
    if (!listeners) {
      if (!this.registry.isCommandTopic(topic) && !topic.startsWith('homie/')) this.unmapped.seen(topic, payload, now);
      return;
    }
    for (const entity of listeners) this.update(entity, topic, payload, now);
  }

  private discover(topic: string, payload: Buffer): void {
    const result = parseDiscovery(topic, payload, this.config.devices.discoveryPrefix);
    if (result.kind === 'invalid') this.log.warn({ topic, reason: result.reason }, 'rejected a discovery config');
    else if (result.kind === 'ignored') this.log.debug({ topic, reason: result.reason }, 'ignored a discovery config');
    else this.replaceOrigin(result.origin, result.kind === 'definitions' ? result.definitions : [], 'discovery');
  }

  private homieEvents(topic: string, payload: Buffer): void {
    for (const event of this.homie.feed(topic, payload)) {
      if (event.kind === 'ignored') this.log.debug({ topic, reason: event.reason }, 'ignored a Homie device');
      else this.replaceOrigin(event.origin, event.kind === 'definitions' ? event.definitions : [], 'homie');
    }
  }

  private reveal(topic: string): void {
    for (const match of matchProfile(this.profiles, topic)) {
      const key = `${match.profileId}/${match.deviceId}`;
      if (this.revealed.has(key)) continue;
      this.revealed.add(key);
      // A device that announces itself (discovery, Homie) is not also taken for a profile's device.
      if (match.definitions.some((d) => this.announcedElsewhere(d))) continue;
      this.register(match.definitions, `profile ${match.profileId}`);
    }
  }

  private announcedElsewhere(definition: EntityDefinition): boolean {
    return topicsOf(definition).some((topic) => this.registry.listening(topic)?.some((e) => e.definition.source !== 'profile'));
  }

  /** Profile-made devices sharing a topic with an announced entity: the announcement wins, they go. */
  private dropProfileTwins(definition: EntityDefinition): void {
    const twins = new Set<string>();
    for (const topic of topicsOf(definition)) {
      for (const entity of this.registry.listening(topic) ?? []) {
        if (entity.definition.source === 'profile' && entity.definition.device) twins.add(entity.definition.device.id);
      }
    }
    for (const deviceId of twins) {
      for (const entity of [...this.entitiesOf(deviceId)]) this.removeEntity(entity.definition.uniqueId);
    }
  }

  /** A source's complete current set for one origin (a discovery topic, a Homie device): others from it go. */
  private replaceOrigin(origin: string, definitions: EntityDefinition[], source: string): void {
    const kept = new Set(definitions.map((d) => d.uniqueId));
    for (const entity of [...this.registry.all()]) {
      if (entity.definition.origin === origin && !kept.has(entity.definition.uniqueId)) this.removeEntity(entity.definition.uniqueId);
    }
    this.register(definitions, `${source} ${origin}`);
  }

  /** Adds or updates entities (and their devices) from definitions, storing what is new. */
  private register(definitions: EntityDefinition[], origin: string): void {
    const now = Date.now();
    for (const definition of definitions) {
      if (definition.source !== 'profile') this.dropProfileTwins(definition);
      if (definition.device) this.registerDevice(definition.device, now);
      const result = this.registry.upsert(definition);
      if (!result) continue;
      this.unmappedNoMore(result.entity.definition);
      this.store(this.repository.saveEntity(result.entity, now));
      this.log.info({ id: result.entity.id, uniqueId: definition.uniqueId, origin }, result.created ? 'entity added' : 'entity updated');
      this.events.emit('state', this.toDto(result.entity));
    }
  }

  private registerDevice(device: DeviceInfo, now: number): void {
    const known = this.devices.get(device.id);
    const { id, name, manufacturer, model, area, transport } = device;
    if (known && known.name === name && known.manufacturer === manufacturer && known.model === model && known.transport === transport) return;
    this.devices.set(id, { ...device, area: known?.area ?? area, available: known?.available ?? false, lastSeen: known?.lastSeen ?? null, persistedSeen: known?.persistedSeen ?? 0 });
    this.store(this.repository.saveDevice(device, now));
  }

  private unmappedNoMore(definition: EntityDefinition): void {
    for (const topic of [definition.state?.topic, ...definition.attributes.map((a) => a.topic)]) if (topic) this.unmapped.forget(topic);
  }

  private update(entity: StoredEntity, topic: string, payload: Buffer, now: number): void {
    const known = this.availability.get(entity.id);
    const decoded = decodeState(entity.definition, topic, payload, known);
    if (!decoded.ok) {
      this.log.debug({ id: entity.id, topic, reason: decoded.reason }, 'ignored a payload');
      return;
    }
    const previous = this.states.get(entity.id);
    const { update } = decoded;
    if (update.availabilityOf) {
      if (known) known.set(update.availabilityOf.topic, update.availabilityOf.available);
      else this.availability.set(entity.id, new Map([[update.availabilityOf.topic, update.availabilityOf.available]]));
    }
    const next: EntityState = {
      state: update.state !== undefined ? update.state : (previous?.state ?? null),
      attributes: update.attributes ? { ...previous?.attributes, ...update.attributes } : (previous?.attributes ?? {}),
      available: update.available ?? previous?.available ?? true,
      lastChanged: previous?.lastChanged ?? null,
      lastUpdated: now,
    };
    const changed = !previous || next.state !== previous.state || next.available !== previous.available || !sameAttributes(previous.attributes, next.attributes);
    if (!previous || next.state !== previous.state) next.lastChanged = now;
    this.states.set(entity.id, next);
    this.store(this.repository.saveState(entity.id, next, changed));
    this.touchDevice(entity, next.available, now);
    if (changed) this.events.emit('state', this.toDto(entity));
  }

  private touchDevice(entity: StoredEntity, available: boolean, now: number): void {
    const device = entity.definition.device && this.devices.get(entity.definition.device.id);
    if (!device) return;
    const wasAvailable = device.available;
    device.lastSeen = now;
    device.available = available || [...this.entitiesOf(device.id)].some((e) => this.states.get(e.id)?.available === true);
    // last_seen is written at most every 30 s: it must not cost a write per message.
    if (device.available !== wasAvailable || now - device.persistedSeen >= DEVICE_TOUCH_INTERVAL) {
      device.persistedSeen = now;
      this.store(this.repository.touchDevice(device.id, device.available, now));
    }
    if (device.available !== wasAvailable) this.events.emit('availability', device.id, device.available);
  }

  private *entitiesOf(deviceId: string): Generator<StoredEntity> {
    for (const entity of this.registry.all()) if (entity.definition.device?.id === deviceId) yield entity;
  }

  private removeEntity(uniqueId: string): void {
    const entity = this.registry.remove(uniqueId);
    if (!entity) return;
    this.states.delete(entity.id);
    this.availability.delete(entity.id);
    this.store(this.repository.deleteEntity(entity.id));
    this.log.info({ id: entity.id, uniqueId }, 'entity removed');
    this.events.emit('removed', entity.id);
  }

  /** Writes are fire-and-forget on the message path; a failed batch is logged by the repository. */
  private store(write: Promise<void>): void {
    write.catch(() => undefined);
  }

  // --- the API's view -------------------------------------------------------------------------------

  listEntities(): EntityDto[] {
    return [...this.registry.all()].map((entity) => this.toDto(entity));
  }

  getEntity(id: string): EntityDto {
    return this.toDto(this.require(id));
  }

  /** Devices with entities (one whose entities all went, e.g. a profile's twin of an announced device, is not listed). */
  listDevices(): DeviceDto[] {
    return [...this.devices.values()].filter((device) => !this.entitiesOf(device.id).next().done).map((device) => ({
      id: device.id,
      name: device.name,
      manufacturer: device.manufacturer ?? null,
      model: device.model ?? null,
      area: device.area ?? null,
      transport: device.transport,
      available: device.available,
      lastSeen: iso(device.lastSeen),
      entityIds: [...this.entitiesOf(device.id)].map((e) => e.id),
    }));
  }

  listUnmapped(): UnmappedTopicDto[] {
    return this.unmapped.list();
  }

  history(id: string, from: number, to: number, limit: number): HistoryPointDto[] {
    this.require(id);
    return this.repository.history(id, from, to, limit).map((row) => ({ time: new Date(row.time).toISOString(), state: row.state, attributes: row.attributes }));
  }

  /** Publishes a command in the device's own format; the state follows from the device's confirmation. */
  async command(id: string, command: EntityCommand): Promise<string[]> {
    const entity = this.require(id);
    const encoded = encodeCommand(entity.definition, command);
    if (!encoded.ok) throw new BadRequestException(encoded.reason);
    for (const message of encoded.messages) await this.bus.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain });
    // Optimistic only where the device reports no state of its own.
    if (!entity.definition.state && command.on !== undefined) {
      const previous = this.states.get(id);
      const now = Date.now();
      const attributes = { ...previous?.attributes, ...(command.brightness !== undefined ? { brightness: command.brightness } : {}) };
      const next: EntityState = { state: command.on ? 'on' : 'off', attributes, available: true, lastChanged: now, lastUpdated: now };
      this.states.set(id, next);
      this.store(this.repository.saveState(id, next, true));
      this.events.emit('state', this.toDto(entity));
    }
    return encoded.messages.map((m) => m.topic);
  }

  /** Maps a topic to a new entity by hand (e.g. adopting an unmapped topic). */
  createManual(request: ManualEntityRequest): EntityDto {
    const definition = manualDefinition(request);
    this.register([definition], `manual ${request.stateTopic}`);
    const entity = this.registry.byUnique(definition.uniqueId)!;
    return request.area ? this.rename(entity.id, { area: request.area }) : this.toDto(entity);
  }

  /** A person's name or area for an entity; kept when the device announces itself again. */
  rename(id: string, change: { name?: string; area?: string | null }): EntityDto {
    const entity = this.registry.rename(this.require(id).id, change);
    this.store(this.repository.saveEntity(entity, Date.now()));
    const dto = this.toDto(entity);
    this.events.emit('state', dto);
    return dto;
  }

  private require(id: string): StoredEntity {
    const entity = this.registry.get(id);
    if (!entity) throw new NotFoundException(`no entity ${id}`);
    return entity;
  }

  toDto(entity: StoredEntity): EntityDto {
    const { definition } = entity;
    const state = this.states.get(entity.id);
    const device = definition.device ? this.devices.get(definition.device.id) : undefined;
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
      commands: commandsOf(definition),
      source: definition.source,
    };
  }
}

function commandsOf(definition: EntityDefinition): EntityDto['commands'] {
  if (!definition.command) return [];
  const commands: EntityDto['commands'] = ['on'];
  if (definition.supports.brightness) commands.push('brightness');
  if (definition.supports.colorTemp) commands.push('colorTemp');
  if (definition.supports.rgb) commands.push('rgb');
  return commands;
}

function sameAttributes(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key] || JSON.stringify(a[key]) === JSON.stringify(b[key]));
}
