import { Buffer } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../commands/encode.js';
import { teleSensor, teleState } from '../fixtures/tasmota.js';
import { loadProfiles, parseProfile, profileDefinitions, revealedDevices, type DeviceProfile } from './profiles.js';
import { decodeState } from '../state/decode.js';

/** The devices a topic reveals, with their entity definitions. */
const matchProfile = (profiles: DeviceProfile[], topic: string) =>
  revealedDevices(profiles, topic).map(({ profile, deviceId }) => ({ profileId: profile.id, deviceId, definitions: profileDefinitions(profile, deviceId) }));

const PROFILE_DIR = fileURLToPath(new URL('../../../../devices/profiles/', import.meta.url));

describe('the shipped profiles', () => {
  let profiles: DeviceProfile[];

  beforeAll(async () => {
    const loaded = await loadProfiles(PROFILE_DIR);
    expect(loaded.errors).toEqual([]);
    profiles = loaded.profiles;
  });

  it('load every one', () => {
    expect(profiles.map((p) => p.id)).toEqual(['hearth-garden-sensor', 'shelly-gen1-dimmer', 'shelly-gen1-relay-meter', 'shelly-gen1-relay', 'shelly-gen2-dimmer', 'shelly-gen2-switch', 'tasmota-plug']);
  });

  it('tele/plug1/LWT reveals Tasmota plug plug1 with a switch and a power meter', () => {
    const matches = matchProfile(profiles, 'tele/plug1/LWT');
    expect(matches).toHaveLength(1);
    const [{ profileId, deviceId, definitions }] = matches;
    expect({ profileId, deviceId }).toEqual({ profileId: 'tasmota-plug', deviceId: 'plug1' });
    const availability = { mode: 'latest', topics: [{ topic: 'tele/plug1/LWT', payloadAvailable: 'Online', payloadNotAvailable: 'Offline', value: { kind: 'raw' } }] };
    const device = { id: 'tasmota-plug/plug1', name: 'plug1', manufacturer: 'Tasmota', model: 'Tasmota smart plug with power monitoring', transport: 'mqtt' };
    expect(definitions).toEqual([
      {
        uniqueId: 'profile:tasmota-plug/plug1/relay',
        kind: 'switch',
        objectId: 'plug1',
        name: 'plug1',
        device,
        deviceClass: 'outlet',
        state: { topic: 'stat/plug1/POWER', value: { kind: 'raw' }, payloadOn: 'ON', payloadOff: 'OFF' },
        extraStateSources: [{ topic: 'tele/plug1/STATE', value: { kind: 'jsonPath', path: 'POWER' }, payloadOn: 'ON', payloadOff: 'OFF' }],
        attributes: [],
        availability,
        command: { format: 'plain', topic: 'cmnd/plug1/POWER', payloadOn: 'ON', payloadOff: 'OFF' },
        supports: {},
        source: 'profile',
        origin: 'profile:tasmota-plug/plug1',
      },
      {
        uniqueId: 'profile:tasmota-plug/plug1/power',
        kind: 'power_meter',
        objectId: 'plug1_power',
        name: 'plug1 Power',
        device,
        deviceClass: 'power',
        unit: 'W',
        stateClass: 'measurement',
        state: { topic: 'tele/plug1/SENSOR', value: { kind: 'jsonPath', path: 'ENERGY.Power' } },
        attributes: [
          { name: 'energy', topic: 'tele/plug1/SENSOR', value: { kind: 'jsonPath', path: 'ENERGY.Total' }, unit: 'kWh' },
          { name: 'voltage', topic: 'tele/plug1/SENSOR', value: { kind: 'jsonPath', path: 'ENERGY.Voltage' }, unit: 'V' },
          { name: 'current', topic: 'tele/plug1/SENSOR', value: { kind: 'jsonPath', path: 'ENERGY.Current' }, unit: 'A' },
        ],
        availability,
        supports: {},
        source: 'profile',
        origin: 'profile:tasmota-plug/plug1',
      },
    ]);
  });

  it('decodes Tasmota telemetry and commands the relay through the plug’s definitions', () => {
    const [relay, power] = matchProfile(profiles, 'tele/plug1/SENSOR')[0].definitions;
    expect(decodeState(relay, 'stat/plug1/POWER', Buffer.from('ON'))).toMatchObject({ update: { state: 'on' } });
    expect(decodeState(relay, 'tele/plug1/STATE', Buffer.from(teleState))).toMatchObject({ update: { state: 'off' } });
    expect(decodeState(relay, 'tele/plug1/LWT', Buffer.from('Offline'))).toMatchObject({ update: { available: false } });
    expect(decodeState(power, 'tele/plug1/SENSOR', Buffer.from(teleSensor))).toEqual({
      ok: true,
      update: { state: 5, attributes: { energy: 3.705, voltage: 233, current: 0.021 } },
      ignored: [],
    });
    expect(encodeCommand(relay, { on: false })).toEqual({ ok: true, messages: [{ topic: 'cmnd/plug1/POWER', payload: 'OFF', retain: false, qos: 0 }] });
  });

  it('command topics do not reveal devices', () => {
    expect(matchProfile(profiles, 'cmnd/plug1/POWER')).toEqual([]);
    expect(matchProfile(profiles, 'tele/plug1/extra/LWT')).toEqual([]);
  });

  it('a garden sensor reading reveals an MQTT-SN garden sensor with five sensors and its watering valve', () => {
    const [match] = matchProfile(profiles, 'garden/bed-3/moisture');
    expect(match.deviceId).toBe('bed-3');
    expect(match.definitions.map((d) => [d.objectId, d.unit, d.deviceClass])).toEqual([
      ['bed_3_soil_moisture', '%', 'moisture'],
      ['bed_3_temperature', '°C', 'temperature'],
      ['bed_3_humidity', '%', 'humidity'],
      ['bed_3_illuminance', 'lx', 'illuminance'],
      ['bed_3_battery', '%', 'battery'],
      ['bed_3_watering_valve', undefined, 'water'],
    ]);
    expect(match.definitions[0].device).toEqual({ id: 'hearth-garden-sensor/bed-3', name: 'bed-3', manufacturer: 'Hearth', model: 'Garden sensor', transport: 'mqtt-sn' });
    expect(decodeState(match.definitions[1], 'garden/bed-3/temperature', Buffer.from('18.25'))).toMatchObject({ update: { state: 18.25 } });
    expect(decodeState(match.definitions[4], 'garden/bed-3/status', Buffer.from('online'))).toMatchObject({ update: { available: true } });
    expect(matchProfile(profiles, 'garden/bed-3/status')).toHaveLength(1);
  });

  it("the garden sensor's valve reports ON/OFF as open/closed and is opened with ON on valve/set", () => {
    const valve = matchProfile(profiles, 'garden/bed-3/moisture')[0].definitions.find((d) => d.kind === 'valve')!;
    expect(valve.objectId).toBe('bed_3_watering_valve');
    expect(decodeState(valve, 'garden/bed-3/valve', Buffer.from('ON'))).toMatchObject({ update: { state: 'open' } });
    expect(decodeState(valve, 'garden/bed-3/valve', Buffer.from('OFF'))).toMatchObject({ update: { state: 'closed' } });
    expect(encodeCommand(valve, { open: true })).toEqual({ ok: true, messages: [{ topic: 'garden/bed-3/valve/set', payload: 'ON', retain: false, qos: 1 }] });
    expect(encodeCommand(valve, { open: false })).toMatchObject({ ok: true, messages: [{ payload: 'OFF' }] });
    expect(encodeCommand(valve, { on: true })).toEqual({ ok: false, reason: 'valve.bed_3_watering_valve does not support on; it takes open, stop or position' });
    expect(encodeCommand(valve, { stop: true })).toEqual({ ok: false, reason: 'valve.bed_3_watering_valve does not support stop' });
  });
});

