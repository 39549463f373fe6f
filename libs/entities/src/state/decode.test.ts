import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { EntityDefinition } from '../mapping/definition.js';
import * as esphome from '../fixtures/esphome.js';
import * as docs from '../fixtures/home-assistant-docs.js';
import type { FixtureMessage } from '../fixtures/message.js';
import * as shelly from '../fixtures/shelly.js';
import * as tasmota from '../fixtures/tasmota.js';
import * as z2m from '../fixtures/zigbee2mqtt.js';
import { parseDiscovery } from '../mapping/ha-discovery.js';
import { decodeState } from './decode.js';

function discovered({ topic, payload }: FixtureMessage, prefix?: string): EntityDefinition {
  const result = parseDiscovery(topic, payload, prefix);
  if (result.kind !== 'definitions') throw new Error(JSON.stringify(result));
  return result.definitions[0];
}

const decode = (def: EntityDefinition, topic: string, payload: string, known?: ReadonlyMap<string, boolean>) =>
  decodeState(def, topic, Buffer.from(payload), known);

describe('switches and binary sensors', () => {
  const tasmotaSwitch = discovered(tasmota.trailerSwitch);

  it('reads Tasmota tele/STATE through the value template', () => {
    expect(decode(tasmotaSwitch, 'tele/tasmota_139827/STATE', tasmota.teleState)).toEqual({ ok: true, update: { state: 'off' }, ignored: [] });
    expect(decode(tasmotaSwitch, 'tele/tasmota_139827/STATE', '{"POWER":"ON"}')).toMatchObject({ update: { state: 'on' } });
  });

  it('reads the LWT as availability', () => {
    expect(decode(tasmotaSwitch, 'tele/tasmota_139827/LWT', 'Online')).toEqual({
      ok: true,
      update: { available: true, availabilityOf: { topic: 'tele/tasmota_139827/LWT', available: true } },
      ignored: [],
    });
    expect(decode(tasmotaSwitch, 'tele/tasmota_139827/LWT', 'Offline')).toMatchObject({ update: { available: false } });
  });

  it('ignores a state payload that is neither on nor off, saying why', () => {
    expect(decode(tasmotaSwitch, 'tele/tasmota_139827/STATE', '{"POWER":"TOGGLE"}')).toEqual({
      ok: false,
      reason: 'switch.trailer_power: state "TOGGLE" is neither "ON" nor "OFF"',
    });
  });

  it('uses the device’s own payloads (Shelly on/off)', () => {
    const def = discovered(shelly.shellySwitch, 'garage_homeassistant');
    expect(decode(def, 'shellyplus1pm-441793a3c5f4/switch/state', 'on')).toMatchObject({ update: { state: 'on' } });
    expect(decode(def, 'shellyplus1pm-441793a3c5f4/switch/state', 'ON')).toMatchObject({ ok: false });
  });

  it('matches JSON booleans against payload_on: true (Zigbee2MQTT motion)', () => {
    const def = discovered(z2m.motionSensor);
    expect(decode(def, 'zigbee2mqtt/hall_motion', '{"occupancy":true,"battery":100}')).toMatchObject({ update: { state: 'on' } });
    expect(decode(def, 'zigbee2mqtt/hall_motion', '{"occupancy":false}')).toMatchObject({ update: { state: 'off' } });
    expect(decode(def, 'zigbee2mqtt/bridge/state', 'online')).toMatchObject({ update: { available: true } });
  });

  it('reads a Zigbee2MQTT switch endpoint and its bridge availability', () => {
    const def = discovered(z2m.wallSwitchLeft);
    expect(decode(def, 'zigbee2mqtt/wall_switch_double', z2m.wallSwitchState)).toMatchObject({ update: { state: 'on' } });
    expect(decode(def, 'zigbee2mqtt/bridge/state', z2m.bridgeOnline)).toMatchObject({ update: { available: true } });
  });
});

