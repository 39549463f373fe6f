import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { EntityDefinition } from './definition.js';
import * as esphome from '../fixtures/esphome.js';
import * as docs from '../fixtures/home-assistant-docs.js';
import type { FixtureMessage } from '../fixtures/message.js';
import * as shelly from '../fixtures/shelly.js';
import * as tasmota from '../fixtures/tasmota.js';
import * as z2m from '../fixtures/zigbee2mqtt.js';
import { expandAbbreviations, parseDiscovery, type DiscoveryResult } from './ha-discovery.js';

/** The single definition a config produces (fails the test otherwise). */
function definitionOf({ topic, payload }: FixtureMessage, prefix?: string): EntityDefinition {
  const result = parseDiscovery(topic, payload, prefix);
  if (result.kind !== 'definitions' || result.definitions.length !== 1) throw new Error(`expected one definition, got ${JSON.stringify(result)}`);
  return result.definitions[0];
}

function parse(topic: string, payload: string | object): DiscoveryResult {
  return parseDiscovery(topic, Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));
}

const tasmotaLwt = { mode: 'latest', topics: [{ topic: 'tele/tasmota_139827/LWT', payloadAvailable: 'Online', payloadNotAvailable: 'Offline', value: { kind: 'raw' } }] };

describe('Tasmota (HA discovery era, SetOption19)', () => {
  it('a relay becomes a switch with Tasmota payloads and LWT availability', () => {
    expect(definitionOf(tasmota.trailerSwitch)).toEqual({
      uniqueId: '139827_RL_1',
      kind: 'switch',
      objectId: 'trailer_power',
      name: 'Trailer Power',
      device: { id: '139827', name: '139827', transport: 'mqtt' },
      attributes: [],
      availability: tasmotaLwt,
      supports: {},
      source: 'discovery',
      origin: 'homeassistant/switch/139827_RL_1/config',
      state: { topic: 'tele/tasmota_139827/STATE', value: { kind: 'template', template: '{{value_json.POWER}}' }, payloadOn: 'ON', payloadOff: 'OFF' },
      command: { format: 'plain', topic: 'cmnd/tasmota_139827/POWER', payloadOn: 'ON', payloadOff: 'OFF' },
    });
  });

  it('ENERGY.Power with device class power and W becomes a power meter', () => {
    expect(definitionOf(tasmota.trailerEnergyPower)).toMatchObject({
      kind: 'power_meter',
      deviceClass: 'power',
      unit: 'W',
      state: { topic: 'tele/tasmota_139827/SENSOR', value: { kind: 'template', template: "{{value_json['ENERGY']['Power']}}" } },
    });
  });

  it('a kWh total mislabelled as power, and reactive power in VAr, stay plain sensors', () => {
    expect(definitionOf(tasmota.trailerEnergyTotal)).toMatchObject({ kind: 'sensor', deviceClass: 'power', unit: 'kWh' });
    expect(definitionOf(tasmota.trailerEnergyReactivePower)).toMatchObject({ kind: 'sensor', unit: 'VAr' });
    expect(definitionOf(tasmota.trailerEnergyCurrent)).toMatchObject({ kind: 'sensor', unit: 'A', deviceClass: undefined });
  });

  it('a blank unit is no unit', () => {
    expect(definitionOf(tasmota.trailerEnergyTotalStartTime).unit).toBeUndefined();
  });

  it('the status sensor carries the device block and JSON attributes', () => {
    expect(definitionOf(tasmota.trailerStatus)).toMatchObject({
      name: 'Trailer Power status',
      objectId: 'trailer_power_status',
      device: { id: '139827', name: 'Trailer Power', manufacturer: 'Tasmota', model: 'Tuya MCU', swVersion: '9.5.0(tasmota)', transport: 'mqtt' },
      jsonAttributesTopic: 'tele/tasmota_139827/HASS_STATE',
      unit: '%',
    });
  });

  it('a dimmer gets brightness in its own scale, sent alone to switch on', () => {
    expect(definitionOf(tasmota.bunkieDimmer)).toMatchObject({
      kind: 'light',
      state: { topic: 'tele/tasmota_CBA0E5/STATE', value: { kind: 'template', template: '{{value_json.POWER}}' }, payloadOn: 'ON', payloadOff: 'OFF' },
      attributes: [{ name: 'brightness', topic: 'tele/tasmota_CBA0E5/STATE', value: { kind: 'template', template: '{{value_json.Dimmer}}' } }],
      command: { format: 'plain', topic: 'cmnd/tasmota_CBA0E5/POWER', brightnessTopic: 'cmnd/tasmota_CBA0E5/Dimmer', onCommandType: 'brightness' },
      brightnessScale: 100,
      supports: { brightness: true },
    });
  });

  it('the iFan03 fan-as-light reads state_value_template and ignores its {% if %} value_template', () => {
    expect(definitionOf(tasmota.ifanFanAsLight)).toMatchObject({
      kind: 'light',
      state: { value: { kind: 'template', template: '{{value_json.POWER2}}' }, payloadOn: '1', payloadOff: '0' },
      supports: {},
    });
  });

  it('expands the ~ base topic at the start of topics', () => {
    expect(definitionOf(tasmota.kitchenRelay)).toMatchObject({
      state: { topic: 'kitchen_left_lighting/tele/STATE' },
      command: { topic: 'kitchen_left_lighting/cmnd/POWER' },
      availability: { topics: [{ topic: 'kitchen_left_lighting/tele/LWT' }] },
      device: { id: 'ABBD20' },
    });
    expect(definitionOf(tasmota.kitchenStatus)).toMatchObject({ state: { topic: 'kitchen_left_lighting/tele/HASS_STATE' }, jsonAttributesTopic: 'kitchen_left_lighting/tele/HASS_STATE' });
  });

  it('a button with off_delay keeps its TOGGLE payload', () => {
    expect(definitionOf(tasmota.kitchenButton)).toMatchObject({
      kind: 'binary_sensor',
      state: { topic: 'kitchen_left_lighting/stat/BUTTON1', payloadOn: 'TOGGLE', payloadOff: 'OFF' },
      offDelaySeconds: 1,
    });
  });

  it('an empty retained config removes what came from that topic', () => {
    expect(parseDiscovery(tasmota.kitchenRelay2Cleared.topic, tasmota.kitchenRelay2Cleared.payload)).toEqual({
      kind: 'removed',
      origin: 'homeassistant/switch/ABBD20_RL_2/config',
    });
  });
});