describe('profile validation names the file and the field', () => {
  const file = 'devices/profiles/broken.yaml';
  const errorsOf = (text: string) => {
    const result = parseProfile(text, file);
    return result.ok ? [] : result.errors;
  };

  it('reports YAML syntax errors', () => {
    expect(errorsOf('id: [unclosed')).toEqual([{ file, field: '', message: expect.stringContaining('not valid YAML') }]);
  });

  it('reports JSON syntax errors for .json files', () => {
    expect(parseProfile('{"id": ', 'p.json')).toEqual({ ok: false, errors: [{ file: 'p.json', field: '', message: expect.stringContaining('not valid JSON') }] });
  });

  it('reports every problem at once', () => {
    const errors = errorsOf(`
id: Bad_Id
transport: zigbee
colour: red
entities:
  - id: relay
    kind: switch
    state: { topic: "stat/POWER" }
    command: { topic: "cmnd/{device}/+" }
  - id: relay
    kind: sensor
    unit: W
    state:
      topic: "tele/{device}/SENSOR"
      value: { jsonPath: "ENERGY..Power" }
  - id: t
    kind: thermostat
  - id: v
    kind: sensor
    state: { topic: "x/{device}/{room}", value: { template: "{% if 1 %}{% endif %}" } }
    attributes:
      - { name: a, topic: "a/{device}", value: { xpath: "/a" } }
  - id: w
    kind: binary_sensor
    state: { topic: "w/{device}", payloadOn: true }
    command: { topic: "w/{device}/set" }
    supports: { brightness: yes }
`);
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['colour', expect.stringContaining('unknown key')],
      ['id', 'must be lower-case letters, digits and single hyphens'],
      ['name', 'required'],
      ['transport', 'must be one of mqtt, mqtt-sn'],
      ['entities[0].state.topic', 'must contain {device} exactly once'],
      ['entities[0].command.topic', 'must not contain wildcards (it is published to)'],
      ['entities[1].state.value', expect.stringContaining('malformed at character 8')],
      ['entities[1].id', '"relay" is used by another entity'],
      ['entities[2].kind', 'must be one of light, switch, power_meter, sensor, binary_sensor, climate, cover, fan, lock, valve, number, select, button'],
      ['entities[3].state.topic', '{device} is the only placeholder'],
      ['entities[3].state.value', expect.stringContaining('statements')],
      ['entities[3].attributes[0].value', "must be raw, { jsonPath: '…' } or { template: '{{ … }}' }"],
      ['entities[4].state.payloadOn', 'must be a string (quote true/false/yes/no in YAML)'],
      ['entities[4].supports.brightness', 'must be true or false'],
      ['entities[4]', 'brightnessScale, supports and JSON commands are for lights'],
      ['entities[4].command', 'a binary_sensor cannot be commanded'],
    ]);
    expect(errors.every((e) => e.file === file)).toBe(true);
  });

  it('hints at quoting a topic that YAML read as a mapping', () => {
    expect(errorsOf('id: p\nname: P\nentities:\n  - id: a\n    kind: sensor\n    state:\n      topic: {device}/temperature\n')).toEqual([
      expect.objectContaining({ field: '', message: expect.stringContaining('not valid YAML') }),
    ]);
    expect(errorsOf('id: p\nname: P\nentities:\n  - id: a\n    kind: sensor\n    state:\n      topic: {device}\n')).toEqual([
      { file, field: 'entities[0].state.topic', message: 'must be a topic string; quote it in YAML when it starts with {device}' },
    ]);
  });

  it("checks controls against the kind's features", () => {
    const errors = errorsOf(`
id: p
name: P
entities:
  - id: v
    kind: valve
    state: { topic: "v/{device}" }
    command: { topic: "v/{device}/set" }
    controls:
      open: { topic: "v/{device}/set", payloads: { "true": "ON", maybe: "?" } }
      value: { topic: "v/{device}/value" }
  - id: n
    kind: number
    controls:
      value: { topic: "n/{device}/set", min: 1, max: 9, deviceRange: [1] }
`);
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['entities[0].controls.value', expect.stringContaining('unknown key')],
      ['entities[0].controls.open.payloads.maybe', expect.stringContaining('unknown key')],
      ['entities[0].command', 'a valve is commanded through controls, not on/off'],
      ['entities[0].state.states', 'required for a valve: the payload of each state'],
      ['entities[1].controls.value.deviceRange', "must be [the device's number for 0 %, for 100 %]"],
    ]);
  });

  it('reports duplicate entity ids', () => {
    const errors = errorsOf('id: p\nname: P\nentities:\n  - { id: a, kind: sensor, state: { topic: "a/{device}" } }\n  - { id: a, kind: sensor, state: { topic: "b/{device}" } }\n');
    expect(errors).toEqual([{ file, field: 'entities[1].id', message: '"a" is used by another entity' }]);
  });

  it('requires entities, a sensor state and a topic to reveal devices by', () => {
    expect(errorsOf('id: p\nname: P\nentities:\n  - { id: a, kind: switch, command: { topic: "a/{device}/set" } }')).toEqual([
      { file, field: 'reveal', message: 'the profile has no topic that could reveal a device' },
    ]);
    expect(errorsOf('id: p\nname: P\nentities: []')).toEqual([{ file, field: 'entities', message: 'must be a non-empty list' }]);
    expect(errorsOf('id: p\nname: P\nentities:\n  - { id: a, kind: sensor }')).toEqual([{ file, field: 'entities[0].state', message: 'required for a sensor' }]);
    expect(errorsOf('- just a list')).toEqual([{ file, field: '', message: 'a profile must be a mapping with id, name and entities' }]);
  });

  it('accepts a JSON-command light with its own reveal topics', () => {
    const result = parseProfile(
      JSON.stringify({
        id: 'z2m-bulb',
        name: 'Zigbee2MQTT bulb',
        reveal: ['zigbee2mqtt/{device}'],
        entities: [
          {
            id: 'light',
            kind: 'light',
            state: { topic: 'zigbee2mqtt/{device}', format: 'json' },
            command: { topic: 'zigbee2mqtt/{device}/set', format: 'json', colorMode: 'xy' },
            brightnessScale: 254,
            supports: { brightness: true, rgb: true, colorTemp: false },
          },
        ],
      }),
      'z2m.json',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [light] = matchProfile([result.profile], 'zigbee2mqtt/desk')[0].definitions;
    expect(light).toMatchObject({
      kind: 'light',
      state: { topic: 'zigbee2mqtt/desk', format: 'json' },
      command: { format: 'json', topic: 'zigbee2mqtt/desk/set', colorMode: 'xy' },
      brightnessScale: 254,
      supports: { brightness: true, rgb: true },
    });
    expect(encodeCommand(light, { brightness: 254 }).ok).toBe(true);
    expect(encodeCommand(light, { colorTemp: 300 })).toEqual({ ok: false, reason: 'light.desk does not support colour temperature' });
  });

  it('matches {device} inside a topic level (Shelly Gen1 topics)', () => {
    const result = parseProfile(
      'id: shelly-plug-s\nname: Shelly Plug S\nentities:\n  - { id: relay, kind: switch, state: { topic: "shellies/shellyplug-s-{device}/relay/0", payloadOn: "on", payloadOff: "off" } }\n',
      'shelly.yaml',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(matchProfile([result.profile], 'shellies/shellyplug-s-7A3F2C/relay/0')).toMatchObject([{ deviceId: '7A3F2C' }]);
    expect(matchProfile([result.profile], 'shellies/shellyplug-s-7A3F2C/relay/0/power')).toEqual([]);
  });
});

