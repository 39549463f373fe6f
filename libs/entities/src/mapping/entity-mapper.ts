import type { Buffer } from 'node:buffer';
import type { EntityLog } from '../ports.js';
import type { UnmappedTopicDto } from '../view.js';
import type { DeviceInfo, EntityDefinition } from './definition.js';
import { parseDiscovery } from './ha-discovery.js';
import { HomieCollector } from './homie.js';
import { profileDefinitions, revealedDevices, type DeviceProfile } from './profiles.js';
import { EntityRegistry, topicsOf, type Entity } from './registry.js';
import { TASMOTA_DISCOVERY_PREFIX, TasmotaDiscovery } from './tasmota.js';
import { UnmappedTopics } from './unmapped-topics.js';

const parentOf = (topic: string): string => topic.slice(0, Math.max(0, topic.lastIndexOf('/')));

const TASMOTA_PREFIXES = ['tele', 'stat', 'cmnd'];

/** The level itself and, where a level is one of Tasmota's prefixes, the same with the other two. */
function tasmotaVariants(level: string): string[] {
  const parts = level.split('/');
  const at = parts.findIndex((part) => TASMOTA_PREFIXES.includes(part));
  if (at < 0) return [level];
  return TASMOTA_PREFIXES.map((prefix) => [...parts.slice(0, at), prefix, ...parts.slice(at + 1)].join('/'));
}

/** What the mapping stage tells the pipeline about the entities it keeps. */
export interface MappingChanges {
  /** A device as a definition describes it, before its entities are added. */
  device(info: DeviceInfo): void;
  /** An entity was added (`before` undefined) or its definition changed; `origin` says where it came from, for the log. */
  upserted(entity: Entity, before: Entity | undefined, origin: string): void;
  removed(entity: Entity): void;
  /** A message seen before the entity listening to it existed (a retained Homie value): to be taken in now. */
  replay(topic: string, payload: Buffer): void;
}

export interface EntityMapperOptions {
  /** Home Assistant's discovery prefix, e.g. `homeassistant`. */
  discoveryPrefix: string;
  /** Topics kept in the unmapped list; the least recently seen go first. */
  maxUnmappedTopics: number;
  profiles: DeviceProfile[];
}

/**
 * The mapping stage: turns what devices announce (Home Assistant discovery, Tasmota's own discovery, Homie,
 * device profiles) and
 * what people map by hand into entities, kept in the registry every message is looked up in; and keeps
 * the topics no entity claims, for people to adopt.
 */
export class EntityMapper {
  readonly registry = new EntityRegistry();
  private readonly unmapped: UnmappedTopics;
  private readonly homie = new HomieCollector();
  private readonly tasmota = new TasmotaDiscovery();
  private readonly discoveryTopics: string;
  /** Devices a profile already revealed (`<profile>/<device>`): their definitions are registered once. */
  private readonly revealed = new Set<string>();

  constructor(
    private readonly options: EntityMapperOptions,
    private readonly changes: MappingChanges,
    private readonly log: EntityLog,
  ) {
    this.unmapped = new UnmappedTopics(options.maxUnmappedTopics);
    this.discoveryTopics = `${options.discoveryPrefix}/`;
  }

  /** A discovery topic carries definitions only, no state. */
  isDiscovery(topic: string): boolean {
    return (this.discoveryTopics !== '/' && topic.startsWith(this.discoveryTopics)) || topic.startsWith(TASMOTA_DISCOVERY_PREFIX);
  }

  discovery(topic: string, payload: Buffer): void {
    if (topic.startsWith(TASMOTA_DISCOVERY_PREFIX)) return this.tasmotaDiscovery(topic, payload);
    if (!topic.endsWith('/config')) return;
    const result = parseDiscovery(topic, payload, this.options.discoveryPrefix);
    if (result.kind === 'invalid') this.log.warn({ topic, reason: result.reason }, 'rejected a discovery config');
    else if (result.kind === 'ignored') this.log.debug({ topic, reason: result.reason }, 'ignored a discovery config');
    else this.replaceOrigin(result.origin, result.kind === 'definitions' ? result.definitions : [], 'discovery');
  }

  /** What a state message may also reveal: a Homie device's structure, a profile's device. */
  observe(topic: string, payload: Buffer): void {
    if (topic.startsWith('homie/')) this.homieEvents(topic, payload);
    if (this.options.profiles.length > 0) this.reveal(topic);
  }

  /** A message no entity listens to: listed for adoption, unless the hub itself commands on it or it is Homie's. */
  unclaimed(topic: string, payload: Buffer, now: number): void {
    if (!this.registry.isCommandTopic(topic) && !topic.startsWith('homie/')) this.unmapped.seen(topic, payload, now);
  }