describe('Zigbee2MQTT', () => {
  const bridge = { mode: 'latest', topics: [{ topic: 'zigbee2mqtt/bridge/state', payloadAvailable: 'online', payloadNotAvailable: 'offline', value: { kind: 'template', template: '{{ value_json.state }}' } }] };

  it('a JSON-schema bulb with colour temperature', () => {
    expect(definitionOf(z2m.bulb)).toEqual({
      uniqueId: '0x000b57fffec6a5b2_light_zigbee2mqtt',
      kind: 'light',
      objectId: 'bulb',
      name: 'bulb',
      device: {
        id: 'zigbee2mqtt_0x000b57fffec6a5b2',
        name: 'bulb',
        manufacturer: 'IKEA',
        model: 'TRADFRI bulb E26/E27, white spectrum, globe, opal, 980 lm',
        transport: 'mqtt',
      },
      attributes: [],
      availability: bridge,
      supports: { brightness: true, colorTemp: true },
      source: 'discovery',
      origin: 'homeassistant/light/0x000b57fffec6a5b2/light/config',
      state: { topic: 'zigbee2mqtt/bulb', value: { kind: 'raw' }, format: 'json' },
      command: { format: 'json', topic: 'zigbee2mqtt/bulb/set' },
      brightnessScale: 254,
    });
  });

  it('a group with xy colour sends colours as xy', () => {
    expect(definitionOf(z2m.groupLight)).toMatchObject({ supports: { brightness: true, colorTemp: true, rgb: true }, command: { format: 'json', colorMode: 'xy' } });
  });

  it('a switch endpoint named after the device (default_entity_id gives the object id)', () => {
    expect(definitionOf(z2m.wallSwitchLeft)).toMatchObject({
      kind: 'switch',
      name: 'wall_switch_double Left',
      objectId: 'wall_switch_double_left',
      state: { topic: 'zigbee2mqtt/wall_switch_double', value: { kind: 'template', template: '{{ value_json["state_left"] }}' } },
      command: { topic: 'zigbee2mqtt/wall_switch_double/left/set', payloadOn: 'ON', payloadOff: 'OFF' },
    });
  });

  it('an unnamed sensor is named after its device class', () => {
    expect(definitionOf(z2m.weatherTemperature)).toMatchObject({
      kind: 'sensor',
      name: 'weather_sensor Temperature',
      objectId: 'weather_sensor_temperature',
      deviceClass: 'temperature',
      unit: '°C',
      stateClass: 'measurement',
      enabledByDefault: true,
    });
  });

  it('keeps diagnostic and disabled-by-default hints', () => {
    expect(definitionOf(z2m.weatherLinkquality)).toMatchObject({ entityCategory: 'diagnostic', enabledByDefault: false });
  });

  it('JSON boolean payloads compare as their text, and a missing unique_id is derived from the topic', () => {
    expect(definitionOf(z2m.motionSensor)).toMatchObject({
      uniqueId: 'ha:binary_sensor/swo_mos1pa/occupancy',
      kind: 'binary_sensor',
      name: 'Motion',
      state: { payloadOn: 'True', payloadOff: 'False' },
    });
  });

  it('event entities are ignored with a reason', () => {
    expect(parseDiscovery(z2m.buttonAction.topic, z2m.buttonAction.payload)).toEqual({
      kind: 'ignored',
      reason: "homeassistant/event/0x0017880104e45520/action/config: Home Assistant 'event' entities are not supported by Hearth yet",
    });
  });
});

