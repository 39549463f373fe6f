import { parseRule } from '@hearth/rules';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api/http.js';
import { actionForm, actionJson, conditionForm, itemFields, newRuleForm, parentPath, ruleForm, ruleJson, ruleProblems, triggerForm } from './form.js';
import { outsideLimits } from './command-form.js';
import { locate } from './json-locate.js';

/** Rule JSON as the hub gives it back (defaults filled in), every item one the form has fields for. */
const FORMABLE = {
  name: 'Evening',
  description: 'Porch and hall',
  enabled: false,
  mode: 'restart',
  triggers: [
    { type: 'state', entityId: 'binary_sensor.hall_motion', from: 'off', to: 'on', for: '2m' },
    { type: 'threshold', entityId: 'sensor.lux', below: 30.5, for: '90s' },
    { type: 'time', at: '07:30', weekdays: ['mon', 'fri'] },
    { type: 'sun', event: 'sunset', offset: '-45m' },
    { type: 'mqtt', topic: 'zigbee2mqtt/button/action', payload: 'single' },
    { type: 'offline', deviceId: 'A4CF12', for: '1h' },
    { type: 'offline', entityId: 'sensor.bed1' },
  ],
  conditions: [
    { type: 'state', entityId: 'switch.tv', equals: 'off' },
    { type: 'numeric', entityId: 'sensor.t', above: -5, below: 25 },
    { type: 'time', after: '22:00', before: '06:00', weekdays: ['sat', 'sun'] },
    { type: 'sun', after: 'sunset', afterOffset: '30m', before: 'sunrise', beforeOffset: '-90m' },
  ],
  actions: [
    { type: 'command', entityId: 'light.hall', command: { on: true, brightness: 100 }, continueOnError: true },
    { type: 'command', entityId: 'switch.kettle', command: { on: false } },
    { type: 'command', entityId: 'valve.garden', command: { open: true } },
    { type: 'command', entityId: 'climate.living', command: { targetTemperature: 21, hvacMode: 'heat' } },
    { type: 'command', entityId: 'button.bell', command: { press: true } },
    { type: 'publish', topic: 'house/mode', payload: 'night', qos: 1, retain: true },
    { type: 'notify', title: 'Hall', message: 'Motion {{ trigger.to }}' },
    { type: 'log', message: 'done', level: 'warn' },
    { type: 'delay', duration: '5m' },
  ],
};