  /** Unmapped topics, each with the known device it sits beside (see devicesByParent), if any. */
  unmappedTopics(): UnmappedTopicDto[] {
    const owners = this.devicesByParent();
    return this.unmapped.list().map((topic) => ({ ...topic, deviceId: owners.get(parentOf(topic.topic)) ?? null }));
  }

  /**
   * A known device's own telemetry that no entity maps (Tasmota's `tele/<t>/INFO1` or `stat/<t>/RESULT` beside
   * its `tele/<t>/STATE`, Zigbee2MQTT's `<base>/<device>/availability`) sits beside or under the device's
   * topics. So each topic level an entity of a device uses (a topic and its parent), at least two levels
   * deep, points at that device; a level two devices share points at neither. Tasmota's prefixes stand in for
   * one another (`tele/<t>` also owns `stat/<t>` and `cmnd/<t>`). Only runs when topics are listed.
   */
  private devicesByParent(): Map<string, string | null> {
    const owners = new Map<string, string | null>();
    for (const { definition } of this.registry.all()) {
      const deviceId = definition.device?.id;
      if (!deviceId) continue;
      for (const topic of topicsOf(definition)) {
        for (const level of [topic, parentOf(topic)].flatMap(tasmotaVariants)) {
          if (level.split('/').length < 2) continue;
          const owner = owners.get(level);
          owners.set(level, owner === undefined || owner === deviceId ? deviceId : null);
        }
      }
    }
    return owners;
  }

  /** Adds or updates entities (and their devices) from definitions. */
  register(definitions: EntityDefinition[], origin: string): void {
    for (const definition of definitions) {
      if (definition.source !== 'profile') this.dropProfileTwins(definition);
      if (definition.device) this.changes.device(definition.device);
      // An id says the kind (`sensor.x`): an entity whose kind changes (a Homie property found settable after
      // all) goes, and comes back under a new id.
      if (this.registry.byUnique(definition.uniqueId)?.definition.kind !== definition.kind) this.remove(definition.uniqueId);
      const before = this.registry.byUnique(definition.uniqueId);
      const result = this.registry.upsert(definition);
      if (!result) continue;
      for (const topic of topicsOf(definition)) this.unmapped.forget(topic);
      this.changes.upserted(result.entity, before, origin);
    }
  }

  entitiesOf(deviceId: string): Iterable<Entity> {
    return this.registry.ofDevice(deviceId);
  }

  private tasmotaDiscovery(topic: string, payload: Buffer): void {
    const event = this.tasmota.feed(topic, payload);
    if (event.kind === 'invalid') this.log.warn({ topic, reason: event.reason }, 'rejected a Tasmota discovery message');
    else if (event.kind === 'ignored') this.log.debug({ topic, reason: event.reason }, 'ignored a Tasmota discovery message');
    else this.replaceOrigin(event.origin, event.definitions, 'tasmota');
  }

  private homieEvents(topic: string, payload: Buffer): void {
    for (const event of this.homie.feed(topic, payload)) {
      if (event.kind === 'ignored') this.log.debug({ topic, reason: event.reason }, 'ignored a Homie device');
      // Only those named: after a `definitions` event, replacing the origin with nothing would drop the new set too.
      else if (event.kind === 'removed') for (const uniqueId of event.uniqueIds) this.remove(uniqueId);
      else {
        this.replaceOrigin(event.origin, event.definitions, 'homie');
        for (const value of event.values) this.changes.replay(value.topic, value.payload);
      }
    }
  }

  private reveal(topic: string): void {
    for (const { profile, deviceId } of revealedDevices(this.options.profiles, topic)) {
      const key = `${profile.id}/${deviceId}`;
      if (this.revealed.has(key)) continue;
      this.revealed.add(key);
      const definitions = profileDefinitions(profile, deviceId);
      // A device that announces itself (discovery, Homie) is not also taken for a profile's device.
      if (definitions.some((definition) => this.announcedElsewhere(definition))) continue;
      this.register(definitions, `profile ${profile.id}`);
    }
  }

  private announcedElsewhere(definition: EntityDefinition): boolean {
    return topicsOf(definition).some((topic) => this.registry.listening(topic)?.some((entity) => entity.definition.source !== 'profile'));
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
      for (const entity of [...this.entitiesOf(deviceId)]) this.remove(entity.definition.uniqueId);
    }
  }

  /** A source's complete current set for one origin (a discovery topic, a Homie device): others from it go. */
  private replaceOrigin(origin: string, definitions: EntityDefinition[], source: string): void {
    const kept = new Set(definitions.map((definition) => definition.uniqueId));
    for (const entity of [...this.registry.all()]) {
      if (entity.definition.origin === origin && !kept.has(entity.definition.uniqueId)) this.remove(entity.definition.uniqueId);
    }
    this.register(definitions, `${source} ${origin}`);
  }

  private remove(uniqueId: string): void {
    const entity = this.registry.remove(uniqueId);
    if (entity) this.changes.removed(entity);
  }
}