describe('ESPHome', () => {
  it('a sensor with its device and status availability', () => {
    expect(definitionOf(esphome.pressureVoltage)).toMatchObject({
      uniqueId: 'ESPsensorpressure_voltage',
      kind: 'sensor',
      objectId: 'c3_debug_7b55e0_pressure_voltage',
      name: 'c3-debug-7b55e0 Pressure voltage',
      device: { id: '6055f97b55e0', name: 'c3-debug-7b55e0', model: 'airm2m_core_esp32c3', manufacturer: 'espressif' },
      availability: { topics: [{ topic: 'c3-debug/status', payloadAvailable: 'online', payloadNotAvailable: 'offline' }] },
      unit: 'V',
    });
  });

  it('a switch', () => {
    expect(definitionOf(esphome.restartSwitch)).toMatchObject({
      kind: 'switch',
      command: { topic: 'esp_spisebord/switch/esp_spisebord_genstart/command', payloadOn: 'ON', payloadOff: 'OFF' },
      state: { topic: 'esp_spisebord/switch/esp_spisebord_genstart/state' },
    });
  });

  it('a JSON RGB light', () => {
    expect(definitionOf(esphome.rgbLight)).toMatchObject({
      kind: 'light',
      name: 'livingroom Ceiling Light',
      state: { topic: 'livingroom/light/ceiling_light/state', format: 'json' },
      command: { format: 'json', topic: 'livingroom/light/ceiling_light/command', colorMode: 'rgb' },
      supports: { brightness: true, rgb: true },
      brightnessScale: 255,
    });
  });
});