describe('the rule form', () => {
  it('builds a rule from a new form as filled in: a switch turning on turns a light on', () => {
    const form = newRuleForm();
    form.name = ' Lamp follows switch ';
    form.triggers[0]!.entityId = 'switch.wall';
    form.triggers[0]!.to = 'on';
    form.actions[0]!.entityId = 'light.lamp';
    expect(ruleJson(form)).toEqual({
      name: 'Lamp follows switch',
      enabled: true,
      mode: 'single',
      triggers: [{ type: 'state', entityId: 'switch.wall', to: 'on' }],
      conditions: [],
      actions: [{ type: 'command', entityId: 'light.lamp', command: { on: true } }],
    });
  });

  it('gives back every item it has fields for unchanged', () => {
    const form = ruleForm(FORMABLE)!;
    expect([...form.triggers, ...form.conditions, ...form.actions].filter((item) => item.type === 'json')).toEqual([]);
    expect(ruleJson(form)).toEqual(FORMABLE);
  });

  it.each([
    ['a light, dimmed', 'light.hall', { on: true, brightness: 100 }, 'dim', { brightness: '100' }],
    ['a switch, off', 'switch.kettle', { on: false }, 'off', {}],
    ['a valve, opened', 'valve.garden', { open: true }, 'open', {}],
    ['a valve, closed', 'valve.garden', { open: false }, 'close', {}],
    ['a cover, stopped', 'cover.blind', { stop: true }, 'stop', {}],
    ['a cover, to a position', 'cover.blind', { position: 35.5 }, 'set', { position: '35.5' }],
    ['a lock, locked', 'lock.door', { locked: true }, 'lock', {}],
    ['a lock, unlocked', 'lock.door', { locked: false }, 'unlock', {}],
    ['a climate, target and mode', 'climate.living', { targetTemperature: 21.5, hvacMode: 'heat' }, 'set', { targetTemperature: '21.5', hvacMode: 'heat' }],
    ['a climate, mode only', 'climate.living', { hvacMode: 'off' }, 'set', { hvacMode: 'off' }],
    ['a fan, on', 'fan.ceiling', { on: true }, 'on', {}],
    ['a fan, speed and preset', 'fan.ceiling', { percentage: 40, preset: 'breeze' }, 'set', { percentage: '40', preset: 'breeze' }],
    ['a number, a negative value', 'number.offset', { value: -2 }, 'set', { value: '-2' }],
    ['a select, an option', 'select.scene', { value: 'party' }, 'set', { value: 'party' }],
    ['a button, pressed', 'button.bell', { press: true }, 'press', {}],
  ] as const)('reads the command to %s into a verb and its values, and writes it back the same', (_, entityId, command, verb, settings) => {
    const action = { type: 'command', entityId, command };
    const form = actionForm(action);
    expect(form).toMatchObject({ type: 'command', entityId, verb, settings });
    expect(actionJson(form)).toEqual(action);
    // And the hub's rule check takes it.
    expect(parseRule({ name: 'x', triggers: [{ type: 'sun', event: 'sunset' }], actions: [actionJson(form)] })).toMatchObject({ ok: true });
  });

  it('keeps as written a command no verb says exactly, or one its entity kind does not take', () => {
    const kept = [
      { type: 'command', entityId: 'light.a', command: { on: true, rgb: [255, 0, 0] } },
      { type: 'command', entityId: 'fan.a', command: { on: true, percentage: 40 } },
      { type: 'command', entityId: 'valve.a', command: { open: true, position: 50 } },
      { type: 'command', entityId: 'switch.a', command: { open: true } },
      { type: 'command', entityId: 'climate.a', command: { position: 10 } },
      { type: 'command', entityId: 'number.a', command: { value: 'high' } },
      { type: 'command', entityId: 'select.a', command: { value: 3 } },
      { type: 'command', entityId: 'number.a', command: { value: 1e-7 } },
      { type: 'command', entityId: 'climate.a', command: {} },
      { type: 'command', entityId: 'lock.a', command: { locked: 'yes' } },
    ];
    for (const action of kept) expect(actionForm(action)).toMatchObject({ type: 'json', json: action });
  });

  it('sends only what the chosen verb asks of the kind, a blank value left out', () => {
    const form = actionForm({ type: 'command', entityId: 'climate.living', command: { targetTemperature: 20, hvacMode: 'heat' } });
    form.settings.hvacMode = '';
    form.settings.targetTemperature = ' 21,5 ';
    form.settings.percentage = '40';
    expect(actionJson(form)).toEqual({ type: 'command', entityId: 'climate.living', command: { targetTemperature: 21.5 } });
    form.verb = 'on';
    expect(actionJson(form)).toEqual({ type: 'command', entityId: 'climate.living', command: { on: true } });
    form.entityId = 'valve.garden';
    form.verb = 'set';
    form.settings.position = 'half';
    expect(actionJson(form)).toEqual({ type: 'command', entityId: 'valve.garden', command: { position: 'half' } });
  });

  it("names the fields of a command's verb, so the hub's problems there show at them", () => {
    expect(itemFields(actionForm({ type: 'command', entityId: 'valve.garden', command: { open: true } }), 'actions')).toEqual(['entityId', 'command.open']);
    expect(itemFields(actionForm({ type: 'command', entityId: 'cover.blind', command: { position: 30 } }), 'actions')).toEqual(
      expect.arrayContaining(['entityId', 'command.position', 'command.targetTemperature', 'command.value']),
    );
  });

  it("says when a number is outside an entity's limits or off its steps", () => {
    const target = { min: 5, max: 30, step: 0.5 };
    expect(['21', '21.5', '5', '30', '', 'warm'].map((typed) => outsideLimits(typed, target))).toEqual([false, false, false, false, false, false]);
    expect(['4.5', '30.5', '21.2'].map((typed) => outsideLimits(typed, target))).toEqual([true, true, true]);
    expect(outsideLimits('20.6', { min: 10, max: 28, step: 0.1 })).toBe(false);
    expect(outsideLimits('250', {})).toBe(false);
  });

  it('keeps what it has no fields for as written, in its place', () => {
    const kept = {
      triggers: [{ type: 'time', cron: '0 7 * * 1-5' }, { type: 'state', entityId: 'sensor.mode', to: ['away', 'night'] }, { type: 'threshold', entityId: 'light.a', attribute: 'brightness', above: 3 }],
      conditions: [{ type: 'or', conditions: [{ type: 'time', after: '22:00' }] }, { type: 'state', entityId: 'sensor.mode', in: ['a'] }, { type: 'sun', afterOffset: '5m' }],
      actions: [
        { type: 'if', conditions: [], then: [{ type: 'delay', duration: '1s' }] },
        { type: 'command', entityId: 'light.a', command: { colorTemp: 300 } },
        { type: 'command', entityId: 'light.a', command: { brightness: 9 } },
        { type: 'publish', topic: 'a', qos: 3 },
        { type: 'delay', duration: '-5m' },
        { type: 'teleport', to: 'moon' },
      ],
    };
    const rule = { name: 'Odd', enabled: true, mode: 'single', ...kept };
    const form = ruleForm(rule)!;
    expect([...form.triggers, ...form.conditions, ...form.actions].map((item) => item.type)).toEqual(Array(12).fill('json'));
    expect(ruleJson(form)).toEqual(rule);
  });

  it('reads durations and offsets into an amount and a unit, and writes them back the same', () => {
    expect(triggerForm({ type: 'state', entityId: 'a.b', for: '1h30m' }).for).toEqual({ amount: '90', unit: 'm' });
    expect(triggerForm({ type: 'state', entityId: 'a.b', for: '2d' }).for).toEqual({ amount: '48', unit: 'h' });
    expect(triggerForm({ type: 'state', entityId: 'a.b', for: '75s' }).for).toEqual({ amount: '75', unit: 's' });
    expect(triggerForm({ type: 'sun', event: 'sunrise', offset: '+1h' }).offset).toEqual({ minutes: '60', earlier: false });
    expect(triggerForm({ type: 'sun', event: 'sunrise', offset: '-30s' }).type).toBe('json');
    expect(actionForm({ type: 'delay', duration: '10s' }).duration).toEqual({ amount: '10', unit: 's' });
  });

  it('sends what it cannot read as typed, for the hub to name the problem at its path', () => {
    const form = newRuleForm();
    form.triggers[0] = { ...form.triggers[0]!, type: 'threshold', entityId: 'sensor.t', above: ' 2,5 ', below: 'cold', for: { amount: '1.5', unit: 'h' } };
    form.conditions.push({ ...conditionForm({ type: 'time', after: '22:00' }), before: '' });
    form.actions[0] = { ...form.actions[0]!, type: 'publish', topic: '', payload: '' };
    expect(ruleJson(form)).toMatchObject({
      name: '',
      triggers: [{ type: 'threshold', entityId: 'sensor.t', above: 2.5, below: 'cold', for: '1.5h' }],
      conditions: [{ type: 'time', after: '22:00' }],
      actions: [{ type: 'publish', payload: '', qos: 0, retain: false }],
    });
  });

  it('cannot hold JSON that is not a rule object or has keys it does not know', () => {
    expect(ruleForm([1, 2])).toBeNull();
    expect(ruleForm({ name: 'x', colour: 'red', triggers: [], actions: [] })).toBeNull();
    expect(ruleForm({ name: 'x', triggers: {}, actions: [] })).toBeNull();
    expect(ruleForm({ name: 'x', triggers: [], actions: [] })).toMatchObject({ enabled: true, mode: 'single', conditions: [] });
  });
});

