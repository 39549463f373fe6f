import type { RuleDefinition } from '@hearth/api-types';
import { describe, expect, it } from 'vitest';
import { actionText, conditionText, durationText, ruleState, ruleSummary, triggerText } from './summary.js';

type Parts = Pick<RuleDefinition, 'triggers' | 'conditions' | 'actions'>;

describe('ruleSummary', () => {
  it('says the whole rule in one sentence', () => {
    const rule: Parts = {
      triggers: [{ type: 'state', entityId: 'binary_sensor.hall_motion', to: 'on' }],
      conditions: [{ type: 'sun', after: 'sunset' }],
      actions: [{ type: 'command', entityId: 'light.hall', command: { on: true } }],
    };
    expect(ruleSummary(rule)).toBe('When binary_sensor.hall_motion turns on, if after sunset: turn on light.hall');
  });

  it('uses the names the page knows, and leaves out "if" without conditions', () => {
    const names: Record<string, string> = { 'binary_sensor.door': 'Front door', 'light.porch': 'Porch light' };
    const rule: Parts = {
      triggers: [{ type: 'state', entityId: 'binary_sensor.door', to: 'on' }, { type: 'sun', event: 'sunset', offset: '-30m' }],
      conditions: [],
      actions: [
        { type: 'command', entityId: 'light.porch', command: { on: true, brightness: 128 } },
        { type: 'delay', duration: '1h30m' },
        { type: 'command', entityId: 'light.porch', command: { on: false } },
      ],
    };
    expect(ruleSummary(rule, (id) => names[id] ?? id)).toBe(
      'When Front door turns on or 30 min before sunset: turn on Porch light at 50 %, wait 1 h 30 min, turn off Porch light',
    );
  });
});

describe('triggerText', () => {
  it.each([
    [{ type: 'state', entityId: 'sensor.t' }, 'when sensor.t changes'],
    [{ type: 'state', entityId: 'lock.door', to: 'open' }, 'when lock.door changes to "open"'],
    [{ type: 'state', entityId: 'lock.door', from: 'open', to: ['closed', 'locked'], for: '5m' }, 'when lock.door changes from "open" to "closed" or "locked" for 5 min'],
    [{ type: 'state', entityId: 'switch.a', to: 'off', for: '90s' }, 'when switch.a turns off for 90 s'],
    [{ type: 'threshold', entityId: 'sensor.t', above: 25 }, 'when sensor.t rises above 25'],
    [{ type: 'threshold', entityId: 'sensor.t', below: 10, for: '2h' }, 'when sensor.t drops below 10 for 2 h'],
    [{ type: 'threshold', entityId: 'light.desk', attribute: 'brightness', above: 10, below: 50 }, 'when the brightness of light.desk goes between 10 and 50'],
    [{ type: 'mqtt', topic: 'zigbee2mqtt/button/action' }, 'when a message arrives on zigbee2mqtt/button/action'],
    [{ type: 'mqtt', topic: 'doorbell', payload: 'ring' }, 'when a message arrives on doorbell saying "ring"'],
    [{ type: 'time', at: '07:30' }, 'every day at 07:30'],
    [{ type: 'time', at: '07:30', weekdays: ['fri', 'mon', 'tue', 'wed', 'thu'] }, 'at 07:30 on weekdays'],
    [{ type: 'time', at: '09:00', weekdays: ['sun', 'sat'] }, 'at 09:00 at weekends'],
    [{ type: 'time', at: '18:00', weekdays: ['wed', 'mon'] }, 'at 18:00 on Mon, Wed'],
    [{ type: 'time', cron: '*/5 * * * *' }, 'on the schedule "*/5 * * * *"'],
    [{ type: 'sun', event: 'sunrise' }, 'at sunrise'],
    [{ type: 'sun', event: 'sunset', offset: '+1h' }, '1 h after sunset'],
    [{ type: 'offline', deviceId: 'A4CF12' }, 'when device A4CF12 goes offline'],
    [{ type: 'offline', entityId: 'sensor.bed1', for: '10m' }, 'when sensor.bed1 becomes unavailable for 10 min'],
  ] as const)('%j → %s', (trigger, text) => {
    expect(triggerText(trigger as never)).toBe(text);
  });
});