describe('Shelly script discovery', () => {
  it('uses a custom prefix and ~ as a whole topic', () => {
    expect(definitionOf(shelly.shellySwitch, 'garage_homeassistant')).toMatchObject({
      kind: 'switch',
      uniqueId: '441793A3C5F4:VIRTUAL_SWITCH_SENSORS_SW',
      state: { topic: 'shellyplus1pm-441793a3c5f4/switch/state', payloadOn: 'on', payloadOff: 'off' },
      command: { topic: 'shellyplus1pm-441793a3c5f4/switch/cmd', payloadOn: 'on', payloadOff: 'off' },
    });
    expect(definitionOf(shelly.shellyTemperature, 'garage_homeassistant')).toMatchObject({ state: { topic: 'shellyplus1pm-441793a3c5f4/sensor/state' } });
  });

  it('is not a discovery topic under the default prefix', () => {
    expect(parseDiscovery(shelly.shellySwitch.topic, shelly.shellySwitch.payload)).toMatchObject({ kind: 'ignored' });
  });
});

describe('Home Assistant documentation examples', () => {
  it('device-based discovery gives one definition per component, sharing state topic and device', () => {
    const result = parseDiscovery(docs.deviceDiscovery.topic, docs.deviceDiscovery.payload);
    expect(result).toMatchObject({ kind: 'definitions', origin: 'homeassistant/device/bedroom01ae/config', skipped: [], warnings: [] });
    if (result.kind !== 'definitions') return;
    expect(result.definitions).toMatchObject([
      { uniqueId: 'temp01ae_t', kind: 'sensor', name: 'Kitchen Temperature', unit: '°C', state: { topic: 'sensorBedroom/state', value: { kind: 'template', template: '{{ value_json.temperature}}' } } },
      { uniqueId: 'temp01ae_h', kind: 'sensor', name: 'Kitchen Humidity', unit: '%', state: { topic: 'sensorBedroom/state' } },
    ]);
    expect(result.definitions[0].device).toEqual({ id: 'ea334450945afc', name: 'Kitchen', manufacturer: 'Bla electronics', model: 'xya', swVersion: '1.0', transport: 'mqtt' });
  });

  it('a component reduced to its platform is gone from the replacement set', () => {
    const result = parseDiscovery(docs.deviceDiscoveryHumidityRemoved.topic, docs.deviceDiscoveryHumidityRemoved.payload);
    expect(result).toMatchObject({ kind: 'definitions', skipped: [] });
    expect(result.kind === 'definitions' && result.definitions.map((d) => d.uniqueId)).toEqual(['temp01ae_t']);
  });

  it('components of unsupported platforms are skipped with a reason', () => {
    expect(parseDiscovery(docs.migratedDevice.topic, docs.migratedDevice.payload)).toMatchObject({
      kind: 'definitions',
      definitions: [{ uniqueId: 'bla_sensor001', state: { topic: 'foobar/sensor/sensor1' }, device: { id: '0AFFD2' } }],
      skipped: [{ component: 'bla1', reason: "Home Assistant 'device_automation' entities are not supported by Hearth yet" }],
    });
  });

  it('name: null makes the entity the device itself', () => {
    expect(definitionOf(docs.gardenMotion)).toMatchObject({ name: 'Garden', objectId: 'garden', kind: 'binary_sensor', deviceClass: 'motion' });
  });

  it('abbreviations with a base topic, and the default name when none is given', () => {
    expect(definitionOf(docs.irrigation)).toMatchObject({
      name: 'garden',
      uniqueId: 'ha:switch/irrigation',
      command: { topic: 'homeassistant/switch/irrigation/set' },
      state: { topic: 'homeassistant/switch/irrigation/state' },
    });
    expect(definitionOf({ topic: 'homeassistant/switch/x/config', payload: Buffer.from('{"cmd_t":"x/set"}') }).name).toBe('MQTT Switch');
  });

  it('a JSON light with brightness', () => {
    expect(definitionOf(docs.kitchenJsonLight)).toMatchObject({ uniqueId: 'kitchen_light', supports: { brightness: true }, state: { topic: 'homeassistant/light/kitchen/state', format: 'json' } });
  });
});

