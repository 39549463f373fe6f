import { topicMatches } from '@hearth/mqtt-topics';
import type { EntityDefinition } from './definition.js';
import { uniqueEntityId } from './slug.js';

/** An entity as the hub keeps it: its definition, and a person's choices, which win over what the device announces. */
export interface Entity {
  /** Stable slug `<kind>.<object>`, assigned once. */
  id: string;
  definition: EntityDefinition;
  name: string;
  area: string | null;
}

/** The topics an entity listens to: state, attributes and availability. */
export function topicsOf(definition: EntityDefinition): string[] {
  const topics = new Set<string>();
  for (const source of [definition.state, ...(definition.extraStateSources ?? [])]) if (source) topics.add(source.topic);
  for (const attribute of definition.attributes) topics.add(attribute.topic);
  if (definition.jsonAttributesTopic) topics.add(definition.jsonAttributesTopic);
  for (const availability of definition.availability?.topics ?? []) topics.add(availability.topic);
  return [...topics];
}

function commandTopicsOf(definition: EntityDefinition): string[] {
  const command = definition.command;
  const controls = Object.values(definition.controls ?? {}).map((control) => control.topic);
  if (!command) return controls;
  if (command.format === 'json') return [command.topic, ...controls];
  return [command.topic, command.brightnessTopic, command.colorTempTopic, command.rgbTopic, ...controls].filter((t): t is string => t !== undefined);
}

/**
 * Every known entity, by id, by unique id and by the topics it listens to: the lookup each MQTT message
 * goes through. Ids are stable slugs, assigned once and kept in the database.
 */
export class EntityRegistry {
  private readonly byId = new Map<string, Entity>();
  private readonly byUniqueId = new Map<string, Entity>();
  private readonly byTopic = new Map<string, Entity[]>();
  // Topic filters with + or # (Home Assistant allows them): few or none, so a scan is cheap.
  private readonly byFilter = new Map<string, Entity[]>();
  private readonly commandTopics = new Map<string, number>();
  private readonly byDevice = new Map<string, Set<Entity>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Entity | undefined {
    return this.byId.get(id);
  }

  byUnique(uniqueId: string): Entity | undefined {
    return this.byUniqueId.get(uniqueId);
  }

  all(): IterableIterator<Entity> {
    return this.byId.values();
  }

  /** The entities of one device. */
  ofDevice(deviceId: string): Iterable<Entity> {
    return this.byDevice.get(deviceId) ?? [];
  }

  /** Entities listening to this topic. */
  listening(topic: string): Entity[] | undefined {
    const exact = this.byTopic.get(topic);
    if (this.byFilter.size === 0) return exact;
    const matching = [...this.byFilter].filter(([filter]) => topicMatches(filter, topic)).flatMap(([, entities]) => entities);
    return matching.length === 0 ? exact : [...new Set([...(exact ?? []), ...matching])];
  }

  /** Whether the hub itself publishes commands on this topic (so it is not "unmapped"). */
  isCommandTopic(topic: string): boolean {
    return this.commandTopics.has(topic);
  }

  /** Adds a stored entity as it is (loading from the database). */
  add(entity: Entity): void {
    this.byId.set(entity.id, entity);
    this.byUniqueId.set(entity.definition.uniqueId, entity);
    this.index(entity, 1);
  }

  /**
   * Adds or updates the entity a definition describes. A new one gets a fresh slug id; a known one keeps
   * its id, name and area as a person may have set them. Returns undefined when nothing changed.
   */
  upsert(definition: EntityDefinition): { entity: Entity; created: boolean } | undefined {
    const known = this.byUniqueId.get(definition.uniqueId);
    if (known && JSON.stringify(known.definition) === JSON.stringify(definition)) return undefined;
    if (known) {
      this.index(known, -1);
      const entity: Entity = { ...known, definition };
      this.byId.set(entity.id, entity);
      this.byUniqueId.set(definition.uniqueId, entity);
      this.index(entity, 1);
      return { entity, created: false };
    }
    const id = uniqueEntityId(definition.kind, definition.objectId, new Set(this.byId.keys()));
    const entity: Entity = { id, definition, name: definition.name, area: definition.device?.area ?? null };
    this.add(entity);
    return { entity, created: true };
  }

  rename(id: string, change: { name?: string; area?: string | null }): Entity {
    const known = this.byId.get(id)!;
    this.index(known, -1);
    const entity: Entity = { ...known, name: change.name ?? known.name, area: change.area === undefined ? known.area : change.area };
    this.byId.set(id, entity);
    this.byUniqueId.set(entity.definition.uniqueId, entity);
    this.index(entity, 1);
    return entity;
  }

  remove(uniqueId: string): Entity | undefined {
    const entity = this.byUniqueId.get(uniqueId);
    if (!entity) return undefined;
    this.index(entity, -1);
    this.byId.delete(entity.id);
    this.byUniqueId.delete(uniqueId);
    return entity;
  }

  private index(entity: Entity, delta: 1 | -1): void {
    const deviceId = entity.definition.device?.id;
    if (deviceId !== undefined) {
      const entities = this.byDevice.get(deviceId) ?? new Set();
      if (delta === 1) this.byDevice.set(deviceId, entities.add(entity));
      else if (entities.delete(entity) && entities.size === 0) this.byDevice.delete(deviceId);
    }
    for (const topic of topicsOf(entity.definition)) {
      const index = topic.includes('+') || topic.includes('#') ? this.byFilter : this.byTopic;
      const listeners = index.get(topic) ?? [];
      const next = delta === 1 ? [...listeners, entity] : listeners.filter((e) => e !== entity);
      if (next.length > 0) index.set(topic, next);
      else index.delete(topic);
    }
    for (const topic of commandTopicsOf(entity.definition)) {
      const count = (this.commandTopics.get(topic) ?? 0) + delta;
      if (count > 0) this.commandTopics.set(topic, count);
      else this.commandTopics.delete(topic);
    }
  }
}