describe('conditionText', () => {
  it.each([
    [{ type: 'state', entityId: 'switch.tv', equals: 'on' }, 'switch.tv is on'],
    [{ type: 'state', entityId: 'sensor.mode', in: ['away', 'night'] }, 'sensor.mode is "away" or "night"'],
    [{ type: 'numeric', entityId: 'sensor.lux', below: 30 }, 'sensor.lux is below 30'],
    [{ type: 'time', after: '22:00', before: '06:00' }, 'between 22:00 and 06:00'],
    [{ type: 'time', weekdays: ['sat', 'sun'] }, 'at weekends'],
    [{ type: 'sun', after: 'sunset', afterOffset: '-30m', before: 'sunrise' }, 'after 30 min before sunset and before sunrise'],
    [{ type: 'not', conditions: [{ type: 'state', entityId: 'switch.tv', equals: 'on' }] }, 'not (switch.tv is on)'],
    [{ type: 'or', conditions: [{ type: 'time', after: '22:00' }, { type: 'time', before: '06:00' }] }, '(after 22:00 or before 06:00)'],
  ] as const)('%j → %s', (condition, text) => {
    expect(conditionText(condition as never)).toBe(text);
  });
});

describe('actionText', () => {
  it.each([
    [{ type: 'command', entityId: 'light.a', command: { brightness: 255, colorTemp: 370 } }, 'set light.a to 100 %, 2700 K'],
    [{ type: 'command', entityId: 'light.a', command: { on: true, rgb: [255, 0, 0] } }, 'turn on light.a at #ff0000'],
    [{ type: 'command', entityId: 'valve.bed', command: { open: true } }, 'open valve.bed'],
    [{ type: 'command', entityId: 'cover.blind', command: { position: 30 } }, 'set cover.blind to 30 % open'],
    [{ type: 'command', entityId: 'lock.door', command: { locked: false } }, 'unlock lock.door'],
    [{ type: 'command', entityId: 'cover.blind', command: { stop: true } }, 'stop cover.blind'],
    [{ type: 'command', entityId: 'lock.door', command: { locked: true } }, 'lock lock.door'],
    [{ type: 'command', entityId: 'climate.hall', command: { targetTemperature: 21.5, hvacMode: 'heat' } }, 'set climate.hall to 21.5°, heat'],
    [{ type: 'command', entityId: 'climate.hall', command: { hvacMode: 'off' } }, 'set climate.hall to off'],
    [{ type: 'command', entityId: 'fan.ceiling', command: { on: true, percentage: 40 } }, 'turn on fan.ceiling at 40 % speed'],
    [{ type: 'command', entityId: 'fan.ceiling', command: { percentage: 40, preset: 'breeze' } }, 'set fan.ceiling to 40 % speed, preset breeze'],
    [{ type: 'command', entityId: 'fan.ceiling', command: { on: false } }, 'turn off fan.ceiling'],
    [{ type: 'command', entityId: 'number.volume', command: { value: 4 } }, 'set number.volume to 4'],
    [{ type: 'command', entityId: 'select.scene', command: { value: 'party' } }, 'set select.scene to party'],
    [{ type: 'command', entityId: 'button.bell', command: { press: true } }, 'press button.bell'],
    [{ type: 'command', entityId: 'valve.bed', command: { open: false, position: 20 } }, 'close valve.bed, set valve.bed to 20 % open'],
    [{ type: 'publish', topic: 'house/mode', payload: 'night', qos: 0, retain: true }, 'publish "night" to house/mode'],
    [{ type: 'publish', topic: 'house/ping', payload: '', qos: 0, retain: false }, 'publish to house/ping'],
    [{ type: 'notify', title: 'Garden', message: 'Water the beds' }, 'notify "Garden: Water the beds"'],
    [{ type: 'log', message: 'x'.repeat(50), level: 'info' }, `log "${'x'.repeat(39)}…"`],
    [
      { type: 'if', conditions: [{ type: 'state', entityId: 'switch.tv', equals: 'on' }], then: [{ type: 'delay', duration: '2d' }], else: [{ type: 'delay', duration: '10s' }] },
      '(if switch.tv is on: wait 2 d; otherwise wait 10 s)',
    ],
  ] as const)('%j → %s', (action, text) => {
    expect(actionText(action as never)).toBe(text);
  });
});