describe('abbreviations', () => {
  it('expands root, device, origin and availability keys, passing unknown keys through', () => {
    expect(
      expandAbbreviations({
        stat_t: 'a',
        frc_upd: true,
        custom_key: 1,
        tasmotaType: 'switch',
        dev: { ids: ['x'], mf: 'M', mdl: 'D', sw: '1', sa: 'Kitchen', hw: 'r2', sn: '42', cu: 'http://x', unknown: 2 },
        o: { name: 'tool', sw: '2', url: 'https://x' },
        avty: [{ t: 'a/status', pl_avail: 'up', val_tpl: '{{ value }}' }],
      }),
    ).toEqual({
      state_topic: 'a',
      force_update: true,
      custom_key: 1,
      tasmotaType: 'switch',
      device: { identifiers: ['x'], manufacturer: 'M', model: 'D', sw_version: '1', suggested_area: 'Kitchen', hw_version: 'r2', serial_number: '42', configuration_url: 'http://x', unknown: 2 },
      origin: { name: 'tool', sw_version: '2', support_url: 'https://x' },
      availability: [{ topic: 'a/status', payload_available: 'up', value_template: '{{ value }}' }],
    });
  });

  it('lets the abbreviated key win when both forms are present, as Home Assistant does', () => {
    expect(expandAbbreviations({ state_topic: 'long', stat_t: 'short' })).toEqual({ state_topic: 'short' });
  });

  it('drops a __proto__ key instead of letting it shape the config', () => {
    expect(parse('homeassistant/sensor/p/config', '{"__proto__":{"state_topic":"evil"},"stat_t":"good"}')).toMatchObject({
      definitions: [{ state: { topic: 'good' } }],
    });
    expect(parse('homeassistant/sensor/p/config', '{"__proto__":{"state_topic":"evil"}}')).toMatchObject({ kind: 'invalid' });
  });

  it('maps suggested_area to the device area', () => {
    expect(parse('homeassistant/sensor/t/config', { stat_t: 's', dev: { ids: 'd1', name: 'Desk', sa: 'Office' } })).toMatchObject({
      definitions: [{ device: { id: 'd1', name: 'Desk', area: 'Office' } }],
    });
  });

  it('takes the device id from connections when there are no identifiers', () => {
    expect(parse('homeassistant/sensor/t/config', { stat_t: 's', dev: { cns: [['mac', 'DC:4F:22:AB:BD:20']] } })).toMatchObject({
      definitions: [{ device: { id: 'mac:DC:4F:22:AB:BD:20' } }],
    });
  });
});

describe('availability', () => {
  it('reads a list with its own payloads, templates and mode', () => {
    expect(
      parse('homeassistant/switch/s/config', {
        cmd_t: 'dev/set',
        avty_mode: 'all',
        avty: [{ t: 'bridge/state', val_tpl: '{{ value_json.state }}' }, { topic: 'dev/availability', payload_available: 'up', payload_not_available: 'down' }],
      }),
    ).toMatchObject({
      definitions: [
        {
          availability: {
            mode: 'all',
            topics: [
              { topic: 'bridge/state', payloadAvailable: 'online', payloadNotAvailable: 'offline', value: { kind: 'template', template: '{{ value_json.state }}' } },
              { topic: 'dev/availability', payloadAvailable: 'up', payloadNotAvailable: 'down', value: { kind: 'raw' } },
            ],
          },
        },
      ],
    });
  });

  it('expands ~ in availability entries and at the end of topics', () => {
    expect(parse('homeassistant/switch/s/config', { '~': 'base', cmd_t: 'cmd/~', avty: [{ t: '~/lwt' }] })).toMatchObject({
      definitions: [{ command: { topic: 'cmd/base' }, availability: { topics: [{ topic: 'base/lwt' }] } }],
    });
  });
});