describe('sensors and power meters', () => {
  it('gives numbers from Tasmota SENSOR telemetry', () => {
    expect(decode(discovered(tasmota.trailerEnergyPower), 'tele/tasmota_139827/SENSOR', tasmota.teleSensor)).toMatchObject({ update: { state: 5 } });
    expect(decode(discovered(tasmota.trailerEnergyTotal), 'tele/tasmota_139827/SENSOR', tasmota.teleSensor)).toMatchObject({ update: { state: 3.705 } });
  });

  it('keeps text for a unitless sensor', () => {
    expect(decode(discovered(tasmota.trailerEnergyTotalStartTime), 'tele/tasmota_139827/SENSOR', tasmota.teleSensor)).toMatchObject({
      update: { state: '2020-10-21T22:15:00' },
    });
  });

  it('refuses text for a sensor with a unit', () => {
    expect(decode(discovered(esphome.pressureVoltage), 'c3-debug/sensor/pressure_voltage/state', 'nan')).toEqual({
      ok: false,
      reason: 'sensor.c3_debug_7b55e0_pressure_voltage: expected a number, got "nan"',
    });
    expect(decode(discovered(esphome.pressureVoltage), 'c3-debug/sensor/pressure_voltage/state', '3.1')).toMatchObject({ update: { state: 3.1 } });
  });

  it('ignores a partial Zigbee2MQTT state that lacks the value', () => {
    const def = discovered(z2m.weatherTemperature);
    expect(decode(def, 'zigbee2mqtt/weather_sensor', z2m.weatherState)).toMatchObject({ update: { state: 23.2 } });
    expect(decode(def, 'zigbee2mqtt/weather_sensor', z2m.partialWeatherState)).toEqual({
      ok: false,
      reason: 'sensor.weather_sensor_temperature: no ["temperature"] in the object',
    });
  });

  it('two sensors share one state topic (HA docs device discovery)', () => {
    const result = parseDiscovery(docs.deviceDiscovery.topic, docs.deviceDiscovery.payload);
    if (result.kind !== 'definitions') throw new Error();
    const [temperature, humidity] = result.definitions;
    expect(decode(temperature, 'sensorBedroom/state', docs.bedroomState)).toMatchObject({ update: { state: 23.2 } });
    expect(decode(humidity, 'sensorBedroom/state', docs.bedroomState)).toMatchObject({ update: { state: 43.7 } });
  });

  it('merges a json_attributes_topic object (Tasmota status sensor reads RSSI from the same message)', () => {
    const def = discovered(tasmota.trailerStatus);
    const hassState = '{"Version":"9.5.0(tasmota)","BuildDateTime":"2021-06-17T08:06:21","Module or Template":"Tuya MCU","RestartReason":"Software/System restart","Uptime":"0T00:00:08","Hostname":"tasmota_139827","IPAddress":"192.168.1.49","RSSI":"74","Signal (dBm)":"-63","WiFi LinkCount":1,"WiFi Downtime":"0T00:00:03","MqttCount":1,"LoadAvg":19}';
    const result = decode(def, 'tele/tasmota_139827/HASS_STATE', hassState);
    expect(result).toMatchObject({ ok: true, update: { state: 74, attributes: { Hostname: 'tasmota_139827', RSSI: '74', LoadAvg: 19 } } });
  });

  it('does not let a __proto__ attribute replace the prototype', () => {
    const def = discovered(tasmota.kitchenStatus);
    const result = decode(def, 'kitchen_left_lighting/tele/HASS_STATE', '{"RSSI":50,"__proto__":{"polluted":true}}');
    expect(result).toMatchObject({ ok: true, update: { state: 50, attributes: { RSSI: 50 } } });
    expect(result.ok && Object.getPrototypeOf(result.update.attributes)).toBe(Object.prototype);
  });

  it('reports a JSON-attributes payload that is not an object', () => {
    const def = discovered(tasmota.trailerStatus);
    expect(decode(def, 'tele/tasmota_139827/HASS_STATE', '[1,2]')).toEqual({
      ok: false,
      reason: 'sensor.trailer_power_status: no ["RSSI"] in a list; JSON attributes: the payload is not a JSON object',
    });
  });
});