describe('loadProfiles', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-profiles-'));
    await writeFile(join(dir, 'a.yaml'), 'id: same\nname: A\nentities:\n  - { id: s, kind: sensor, state: { topic: "a/{device}" } }\n');
    await writeFile(join(dir, 'b.yml'), 'id: same\nname: B\nentities:\n  - { id: s, kind: sensor, state: { topic: "b/{device}" } }\n');
    await writeFile(join(dir, 'c.yaml'), 'id: c\nentities: 3\n');
    await writeFile(join(dir, 'notes.txt'), 'not a profile');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the valid profiles and reports the rest per file', async () => {
    const { profiles, errors } = await loadProfiles(dir);
    expect(profiles.map((p) => p.file)).toEqual([join(dir, 'a.yaml')]);
    expect(errors).toEqual([
      { file: join(dir, 'b.yml'), field: 'id', message: `profile id "same" is already used by ${join(dir, 'a.yaml')}` },
      { file: join(dir, 'c.yaml'), field: 'name', message: 'required' },
      { file: join(dir, 'c.yaml'), field: 'entities', message: 'must be a non-empty list' },
    ]);
  });

  it('reports a missing directory instead of throwing', async () => {
    const { profiles, errors } = await loadProfiles(join(dir, 'missing'));
    expect(profiles).toEqual([]);
    expect(errors).toEqual([{ file: join(dir, 'missing'), field: '', message: expect.stringContaining('cannot read the profile directory') }]);
  });
});
