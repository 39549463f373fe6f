import { describe, expect, it } from 'vitest';
import { parseRule } from './parse.js';
import { ruleReferences } from './references.js';

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