describe('lights', () => {
  it('rescales a Tasmota dimmer’s brightness from 0-100 to 0-255', () => {
    const def = discovered(tasmota.bunkieDimmer);
    expect(decode(def, 'tele/tasmota_CBA0E5/STATE', '{"POWER":"ON","Dimmer":40}')).toEqual({
      ok: true,
      update: { state: 'on', attributes: { brightness: 102 } },
      ignored: [],
    });
  });

  it('rescales a read-only brightness too', () => {
    const def = discovered({ topic: 'homeassistant/light/ro/config', payload: Buffer.from('{"cmd_t":"l/set","bri_stat_t":"l/bri","bri_scl":100}') });
    expect(def.supports.brightness).toBeUndefined();
    expect(decode(def, 'l/bri', '50')).toMatchObject({ update: { attributes: { brightness: 128 } } });
  });

  it('reads a Zigbee2MQTT JSON state with brightness 0-254 and colour temperature', () => {
    expect(decode(discovered(z2m.bulb), 'zigbee2mqtt/bulb', z2m.bulbState)).toEqual({
      ok: true,
      update: { state: 'on', attributes: { brightness: 255, colorTemp: 370 } },
      ignored: [],
    });
  });

  it('converts an xy colour to RGB', () => {
    expect(decode(discovered(z2m.groupLight), 'zigbee2mqtt/ha_discovery_group', z2m.groupXyState)).toMatchObject({
      update: { state: 'on', attributes: { brightness: 128, rgb: [255, 0, 0] } },
    });
  });

  it('reads ESPHome’s JSON light state', () => {
    expect(decode(discovered(esphome.rgbLight), 'livingroom/light/ceiling_light/state', esphome.rgbLightState)).toMatchObject({
      update: { state: 'on', attributes: { brightness: 128, rgb: [255, 64, 0] } },
    });
    expect(decode(discovered(esphome.rgbLight), 'livingroom/light/ceiling_light/state', '{"color_mode":"onoff","state":"OFF","color":{}}')).toEqual({
      ok: true,
      update: { state: 'off' },
      ignored: [],
    });
  });

  it('reads kelvin colour temperatures as mireds', () => {
    const def = discovered({ topic: 'homeassistant/light/k/config', payload: Buffer.from('{"schema":"json","cmd_t":"k/set","stat_t":"k","sup_clrm":["color_temp"],"clr_temp_k":true}') });
    expect(decode(def, 'k', '{"state":"ON","color_temp":2700}')).toMatchObject({ update: { attributes: { colorTemp: 370 } } });
  });

  it('reads default-schema RGB and colour temperature topics', () => {
    const def = discovered({
      topic: 'homeassistant/light/rgb/config',
      payload: Buffer.from(JSON.stringify({ cmd_t: 'l/set', rgb_cmd_t: 'l/rgb/set', rgb_stat_t: 'l/rgb', clr_temp_cmd_t: 'l/ct/set', clr_temp_stat_t: 'l/ct' })),
    });
    expect(decode(def, 'l/rgb', '255,128,0')).toMatchObject({ update: { attributes: { rgb: [255, 128, 0] } } });
    expect(decode(def, 'l/ct', '250')).toMatchObject({ update: { attributes: { colorTemp: 250 } } });
    expect(decode(def, 'l/rgb', '255,128')).toEqual({ ok: false, reason: 'light.mqtt_light: rgb: expected a r,g,b colour, got "255,128"' });
  });

  it('ignores a JSON state that says nothing about the light', () => {
    expect(decode(discovered(z2m.bulb), 'zigbee2mqtt/bulb', '{"linkquality":30}')).toEqual({ ok: false, reason: 'light.bulb: no light state in the JSON object' });
    expect(decode(discovered(z2m.bulb), 'zigbee2mqtt/bulb', 'ON')).toEqual({ ok: false, reason: 'light.bulb: the light state is not JSON' });
  });
});

describe('availability modes', () => {
  const def = discovered({
    topic: 'homeassistant/switch/m/config',
    payload: Buffer.from(JSON.stringify({ cmd_t: 'c', avty_mode: 'all', avty: [{ t: 'bridge/state' }, { t: 'dev/availability' }] })),
  });
  const anyDef: EntityDefinition = { ...def, availability: { ...def.availability!, mode: 'any' } };

  it('all: available only when every topic said so', () => {
    expect(decode(def, 'bridge/state', 'online')).toMatchObject({ update: { available: false, availabilityOf: { topic: 'bridge/state', available: true } } });
    expect(decode(def, 'bridge/state', 'online', new Map([['dev/availability', true]]))).toMatchObject({ update: { available: true } });
  });

  it('any: available when one topic says so', () => {
    expect(decode(anyDef, 'bridge/state', 'offline', new Map([['dev/availability', true]]))).toMatchObject({ update: { available: true } });
    expect(decode(anyDef, 'bridge/state', 'offline')).toMatchObject({ update: { available: false } });
  });

  it('ignores an unknown availability payload', () => {
    expect(decode(def, 'bridge/state', 'maybe')).toEqual({ ok: false, reason: 'switch.mqtt_switch: availability payload "maybe" is neither "online" nor "offline"' });
  });
});

describe('topics', () => {
  it('says when a topic is not the definition’s', () => {
    expect(decode(discovered(tasmota.trailerSwitch), 'tele/other/STATE', '{}')).toEqual({ ok: false, reason: 'switch.trailer_power does not use topic tele/other/STATE' });
  });

  it('decodes every source on a shared topic and reports the parts it could not use', () => {
    const def: EntityDefinition = {
      ...discovered(tasmota.bunkieDimmer),
      availability: { mode: 'latest', topics: [{ topic: 'tele/tasmota_CBA0E5/STATE', payloadAvailable: 'x', payloadNotAvailable: 'y', value: { kind: 'jsonPath', path: 'Avail' } }] },
    };
    expect(decode(def, 'tele/tasmota_CBA0E5/STATE', '{"POWER":"ON"}')).toEqual({
      ok: true,
      update: { state: 'on' },
      ignored: ['brightness: no .Dimmer in the object', 'availability: no Avail in the payload'],
    });
  });

  it('matches wildcard state topics', () => {
    const def: EntityDefinition = { ...discovered(esphome.pressureVoltage), state: { topic: 'c3-debug/sensor/+/state', value: { kind: 'raw' } } };
    expect(decode(def, 'c3-debug/sensor/pressure_voltage/state', '2.5')).toMatchObject({ update: { state: 2.5 } });
  });
});
