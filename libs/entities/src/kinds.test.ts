import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { commandProblems } from './commands/check.js';
import { encodeCommand, type EntityCommand } from './commands/encode.js';
import * as docs from './fixtures/home-assistant-docs.js';
import type { FixtureMessage } from './fixtures/message.js';
import { supportedFeatures, type EntityDefinition } from './mapping/definition.js';
import { parseDiscovery } from './mapping/ha-discovery.js';
import { decodeState } from './state/decode.js';

// Per kind beyond lights and switches: discovery config -> definition, payload -> state, command -> payload.

function discovered({ topic, payload }: FixtureMessage): EntityDefinition {
  const result = parseDiscovery(topic, payload);
  if (result.kind !== 'definitions') throw new Error(`${topic}: ${JSON.stringify(result)}`);
  return result.definitions[0];
}

const state = (def: EntityDefinition, topic: string, payload: string) => {
  const result = decodeState(def, topic, Buffer.from(payload));
  return result.ok ? result.update : result.reason;
};

const sent = (def: EntityDefinition, command: EntityCommand) => {
  const result = encodeCommand(def, command);
  return result.ok ? result.messages.map((m) => [m.topic, m.payload]) : result.reason;
};

describe('climate', () => {
  const def = discovered(docs.climate);

  it('is the device itself (name: null), placed by suggested_area, with its range and modes', () => {
    expect(def).toMatchObject({ kind: 'climate', name: 'Hallway', objectId: 'hallway', unit: '°C', device: { area: 'Hall' } });
    expect(supportedFeatures(def)).toEqual(['targetTemperature', 'hvacMode']);
    expect(def.controls).toMatchObject({ targetTemperature: { min: 15, max: 25, step: 0.5 }, hvacMode: { options: ['off', 'heat'] } });
  });

  it('reports its mode as state, current and target temperature as attributes', () => {
    expect(state(def, 'hallway/hvac/mode', 'heat')).toEqual({ state: 'heat' });
    expect(state(def, 'hallway/hvac/temperature', '19.4')).toEqual({ attributes: { currentTemperature: 19.4 } });
    expect(state(def, 'hallway/hvac/target', '21')).toEqual({ attributes: { targetTemperature: 21 } });
  });

  it('sets the target within its range and a mode among its modes', () => {
    expect(sent(def, { targetTemperature: 21.5 })).toEqual([['hallway/hvac/target/set', '21.5']]);
    expect(sent(def, { hvacMode: 'off', targetTemperature: 16 })).toEqual([['hallway/hvac/mode/set', 'off'], ['hallway/hvac/target/set', '16']]);
    expect(sent(def, { targetTemperature: 30 })).toBe('targetTemperature must be from 15 to 25');
    expect(sent(def, { hvacMode: 'cool' })).toBe('hvacMode must be one of off, heat');
    expect(sent(def, { on: true })).toBe('climate.hallway does not support on; it takes targetTemperature or hvacMode');
  });
});

describe('cover', () => {
  const def = discovered(docs.cover);

  it('opens, closes, stops and takes a position', () => {
    expect(def).toMatchObject({ kind: 'cover', name: 'Hallway Blind' });
    expect(supportedFeatures(def)).toEqual(['open', 'stop', 'position']);
    expect(sent(def, { open: true })).toEqual([['hallway/blind/set', 'OPEN']]);
    expect(sent(def, { open: false })).toEqual([['hallway/blind/set', 'CLOSE']]);
    expect(sent(def, { stop: true })).toEqual([['hallway/blind/set', 'STOP']]);
    expect(sent(def, { position: 40 })).toEqual([['hallway/blind/position/set', '40']]);
  });

  it('reports named states and its position', () => {
    expect(state(def, 'hallway/blind/state', 'closed')).toEqual({ state: 'closed' });
    expect(state(def, 'hallway/blind/position', '40')).toEqual({ attributes: { position: 40 } });
    expect(state(def, 'hallway/blind/state', 'ajar')).toBe('cover.hallway_blind: state "ajar" is none of "open", "opening", "closed", "closing", "stopped"');
  });
});

describe('fan', () => {
  const def = discovered(docs.fan);

  it('switches with its own payloads, sets a speed in its range and a preset', () => {
    expect(supportedFeatures(def)).toEqual(['on', 'percentage', 'preset']);
    expect(sent(def, { on: true })).toEqual([['hallway/fan/on/set', 'true']]);
    expect(sent(def, { percentage: 50 })).toEqual([['hallway/fan/speed/set', '6']]);
    expect(sent(def, { percentage: 0 })).toEqual([['hallway/fan/on/set', 'false']]);
    expect(sent(def, { preset: 'whoosh' })).toEqual([['hallway/fan/preset/set', 'whoosh']]);
    expect(sent(def, { preset: 'gale' })).toBe('preset must be one of auto, smart, whoosh');
  });

  it('reports on/off, speed as a percentage and the preset', () => {
    expect(state(def, 'hallway/fan/on/state', 'false')).toEqual({ state: 'off' });
    expect(state(def, 'hallway/fan/speed/state', '10')).toEqual({ attributes: { percentage: 100 } });
    expect(state(def, 'hallway/fan/preset/state', 'smart')).toEqual({ attributes: { preset: 'smart' } });
  });
});