describe('templates outside the subset', () => {
  it('reject the definition when the state depends on them', () => {
    expect(parse('homeassistant/sensor/fan/config', { stat_t: 'x', val_tpl: '{% if value_json.FanSpeed == 0 %}0{% endif %}' })).toEqual({
      kind: 'invalid',
      reason: 'homeassistant/sensor/fan/config: value_template: statements ({% … %}) are not supported; only {{ … }} expressions are (at character 1)',
    });
  });

  it('drop an optional light feature with a warning', () => {
    const result = parse('homeassistant/light/rgb/config', {
      cmd_t: 'l/set',
      rgb_cmd_t: 'l/rgb/set',
      rgb_stat_t: 'l/state',
      rgb_val_tpl: "{{value_json.Color.split(',')[0:3]|join(',')}}",
      bri_cmd_t: 'l/dim',
    });
    expect(result).toMatchObject({ kind: 'definitions', definitions: [{ supports: { brightness: true }, attributes: [] }] });
    expect(result.kind === 'definitions' && result.definitions[0].supports.rgb).toBeUndefined();
    expect(result.kind === 'definitions' && result.warnings).toEqual([expect.stringContaining('rgb_value_template: method calls such as')]);
  });

  it('keep command templates that fit the subset', () => {
    expect(parse('homeassistant/light/t/config', { cmd_t: 'l/set', bri_cmd_t: 'l/bri', bri_cmd_tpl: '{"dim": {{ value }}}', cmd_tpl: '{{ value | lower }}' })).toMatchObject({
      definitions: [{ command: { templates: { command: '{{ value | lower }}', brightness: '{"dim": {{ value }}}' } } }],
    });
  });
});