describe('problems from the hub', () => {
  it('reads the paths of a 400, and nothing from other failures', () => {
    const errors = [{ path: 'triggers[0].entityId', message: 'required' }];
    expect(ruleProblems(new ApiError(400, 'triggers[0].entityId: required', { statusCode: 400, message: ['x'], errors }))).toEqual(errors);
    expect(ruleProblems(new ApiError(400, 'Unexpected end of JSON input', { statusCode: 400, message: 'Unexpected end of JSON input' }))).toBeNull();
    expect(ruleProblems(new ApiError(403, 'Forbidden', { errors }))).toBeNull();
  });

  it('walks a path up to the rule', () => {
    const up = (path: string) => {
      const paths = [path];
      for (let at = parentPath(path); at !== undefined; at = parentPath(at)) paths.push(at);
      return paths;
    };
    expect(up('actions[1].then[0].command.on')).toEqual(['actions[1].then[0].command.on', 'actions[1].then[0].command', 'actions[1].then[0]', 'actions[1].then', 'actions[1]', 'actions', '']);
  });

  it('finds a path in JSON text, or the nearest parent that is there', () => {
    const text = JSON.stringify({ name: 'x', triggers: [{ type: 'state', to: 'on' }], actions: [] }, null, 2);
    const at = (path: string) => {
      const place = locate(text, path)!;
      return [text.slice(place.start, place.end), place.line];
    };
    expect(at('triggers[0].to')).toEqual(['"on"', 6]);
    expect(at('triggers[0].entityId')).toEqual([text.slice(text.indexOf('{\n      "type"'), text.indexOf('}') + 1), 4]);
    expect(at('')).toEqual([text, 1]);
    expect(locate('{"name": "x", "triggers": [{"type": ', 'triggers[0].type')).toMatchObject({ line: 1 });
  });
});