describe('lock', () => {
  const def = discovered(docs.lock);

  it('locks and unlocks with its payloads and reports its state by name', () => {
    expect(supportedFeatures(def)).toEqual(['locked']);
    expect(sent(def, { locked: true })).toEqual([['hallway/door/set', 'LOCK']]);
    expect(sent(def, { locked: false })).toEqual([['hallway/door/set', 'UNLOCK']]);
    expect(state(def, 'hallway/door/state', 'LOCK')).toEqual({ state: 'locked' });
    expect(state(def, 'hallway/door/state', 'UNLOCK')).toEqual({ state: 'unlocked' });
    expect(state(def, 'hallway/door/state', 'JAMMED')).toEqual({ state: 'jammed' });
  });
});

describe('valve', () => {
  it('opens, closes and stops, and reports open/closed', () => {
    const def = discovered(docs.valve);
    expect(def).toMatchObject({ kind: 'valve', name: 'Garden Tap', device: { area: 'Garden' } });
    expect(supportedFeatures(def)).toEqual(['open', 'stop']);
    expect(sent(def, { open: true })).toEqual([['garden/tap/set', 'OPEN']]);
    expect(sent(def, { stop: true })).toEqual([['garden/tap/set', 'STOP']]);
    expect(sent(def, { position: 50 })).toBe('valve.garden_tap does not support position');
    expect(state(def, 'garden/tap/state', 'open')).toEqual({ state: 'open' });
  });

  it('one reporting its position is sent positions in its own range and is open above 0 %', () => {
    const def = discovered(docs.positionValve);
    expect(supportedFeatures(def)).toEqual(['open', 'position']);
    expect(sent(def, { open: true })).toEqual([['garden/mixer/set', '255']]);
    expect(sent(def, { position: 50 })).toEqual([['garden/mixer/set', '128']]);
    expect(state(def, 'garden/mixer/state', '51')).toEqual({ state: 'open', attributes: { position: 20 } });
    expect(state(def, 'garden/mixer/state', '0')).toEqual({ state: 'closed', attributes: { position: 0 } });
  });
});

describe('number', () => {
  const def = discovered(docs.number);

  it('sends a value within min/max through its command template and reports a numeric state', () => {
    expect(def).toMatchObject({ kind: 'number', controls: { value: { min: 0, max: 10, step: 1 } } });
    expect(sent(def, { value: 7 })).toEqual([['hallway/volume/set', '{"volume": 7}']]);
    expect(sent(def, { value: 11 })).toBe('value must be from 0 to 10');
    expect(sent(def, { value: 'loud' })).toBe('value must be a number');
    expect(state(def, 'hallway/volume', '7')).toEqual({ state: 7 });
    expect(state(def, 'hallway/volume', 'loud')).toBe('number.hallway_chime_volume: expected a number, got "loud"');
  });
});

describe('select', () => {
  const def = discovered(docs.select);

  it('sends one of its options and reports the current one', () => {
    expect(sent(def, { value: 'night' })).toEqual([['hallway/scene/set', 'night']]);
    expect(sent(def, { value: 'party' })).toBe('value must be one of day, night, away');
    expect(state(def, 'hallway/scene', 'away')).toEqual({ state: 'away' });
  });
});

describe('button', () => {
  const def = discovered(docs.button);

  it('is pressed with its payload and has no state', () => {
    expect(def).toMatchObject({ kind: 'button', name: 'Hallway Restart', entityCategory: 'config' });
    expect(def.state).toBeUndefined();
    expect(sent(def, { press: true })).toEqual([['hallway/restart', 'restart']]);
    expect(sent(def, { on: true })).toBe('button.hallway_restart does not support on; it takes press');
  });
});

describe('commandProblems', () => {
  it('names the features a kind takes, and wrong values', () => {
    expect(commandProblems({ on: true }, 'valve')).toEqual([{ feature: 'on', message: 'a valve takes open, stop or position, not on', unsupported: true }]);
    expect(commandProblems({ position: 120 }, 'cover')).toEqual([{ feature: 'position', message: 'must be a number from 0 (closed) to 100 (open)' }]);
    expect(commandProblems({ sparkle: true }, 'light')).toEqual([{ feature: 'sparkle', message: 'is not a command; give on, brightness, colorTemp or rgb' }]);
    expect(commandProblems({}, 'button')).toEqual([{ message: 'sets nothing: give press' }]);
    expect(commandProblems({ press: true }, undefined)).toEqual([]);
  });
});

describe('naming', () => {
  it('does not repeat a device name that already ends with the entity name', () => {
    const result = parseDiscovery('homeassistant/binary_sensor/hall/motion/config', Buffer.from(JSON.stringify({ stat_t: 'm', dev_cla: 'motion', dev: { ids: 'm1', name: 'Hallway motion' } })));
    expect(result).toMatchObject({ definitions: [{ name: 'Hallway motion', objectId: 'hallway_motion' }] });
    const lower = parseDiscovery('homeassistant/binary_sensor/hall/motion/config', Buffer.from(JSON.stringify({ name: 'hallway motion occupancy', stat_t: 'm', dev: { ids: 'm1', name: 'Hallway motion' } })));
    expect(lower).toMatchObject({ definitions: [{ name: 'hallway motion occupancy' }] });
    const unnamed = parseDiscovery('homeassistant/switch/desk/config', Buffer.from(JSON.stringify({ cmd_t: 'c', dev: { ids: 'd1', name: 'Desk lamp' } })));
    expect(unnamed).toMatchObject({ definitions: [{ name: 'Desk lamp' }] });
  });
});
