import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeCommand, type EntityCommand } from './encode.js';
import type { EntityDefinition } from '../mapping/definition.js';
import * as esphome from '../fixtures/esphome.js';
import type { FixtureMessage } from '../fixtures/message.js';
import * as shelly from '../fixtures/shelly.js';
import * as tasmota from '../fixtures/tasmota.js';
import * as z2m from '../fixtures/zigbee2mqtt.js';
import { parseDiscovery } from '../mapping/ha-discovery.js';

function discovered({ topic, payload }: FixtureMessage, prefix?: string): EntityDefinition {
  const result = parseDiscovery(topic, payload, prefix);
  if (result.kind !== 'definitions') throw new Error(JSON.stringify(result));
  return result.definitions[0];
}

const config = (component: string, body: object): EntityDefinition =>
  discovered({ topic: `homeassistant/${component}/t/config`, payload: Buffer.from(JSON.stringify(body)) });

const msg = (topic: string, payload: string, qos: 0 | 1 = 0) => ({ topic, payload, retain: false, qos });

describe('switches', () => {
  it('publish the device’s own payloads, never retained', () => {
    const tasmotaSwitch = discovered(tasmota.trailerSwitch);
    expect(encodeCommand(tasmotaSwitch, { on: true })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_139827/POWER', 'ON')] });
    expect(encodeCommand(tasmotaSwitch, { on: false })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_139827/POWER', 'OFF')] });
    expect(encodeCommand(discovered(shelly.shellySwitch, 'garage_homeassistant'), { on: true })).toEqual({
      ok: true,
      messages: [msg('shellyplus1pm-441793a3c5f4/switch/cmd', 'on')],
    });
  });

  it('render a command_template with the payload as value', () => {
    const def = config('switch', { cmd_t: 'relay/set', cmd_tpl: '{"state": "{{ value | lower }}"}', qos: 1 });
    expect(encodeCommand(def, { on: true })).toEqual({ ok: true, messages: [msg('relay/set', '{"state": "on"}', 1)] });
  });

  it('refuse brightness', () => {
    expect(encodeCommand(discovered(z2m.wallSwitchLeft), { on: true, brightness: 10 })).toEqual({
      ok: false,
      reason: 'switch.wall_switch_double_left does not support brightness; it takes on',
    });
  });
});

describe('entities without commands', () => {
  it('say so', () => {
    expect(encodeCommand(discovered(tasmota.trailerEnergyPower), { on: true })).toEqual({ ok: false, reason: 'power_meter.trailer_power_energy_power has no command topic' });
    expect(encodeCommand(discovered(z2m.motionSensor), { on: false })).toEqual({ ok: false, reason: 'binary_sensor.motion has no command topic' });
  });
});

describe('default-schema lights', () => {
  const dimmer = discovered(tasmota.bunkieDimmer);

  it('send brightness alone, in the device’s scale, when on_command_type is brightness (Tasmota)', () => {
    expect(encodeCommand(dimmer, { on: true, brightness: 128 })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_CBA0E5/Dimmer', '50')] });
    expect(encodeCommand(dimmer, { brightness: 255 })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_CBA0E5/Dimmer', '100')] });
    expect(encodeCommand(dimmer, { on: true })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_CBA0E5/POWER', 'ON')] });
  });

  it('treat brightness 0 as off, like Home Assistant', () => {
    expect(encodeCommand(dimmer, { brightness: 0 })).toEqual({ ok: true, messages: [msg('cmnd/tasmota_CBA0E5/POWER', 'OFF')] });
  });

  const full = config('light', {
    cmd_t: 'l/set',
    bri_cmd_t: 'l/bri',
    bri_scl: 1000,
    clr_temp_cmd_t: 'l/ct',
    rgb_cmd_t: 'l/rgb',
    rgb_cmd_tpl: '#{{ red }}-{{ green }}-{{ blue }}',
    on_cmd_type: 'first',
  });

  it('send on first, then each feature on its topic', () => {
    expect(encodeCommand(full, { on: true, brightness: 51, colorTemp: 300, rgb: [255, 0, 10] })).toEqual({
      ok: true,
      messages: [msg('l/set', 'ON'), msg('l/bri', '200'), msg('l/ct', '300'), msg('l/rgb', '#255-0-10')],
    });
  });

  it('send features before on by default (on_command_type last)', () => {
    const last: EntityDefinition = { ...full, command: { ...full.command!, onCommandType: undefined } as EntityDefinition['command'] };
    expect(encodeCommand(last, { rgb: [1, 2, 3] })).toEqual({ ok: true, messages: [msg('l/rgb', '#1-2-3'), msg('l/set', 'ON')] });
  });

  it('send colour temperature in kelvin to kelvin devices', () => {
    const kelvin = config('light', { cmd_t: 'l/set', clr_temp_cmd_t: 'l/ct', clr_temp_k: true });
    expect(encodeCommand(kelvin, { colorTemp: 370 })).toEqual({ ok: true, messages: [msg('l/ct', '2703'), msg('l/set', 'ON')] });
  });

  it('name the missing feature', () => {
    expect(encodeCommand(dimmer, { rgb: [1, 2, 3] })).toEqual({ ok: false, reason: 'light.bunkie_upper does not support RGB colour' });
    expect(encodeCommand(dimmer, { colorTemp: 300 })).toEqual({ ok: false, reason: 'light.bunkie_upper does not support colour temperature' });
  });
});

describe('JSON lights', () => {
  it('Zigbee2MQTT: one JSON object with brightness in 0-254', () => {
    expect(encodeCommand(discovered(z2m.bulb), { on: true, brightness: 128, colorTemp: 370 })).toEqual({
      ok: true,
      messages: [msg('zigbee2mqtt/bulb/set', '{"state":"ON","brightness":127,"color_temp":370}')],
    });
    expect(encodeCommand(discovered(z2m.bulb), { on: false })).toEqual({ ok: true, messages: [msg('zigbee2mqtt/bulb/set', '{"state":"OFF"}')] });
  });

  it('Zigbee2MQTT group with xy colour', () => {
    expect(encodeCommand(discovered(z2m.groupLight), { rgb: [255, 0, 0] })).toEqual({
      ok: true,
      messages: [msg('zigbee2mqtt/ha_discovery_group/set', '{"state":"ON","color":{"x":0.701,"y":0.299}}')],
    });
  });

  it('ESPHome: RGB colour', () => {
    expect(encodeCommand(discovered(esphome.rgbLight), { on: true, rgb: [255, 64, 0], brightness: 200 })).toEqual({
      ok: true,
      messages: [msg('livingroom/light/ceiling_light/command', '{"state":"ON","brightness":200,"color":{"r":255,"g":64,"b":0}}')],
    });
  });

  it('hs colour for hs lights', () => {
    const hs = config('light', { schema: 'json', cmd_t: 'l/set', sup_clrm: ['hs'] });
    expect(encodeCommand(hs, { rgb: [0, 255, 0] })).toEqual({ ok: true, messages: [msg('l/set', '{"state":"ON","color":{"h":120,"s":100}}')] });
  });
});

describe('bad commands', () => {
  const bulb = discovered(z2m.bulb);
  const cases: [string, unknown, string][] = [
    ['an empty command', {}, 'sets nothing: give on, brightness, colorTemp or rgb'],
    ['off with brightness', { on: false, brightness: 3 }, 'on: false cannot go with brightness or colour'],
    ['brightness 0 with a colour', { brightness: 0, colorTemp: 300 }, 'brightness 0 turns the light off'],
    ['brightness above 255', { brightness: 300 }, 'brightness must be a whole number from 0 to 255'],
    ['fractional brightness', { brightness: 1.5 }, 'brightness must be a whole number'],
    ['on as text', { on: 'yes' }, 'on must be true or false'],
    ['a negative colour temperature', { colorTemp: -1 }, 'colorTemp must be a whole number of mireds from 50 to 1000'],
    ['two colour channels', { rgb: [1, 2] }, 'rgb must be [red, green, blue]'],
    ['a colour byte out of range', { rgb: [1, 2, 256] }, 'rgb must be [red, green, blue]'],
    ['not an object', null, 'a command must be an object'],
  ];
  for (const [what, command, reason] of cases) {
    it(what, () => {
      expect(encodeCommand(bulb, command as EntityCommand)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
    });
  }

  it('a command template failing at render time', () => {
    const def = config('switch', { cmd_t: 'c', cmd_tpl: '{{ value | float }}' });
    expect(encodeCommand(def, { on: true })).toEqual({ ok: false, reason: 'command template: float got invalid input "ON" and no default' });
  });
});