describe('invalid and ignored messages', () => {
  const cases: [string, string, string | object, DiscoveryResult['kind'], string][] = [
    ['malformed JSON', 'homeassistant/switch/a/config', '{"cmd_t": "x",', 'invalid', 'the payload is not valid JSON'],
    ['a JSON array', 'homeassistant/switch/a/config', '[1,2]', 'invalid', 'must be a JSON object'],
    ['a switch without command topic', 'homeassistant/switch/a/config', { stat_t: 's' }, 'invalid', 'a switch needs a command_topic'],
    ['a sensor without state topic', 'homeassistant/sensor/a/config', { name: 'x' }, 'invalid', 'a sensor needs a state_topic'],
    ['a light without command topic', 'homeassistant/light/a/config', { stat_t: 's' }, 'invalid', 'a light needs a command_topic'],
    ['a wildcard command topic', 'homeassistant/switch/a/config', { cmd_t: 'x/+/set' }, 'invalid', 'command_topic must not contain wildcards'],
    ['a number as topic', 'homeassistant/sensor/a/config', { stat_t: 5 }, 'invalid', 'state_topic must be a string'],
    ['an empty topic', 'homeassistant/sensor/a/config', { stat_t: '' }, 'invalid', 'state_topic must not be empty'],
    ['a device without ids', 'homeassistant/sensor/a/config', { stat_t: 's', dev: { name: 'x' } }, 'invalid', 'device needs identifiers or connections'],
    ['a device that is a string', 'homeassistant/sensor/a/config', { stat_t: 's', dev: 'x' }, 'invalid', 'device must be an object'],
    ['both availability forms', 'homeassistant/sensor/a/config', { stat_t: 's', avty_t: 'a', avty: [{ t: 'b' }] }, 'invalid', 'must not be used together'],
    ['an availability entry without topic', 'homeassistant/sensor/a/config', { stat_t: 's', avty: [{ pl_avail: 'up' }] }, 'invalid', 'availability[0] needs a topic'],
    ['a bad availability mode', 'homeassistant/sensor/a/config', { stat_t: 's', avty_t: 'a', avty_mode: 'some' }, 'invalid', 'availability_mode must be one of all, any, latest'],
    ['a bad on_command_type', 'homeassistant/light/a/config', { cmd_t: 'c', on_cmd_type: 'never' }, 'invalid', 'on_command_type must be one of'],
    ['brightness_scale 0', 'homeassistant/light/a/config', { cmd_t: 'c', bri_cmd_t: 'b', bri_scl: 0 }, 'invalid', 'brightness_scale must be greater than 0'],
    ['an unknown light schema', 'homeassistant/light/a/config', { cmd_t: 'c', schema: 'rgbw' }, 'invalid', 'unknown light schema "rgbw"'],
    ['a template-schema light', 'homeassistant/light/a/config', { cmd_t: 'c', schema: 'template' }, 'ignored', 'template-schema lights are not supported'],
    ['a siren', 'homeassistant/siren/a/config', { cmd_t: 'c' }, 'ignored', "'siren' entities are not supported"],
    ['a select without options', 'homeassistant/select/a/config', { cmd_t: 'c' }, 'invalid', 'a select needs options'],
    ['a lock without a command topic', 'homeassistant/lock/a/config', { stat_t: 's' }, 'invalid', 'a lock needs a command_topic'],
    ['an unknown component', 'homeassistant/toaster/a/config', { cmd_t: 'c' }, 'ignored', "'toaster' is not a Home Assistant MQTT platform"],
    ['a state topic under the prefix', 'homeassistant/binary_sensor/garden/state', 'ON', 'ignored', 'not a discovery config topic'],
    ['the HA birth message', 'homeassistant/status', 'online', 'ignored', 'not a discovery config topic'],
    ['an id with a dot', 'homeassistant/sensor/a.b/config', {}, 'ignored', 'not a discovery config topic'],
    ['too many levels', 'homeassistant/sensor/a/b/c/config', {}, 'ignored', 'not a discovery config topic'],
    ['migrate_discovery', 'homeassistant/sensor/a/config', { migr_discvry: true }, 'ignored', 'migrate_discovery'],
    ['a device payload without origin', 'homeassistant/device/d/config', { dev: { ids: 'd' }, cmps: {} }, 'invalid', 'needs an origin (o)'],
    ['a device payload without components', 'homeassistant/device/d/config', { dev: { ids: 'd' }, o: { name: 'x' } }, 'invalid', 'needs a components (cmps)'],
  ];
  for (const [what, topic, payload, kind, reason] of cases) {
    it(what, () => {
      const result = parse(topic, payload);
      expect(result.kind).toBe(kind);
      expect('reason' in result && result.reason).toContain(reason);
    });
  }

  it('skips bad components of a device payload and keeps the good ones', () => {
    const result = parse('homeassistant/device/d/config', {
      dev: { ids: 'd' },
      o: { name: 'x' },
      cmps: { a: { p: 'sensor', stat_t: 's', uniq_id: 'u' }, b: { stat_t: 's' }, c: 'nope', d: { p: 'switch', stat_t: 's' }, e: { p: 'sensor', stat_t: 't', uniq_id: 'u' } },
    });
    expect(result).toMatchObject({
      kind: 'definitions',
      definitions: [{ uniqueId: 'u' }],
      skipped: [
        { component: 'b', reason: 'the component needs a platform (p)' },
        { component: 'c', reason: 'the component config must be an object' },
        { component: 'd', reason: 'a switch needs a command_topic' },
        { component: 'e', reason: 'unique_id u is used by another component' },
      ],
    });
  });

  it('derives unique ids for device components without one', () => {
    expect(parse('homeassistant/device/n1/d/config', { dev: { ids: 'd' }, o: { name: 'x' }, cmps: { t: { p: 'sensor', stat_t: 's' } } })).toMatchObject({
      definitions: [{ uniqueId: 'ha:device/n1/d/t' }],
    });
  });

  it('drops an unknown state_class with a warning', () => {
    expect(parse('homeassistant/sensor/a/config', { stat_t: 's', stat_cla: 'sometimes' })).toMatchObject({
      definitions: [{ stateClass: undefined }],
      warnings: ['state_class "sometimes" is not one of measurement, total, total_increasing; ignored'],
    });
  });

  it('clamps qos 2 to 1 for commands', () => {
    expect(parse('homeassistant/switch/a/config', { cmd_t: 'c', qos: 2 })).toMatchObject({ definitions: [{ command: { qos: 1 } }] });
  });
});