describe('commands in words, with the names and units the page knows', () => {
  const names: Record<string, string> = { 'valve.garden': 'Garden valve', 'climate.living': 'Thermostat', 'number.timer': 'Sprinkler timer' };
  const units: Record<string, string> = { 'climate.living': '°C', 'number.timer': 'min' };
  const say = (entityId: string, command: object) => actionText({ type: 'command', entityId, command } as never, (id) => names[id] ?? id, (id) => units[id] ?? null);

  it('says what each kind is told to do', () => {
    expect(say('valve.garden', { open: true })).toBe('open Garden valve');
    expect(say('climate.living', { targetTemperature: 21, hvacMode: 'heat' })).toBe('set Thermostat to 21 °C, heat');
    expect(say('number.timer', { value: 15 })).toBe('set Sprinkler timer to 15 min');
  });

  it('says it in the summary too', () => {
    const rule: Parts = {
      triggers: [{ type: 'time', at: '06:00' }],
      conditions: [],
      actions: [
        { type: 'command', entityId: 'valve.garden', command: { open: true } },
        { type: 'delay', duration: '15m' },
        { type: 'command', entityId: 'valve.garden', command: { open: false } },
        { type: 'command', entityId: 'climate.living', command: { targetTemperature: 19.5 } },
      ],
    };
    expect(ruleSummary(rule, (id) => names[id] ?? id, (id) => units[id] ?? null)).toBe(
      'Every day at 06:00: open Garden valve, wait 15 min, close Garden valve, set Thermostat to 19.5 °C',
    );
  });
});

describe('durationText and ruleState', () => {
  it('spells durations out and leaves the sign to the caller', () => {
    expect(['5m', '-30m', '1h30m', '2d', '45s', 'soon'].map(durationText)).toEqual(['5 min', '30 min', '1 h 30 min', '2 d', '45 s', 'soon']);
  });

  it('puts a stopped rule before a running one, and a running one before on/off', () => {
    expect(ruleState({ status: 'stopped', running: 1, waitingFor: [] })).toEqual({ text: 'Stopped', tone: 'bad' });
    expect(ruleState({ status: 'disabled', running: 1, waitingFor: [] })).toEqual({ text: 'Running', tone: 'on' });
    expect(ruleState({ status: 'active', running: 3, waitingFor: [] }).text).toBe('Running ×3');
    expect(ruleState({ status: 'active', running: 0, waitingFor: [] })).toEqual({ text: 'Active', tone: 'ok' });
    expect(ruleState({ status: 'disabled', running: 0, waitingFor: [] })).toEqual({ text: 'Off', tone: 'muted' });
    expect(ruleState({ status: 'active', running: 0, waitingFor: ['sensor.x'] })).toEqual({ text: 'Waiting for sensor.x', tone: 'muted' });
    expect(ruleState({ status: 'active', running: 0, waitingFor: ['sensor.x', 'light.y', 'porch-node'] }).text).toBe('Waiting for sensor.x and 2 more');
    expect(ruleState({ status: 'disabled', running: 0, waitingFor: ['sensor.x'] }).text).toBe('Off');
  });
});
