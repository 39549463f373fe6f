import { describe, expect, it } from 'vitest';
import { parseRule } from './parse.js';
import { missingReferences, ruleReferences } from './references.js';

describe('ruleReferences', () => {
  it('finds every entity and device a rule names, in triggers, nested conditions and nested actions', () => {
    const parsed = parseRule({
      name: 'evening',
      triggers: [
        { type: 'state', entityId: 'binary_sensor.motion', to: 'on' },
        { type: 'offline', deviceId: 'plug-1' },
        { type: 'time', at: '22:00' },
      ],
      conditions: [{ type: 'or', conditions: [{ type: 'numeric', entityId: 'sensor.lux', below: 10 }, { type: 'not', conditions: [{ type: 'state', entityId: 'switch.away', equals: 'on' }] }] }],
      actions: [
        { type: 'if', conditions: [{ type: 'state', entityId: 'light.porch', equals: 'off' }], then: [{ type: 'command', entityId: 'light.hall', command: { on: true } }], else: [{ type: 'command', entityId: 'light.stairs', command: { on: false } }] },
        { type: 'publish', topic: 'x', payload: 'y' },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const { entityIds, deviceIds } = ruleReferences(parsed.rule);
    expect([...entityIds].sort()).toEqual(['binary_sensor.motion', 'light.hall', 'light.porch', 'light.stairs', 'sensor.lux', 'switch.away']);
    expect([...deviceIds]).toEqual(['plug-1']);
  });
});

describe('missingReferences', () => {
  it('names each entity and device that does not exist once, at the first place the rule names it', () => {
    const parsed = parseRule({
      name: 'garden',
      triggers: [
        { type: 'threshold', entityId: 'sensor.bed_moisture', below: 30 },
        { type: 'offline', deviceId: 'garden-node' },
        { type: 'offline', deviceId: 'porch-node' },
      ],
      conditions: [{ type: 'not', conditions: [{ type: 'state', entityId: 'binary_sensor.rain', equals: 'on' }] }],
      actions: [
        { type: 'if', conditions: [{ type: 'numeric', entityId: 'sensor.bed_moisture', below: 10 }], then: [{ type: 'command', entityId: 'valve.bed', command: { open: true } }] },
        { type: 'command', entityId: 'valve.bed', command: { open: false } },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const entities = new Set(['binary_sensor.rain']);
    const devices = new Set(['porch-node']);
    expect(missingReferences(parsed.rule, { entity: (id) => entities.has(id), device: (id) => devices.has(id) })).toEqual([
      { kind: 'entity', id: 'sensor.bed_moisture', path: 'triggers[0].entityId' },
      { kind: 'device', id: 'garden-node', path: 'triggers[1].deviceId' },
      { kind: 'entity', id: 'valve.bed', path: 'actions[0].then[0].entityId' },
    ]);
    entities.add('sensor.bed_moisture').add('valve.bed');
    devices.add('garden-node');
    expect(missingReferences(parsed.rule, { entity: (id) => entities.has(id), device: (id) => devices.has(id) })).toEqual([]);
  });
});
