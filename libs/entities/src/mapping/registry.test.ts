import { describe, expect, it } from 'vitest';
import type { EntityDefinition } from './definition.js';
import { EntityRegistry } from './registry.js';

const sensor = (uniqueId: string, objectId: string, topic: string): EntityDefinition => ({
  uniqueId,
  kind: 'sensor',
  objectId,
  name: objectId,
  state: { topic, value: { kind: 'raw' } },
  attributes: [],
  supports: {},
  source: 'manual',
  origin: topic,
});

describe('EntityRegistry', () => {
  it('gives colliding objects distinct slugs and keeps a slug when the definition changes', () => {
    const registry = new EntityRegistry();
    expect(registry.upsert(sensor('a', 'Shed', 'shed/a'))!.entity.id).toBe('sensor.shed');
    expect(registry.upsert(sensor('b', 'shed', 'shed/b'))!.entity.id).toBe('sensor.shed_2');
    const moved = registry.upsert(sensor('a', 'Greenhouse', 'greenhouse/a'))!;
    expect(moved).toMatchObject({ created: false, entity: { id: 'sensor.shed' } });
    expect(registry.listening('shed/a')).toBeUndefined();
    expect(registry.listening('greenhouse/a')!.map((e) => e.id)).toEqual(['sensor.shed']);
    expect(registry.upsert(sensor('a', 'Greenhouse', 'greenhouse/a'))).toBeUndefined();
  });

  it('finds entities listening with topic filters as well as exact topics', () => {
    const registry = new EntityRegistry();
    registry.upsert(sensor('exact', 'exact', 'plants/fern/moisture'));
    registry.upsert(sensor('wild', 'wild', 'plants/+/moisture'));
    expect(registry.listening('plants/fern/moisture')!.map((e) => e.id).sort()).toEqual(['sensor.exact', 'sensor.wild']);
    expect(registry.listening('plants/ivy/moisture')!.map((e) => e.id)).toEqual(['sensor.wild']);
    expect(registry.listening('plants/ivy/light')).toBeUndefined();
    registry.remove('wild');
    expect(registry.listening('plants/ivy/moisture')).toBeUndefined();
  });

  it('keeps a person\'s name and area when the device announces itself again', () => {
    const registry = new EntityRegistry();
    const { entity } = registry.upsert(sensor('t', 'Thermo', 'thermo'))!;
    registry.rename(entity.id, { name: 'Greenhouse temperature', area: 'Garden' });
    registry.upsert({ ...sensor('t', 'Thermo', 'thermo'), unit: '°C' });
    expect(registry.get(entity.id)).toMatchObject({ name: 'Greenhouse temperature', area: 'Garden', definition: { unit: '°C' } });
  });
});
