import type { EntityDto, EntityHistoryDto, ServerMessage } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tasmota from '@hearth/entities/fixtures/tasmota';
import { Accounts } from '../src/auth/accounts.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// Response shapes are what the tests assert, so the body comes back untyped.
const json = async (response: Promise<Response>): Promise<any> => (await response).json();

// Real discovery payloads, as the devices' documentation shows them.
const TASMOTA_SWITCH = {
  // Tasmota 8.x (HA discovery with abbreviations and a `~` base topic)
  topic: 'homeassistant/switch/A4CF12_RL_1/config',
  config: {
    name: 'Kitchen Plug',
    cmd_t: '~cmnd/POWER',
    stat_t: '~tele/STATE',
    val_tpl: '{{value_json.POWER}}',
    pl_off: 'OFF',
    pl_on: 'ON',
    avty_t: '~tele/LWT',
    pl_avail: 'Online',
    pl_not_avail: 'Offline',
    uniq_id: 'A4CF12_RL_1',
    dev: { ids: ['A4CF12'], name: 'Kitchen Plug', mdl: 'Sonoff Basic', mf: 'Tasmota' },
    '~': 'tasmota_A4CF12/',
  },
};
const ESPHOME_TEMPERATURE = {
  topic: 'homeassistant/sensor/livingroom/living_room_temperature/config',
  config: {
    unit_of_measurement: '°C',
    device_class: 'temperature',
    state_class: 'measurement',
    name: 'Living Room Temperature',
    state_topic: 'livingroom/sensor/living_room_temperature/state',
    availability_topic: 'livingroom/status',
    unique_id: 'ESPsensorliving_room_temperature',
    device: { identifiers: '240ac4123456', name: 'livingroom', sw_version: 'esphome v1.15.0', model: 'PLATFORMIO_ESP32DEV', manufacturer: 'espressif' },
  },
};
const Z2M_LIGHT = {
  topic: 'homeassistant/light/0x000b57fffec6a5b2/light/config',
  config: {
    availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
    brightness: true,
    brightness_scale: 254,
    command_topic: 'zigbee2mqtt/living_lamp/set',
    device: { identifiers: ['zigbee2mqtt_0x000b57fffec6a5b2'], manufacturer: 'IKEA', model: 'TRADFRI LED bulb E27 806 lumen', name: 'living_lamp' },
    name: 'Living Lamp',
    object_id: 'living_lamp',
    schema: 'json',
    state_topic: 'zigbee2mqtt/living_lamp',
    supported_color_modes: ['color_temp'],
    unique_id: '0x000b57fffec6a5b2_light_zigbee2mqtt',
    max_mireds: 454,
    min_mireds: 250,
  },
};

describe('devices and entities from MQTT', () => {
  let hub: TestHub;
  let device: MqttClient;
  beforeAll(async () => {
    hub = await startTestHub();
    device = await connectClient(hub.mqttUrl, { clientId: 'devices' });
  });
  afterAll(async () => {
    await device.endAsync();
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  const entities = async (): Promise<EntityDto[]> => (await hub.api('/api/entities')).json() as Promise<EntityDto[]>;
  const byUniqueId = async (uniqueId: string): Promise<EntityDto | undefined> => (await entities()).find((e) => e.uniqueId === uniqueId);
  const announce = (fixture: { topic: string; config: object }) => device.publishAsync(fixture.topic, JSON.stringify(fixture.config), { qos: 1, retain: true });

  it('turns a Tasmota discovery config into a switch that follows its state and availability', async () => {
    await announce(TASMOTA_SWITCH);
    await expect.poll(() => byUniqueId('A4CF12_RL_1')).toMatchObject({ id: 'switch.kitchen_plug', kind: 'switch', name: 'Kitchen Plug', deviceId: 'A4CF12', commands: ['on'] });
    await device.publishAsync('tasmota_A4CF12/tele/LWT', 'Online', { qos: 1, retain: true });
    await device.publishAsync('tasmota_A4CF12/tele/STATE', JSON.stringify({ Time: '2026-11-26T10:00:00', POWER: 'ON', Wifi: { RSSI: 60 } }), { qos: 1 });
    await expect.poll(async () => (await hub.api('/api/entities/switch.kitchen_plug')).json()).toMatchObject({ state: 'on', available: true });
    await device.publishAsync('tasmota_A4CF12/tele/LWT', 'Offline', { qos: 1, retain: true });
    await expect.poll(async () => (await hub.api('/api/entities/switch.kitchen_plug')).json()).toMatchObject({ available: false });
    const devices = (await json(hub.api('/api/devices'))) as Array<{ id: string; model: string; entityIds: string[] }>;
    expect(devices.find((d) => d.id === 'A4CF12')).toMatchObject({ model: 'Sonoff Basic', entityIds: ['switch.kitchen_plug'] });
  });

  it('publishes a command in the device format (202) and refuses what the entity cannot do (400)', async () => {
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('tasmota_A4CF12/cmnd/#');
    const accepted = await hub.api('/api/entities/switch.kitchen_plug/command', { body: { on: false } });
    expect(accepted.status).toBe(202);
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'tasmota_A4CF12/cmnd/POWER', payload: 'OFF' });

    const refused = await hub.api('/api/entities/switch.kitchen_plug/command', { body: { on: true, brightness: 128 } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/brightness/);
    const invalid = await hub.api('/api/entities/switch.kitchen_plug/command', { body: { on: 'yes' } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toMatch(/on must be a boolean/);
    expect((await hub.api('/api/entities/switch.nothing/command', { body: { on: true } })).status).toBe(404);
    await watcher.endAsync();
  });

  it('reads an ESPHome sensor with its unit and device class', async () => {
    await announce(ESPHOME_TEMPERATURE);
    await device.publishAsync('livingroom/status', 'online', { qos: 1, retain: true });
    await device.publishAsync('livingroom/sensor/living_room_temperature/state', '21.4', { qos: 1 });
    await expect.poll(() => byUniqueId('ESPsensorliving_room_temperature')).toMatchObject({ kind: 'sensor', state: 21.4, unit: '°C', deviceClass: 'temperature', available: true });
  });

  it('drives a Zigbee2MQTT JSON-schema light: brightness rescaled to the device, state confirmed by the device', async () => {
    await announce(Z2M_LIGHT);
    await device.publishAsync('zigbee2mqtt/bridge/state', JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    await expect.poll(() => byUniqueId(Z2M_LIGHT.config.unique_id)).toMatchObject({ kind: 'light' });
    const light = (await byUniqueId(Z2M_LIGHT.config.unique_id))!;
    expect(light.commands).toEqual(expect.arrayContaining(['on', 'brightness']));

    const bulb = await connectClient(hub.mqttUrl);
    const inbox = collect(bulb);
    await bulb.subscribeAsync('zigbee2mqtt/living_lamp/set');
    expect((await hub.api(`/api/entities/${light.id}/command`, { body: { on: true, brightness: 255 } })).status).toBe(202);
    const [command] = await inbox.waitFor(1);
    expect(JSON.parse(command.payload)).toMatchObject({ state: 'ON', brightness: 254 });
    // Not optimistic: the state stays unknown until the bulb reports it.
    expect((await byUniqueId(Z2M_LIGHT.config.unique_id))!.state).not.toBe('on');
    await bulb.publishAsync('zigbee2mqtt/living_lamp', JSON.stringify({ state: 'ON', brightness: 254, color_temp: 370, linkquality: 78 }), { qos: 1 });
    await expect.poll(() => byUniqueId(Z2M_LIGHT.config.unique_id)).toMatchObject({ state: 'on', available: true, attributes: expect.objectContaining({ brightness: 255 }) });
    await bulb.endAsync();
  });

  it('rejects malformed discovery JSON with a logged reason and keeps everything else working', async () => {
    const before = (await entities()).length;
    await device.publishAsync('homeassistant/sensor/broken/config', '{"name": "Broken", "state_topic": ', { qos: 1 });
    await expect.poll(() => hub.logs.filter((r) => r.msg === 'rejected a discovery config' && r.topic === 'homeassistant/sensor/broken/config')).toHaveLength(1);
    await device.publishAsync('livingroom/sensor/living_room_temperature/state', '22.0', { qos: 1 });
    await expect.poll(() => byUniqueId('ESPsensorliving_room_temperature')).toMatchObject({ state: 22 });
    expect((await entities()).length).toBe(before);
  });

  it('removes an entity when its discovery config is cleared', async () => {
    await announce({ topic: 'homeassistant/binary_sensor/hall/motion/config', config: { name: 'Hall Motion', state_topic: 'hall/motion', device_class: 'motion', unique_id: 'hall-motion-1' } });
    await expect.poll(() => byUniqueId('hall-motion-1')).toMatchObject({ kind: 'binary_sensor', deviceClass: 'motion' });
    await device.publishAsync('homeassistant/binary_sensor/hall/motion/config', '', { qos: 1, retain: true });
    await expect.poll(() => byUniqueId('hall-motion-1')).toBeUndefined();
  });

  it('lists topics that match nothing, and adopts one as a sensor', async () => {
    await device.publishAsync('shed/thermometer', '12.5', { qos: 1 });
    await device.publishAsync('shed/thermometer', '12.75', { qos: 1 });
    await expect.poll(async () => (await json(hub.api('/api/topics/unmapped'))).find((t: { topic: string }) => t.topic === 'shed/thermometer')).toMatchObject({
      lastPayload: '12.75',
      count: 2,
    });
    const created = await hub.api('/api/entities', { body: { kind: 'sensor', name: 'Shed Temperature', stateTopic: 'shed/thermometer', unit: '°C', area: 'Garden' } });
    expect(created.status).toBe(201);
    const entity = (await created.json()) as EntityDto;
    expect(entity).toMatchObject({ id: 'sensor.shed_temperature', area: 'Garden', source: 'manual' });
    await device.publishAsync('shed/thermometer', '13', { qos: 1 });
    await expect.poll(async () => (await hub.api('/api/entities/sensor.shed_temperature')).json()).toMatchObject({ state: 13 });
    expect((await json(hub.api('/api/topics/unmapped'))).some((t: { topic: string }) => t.topic === 'shed/thermometer')).toBe(false);
    const invalid = await hub.api('/api/entities', { body: { kind: 'toaster', name: '', stateTopic: 'a/#' } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toMatch(/kind must be one of/);
  });

  it('records each reading in the history, the same value again too, and answers statistics of it', async () => {
    for (const value of ['14', '15', '15', '16']) {
      await device.publishAsync('shed/thermometer', value, { qos: 1 });
      await expect.poll(async () => (await json(hub.api('/api/entities/sensor.shed_temperature'))).lastUpdated).not.toBe(null);
    }
    await expect.poll(async () => ((await json(hub.api('/api/history/sensor.shed_temperature'))) as EntityHistoryDto).points.map((p) => p.state)).toEqual([13, 14, 15, 15, 16]);
    const raw = (await json(hub.api('/api/history/sensor.shed_temperature'))) as EntityHistoryDto;
    expect(raw).toMatchObject({ entityId: 'sensor.shed_temperature', resolution: 'raw', unit: '°C', statistics: [], truncated: false });
    const hourly = (await json(hub.api('/api/history/sensor.shed_temperature?resolution=hour'))) as EntityHistoryDto;
    expect(hourly.statistics.at(-1)).toMatchObject({ min: expect.any(Number), max: 16, change: null });
    for (const [query, problem] of [
      ['from=yesterday', 'from must be an ISO 8601 time'],
      ['resolution=minute', 'resolution must be one of raw, 5m, hour, day, week, month, auto'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from must be before to'],
    ]) {
      const response = await hub.api(`/api/history/sensor.shed_temperature?${query}`);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(problem);
    }
  });

  it('pushes a snapshot on /ws, then state changes as they happen', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${hub.http!.port}/ws`, { headers: { authorization: `Bearer ${await hub.adminToken()}` } });
    const messages: ServerMessage[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
    await expect.poll(() => messages.length).toBeGreaterThan(0);
    expect(messages[0].type).toBe('snapshot');
    expect((messages[0] as { entities: EntityDto[] }).entities.map((e) => e.id)).toContain('sensor.shed_temperature');
    await device.publishAsync('shed/thermometer', '17.5', { qos: 1 });
    await expect.poll(() => messages.find((m) => m.type === 'state' && m.entity.id === 'sensor.shed_temperature')).toMatchObject({ entity: { state: 17.5 } });
    socket.close();
  });

  it('recognises a Tasmota plug from its telemetry by the device profile: a switch and a power meter', async () => {
    await device.publishAsync('tele/washer/LWT', 'Online', { qos: 1, retain: true });
    await device.publishAsync('tele/washer/SENSOR', JSON.stringify({ Time: '2026-11-26T10:00:00', ENERGY: { Total: 3.705, Power: 1850, Voltage: 231, Current: 8.1 } }), { qos: 1 });
    await expect.poll(async () => (await entities()).filter((e) => e.deviceId === 'tasmota-plug/washer').map((e) => e.kind).sort()).toEqual(['power_meter', 'switch']);
    const meter = (await entities()).find((e) => e.deviceId === 'tasmota-plug/washer' && e.kind === 'power_meter')!;
    await expect.poll(async () => json(hub.api(`/api/entities/${meter.id}`))).toMatchObject({ state: 1850, unit: 'W', available: true, attributes: { energy: 3.705, voltage: 231, current: 8.1 } });
  });

  it("takes a Tasmota 12 device from its own discovery: a switch commanded on cmnd/<topic>/POWER1 and an energy meter, no profile twin", async () => {
    await device.publishAsync(tasmota.nativePlugConfig.topic, tasmota.nativePlugConfig.payload, { qos: 1, retain: true });
    await device.publishAsync(tasmota.nativePlugSensors.topic, tasmota.nativePlugSensors.payload, { qos: 1, retain: true });
    const ofPlug = async () => (await entities()).filter((e) => e.deviceId === 'tasmota:5CCF7F139827' || e.deviceId === 'tasmota-plug/huzzah_1');
    await expect.poll(async () => (await ofPlug()).map((e) => [e.deviceId, e.kind]).sort()).toEqual([['tasmota:5CCF7F139827', 'power_meter'], ['tasmota:5CCF7F139827', 'switch']]);
    for (const { topic, payload } of tasmota.tasmotaSession('huzzah_1', 'DVES_139827').publishes) await device.publishAsync(topic, payload, { qos: 1 });
    const [meter, relay] = (await ofPlug()).sort((a, b) => a.kind.localeCompare(b.kind));
    await expect.poll(async () => json(hub.api(`/api/entities/${meter.id}`))).toMatchObject({ state: 5, available: true, attributes: { energy: 3.705 } });
    await expect.poll(async () => json(hub.api(`/api/entities/${relay.id}`))).toMatchObject({ state: 'off', available: true });
    expect((await ofPlug()).map((e) => e.deviceId)).not.toContain('tasmota-plug/huzzah_1');
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('cmnd/huzzah_1/#');
    expect((await hub.api(`/api/entities/${relay.id}/command`, { body: { on: true } })).status).toBe(202);
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'cmnd/huzzah_1/POWER1', payload: 'ON' });
    await watcher.endAsync();
  });

  it('does not also take a device that announces itself for a profile device, whichever comes first', async () => {
    const announced = (name: string) =>
      device.publishAsync(`homeassistant/switch/${name}/config`, JSON.stringify({ name: `${name} plug`, unique_id: `${name}-relay`, stat_t: `stat/${name}/POWER`, cmd_t: `cmnd/${name}/POWER` }), { qos: 1, retain: true });
    const ofDevice = async (name: string) => (await entities()).filter((e) => e.deviceId === `tasmota-plug/${name}` || e.uniqueId === `${name}-relay`).map((e) => e.uniqueId);
    // Announced first: its telemetry does not make a second, profile-made device.
    await announced('dryer');
    await expect.poll(() => ofDevice('dryer')).toEqual(['dryer-relay']);
    await device.publishAsync('tele/dryer/LWT', 'Online', { qos: 1, retain: true });
    await device.publishAsync('tele/fridge/LWT', 'Online', { qos: 1, retain: true }); // a marker: profiles have seen it
    await expect.poll(async () => (await entities()).some((e) => e.deviceId === 'tasmota-plug/fridge')).toBe(true);
    expect(await ofDevice('dryer')).toEqual(['dryer-relay']);
    // Profile-made first: the announcement replaces it.
    await announced('fridge');
    await expect.poll(() => ofDevice('fridge')).toEqual(['fridge-relay']);
    expect((await json(hub.api('/api/devices'))).some((d: { id: string }) => d.id === 'tasmota-plug/fridge')).toBe(false);
  });

  it('builds entities from a Homie v4 device tree and commands its settable properties on /set', async () => {
    const homie: Array<[string, string]> = [
      ['homie/kitchen-light/$homie', '4.0.0'],
      ['homie/kitchen-light/$name', 'Kitchen light'],
      ['homie/kitchen-light/$state', 'ready'],
      ['homie/kitchen-light/$nodes', 'light'],
      ['homie/kitchen-light/light/$name', 'Light'],
      ['homie/kitchen-light/light/$type', 'light'],
      ['homie/kitchen-light/light/$properties', 'power'],
      ['homie/kitchen-light/light/power/$name', 'Power'],
      ['homie/kitchen-light/light/power/$datatype', 'boolean'],
      ['homie/kitchen-light/light/power/$settable', 'true'],
      ['homie/kitchen-light/light/power', 'false'],
    ];
    for (const [topic, payload] of homie) await device.publishAsync(topic, payload, { qos: 1, retain: true });
    await expect.poll(async () => (await entities()).find((e) => e.uniqueId === 'homie:kitchen-light/light/power')).toMatchObject({ kind: 'light', state: 'off', available: true });
    const light = (await byUniqueId('homie:kitchen-light/light/power'))!;
    const bulb = await connectClient(hub.mqttUrl);
    const inbox = collect(bulb);
    await bulb.subscribeAsync('homie/kitchen-light/light/power/set');
    expect((await hub.api(`/api/entities/${light.id}/command`, { body: { on: true } })).status).toBe(202);
    expect((await inbox.waitFor(1))[0].payload).toBe('true');
    await bulb.endAsync();
  });

  it('serves an OpenAPI description of the REST API', async () => {
    const spec = (await json(hub.api('/api/openapi.json'))) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/entities', '/api/entities/{id}/command', '/api/devices', '/api/topics/unmapped']));
  });
});

describe('a restart', () => {
  it('restores every entity and its last state', async () => {
    const first = await startTestHub();
    const device = await connectClient(first.mqttUrl);
    await device.publishAsync(ESPHOME_TEMPERATURE.topic, JSON.stringify(ESPHOME_TEMPERATURE.config), { qos: 1, retain: true });
    await expect.poll(async () => (await json(first.api('/api/entities'))).length).toBe(1);
    await device.publishAsync('livingroom/sensor/living_room_temperature/state', '19.5', { qos: 1 });
    await expect.poll(async () => (await json(first.api('/api/entities')))[0].state).toBe(19.5);
    const [before] = (await json(first.api('/api/entities'))) as EntityDto[];
    await device.endAsync();
    await first.close();

    const second = await startTestHub({}, first.dataDir);
    const [after] = (await json(second.api('/api/entities'))) as EntityDto[];
    expect(after).toEqual(before);
    await second.close();
    removeDataDir(first.dataDir);
  });
});

describe('people restricted to areas', () => {
  it('see, command and receive live only the entities of their areas', async () => {
    const hub = await startTestHub();
    const device = await connectClient(hub.mqttUrl);
    const sensor = (id: string, name: string) =>
      device.publishAsync(`homeassistant/sensor/${id}/config`, JSON.stringify({ name, unique_id: id, state_topic: `${id}/state` }), { qos: 1, retain: true });
    await sensor('bed', 'Bed moisture');
    await sensor('lounge', 'Lounge temperature');
    await device.publishAsync('homeassistant/switch/pump/config', JSON.stringify({ name: 'Pump', unique_id: 'pump', state_topic: 'pump/state', command_topic: 'pump/set' }), { qos: 1, retain: true });
    await expect.poll(async () => (await json(hub.api('/api/entities'))).length).toBe(3);
    for (const [id, area] of [['sensor.bed_moisture', 'Garden'], ['switch.pump', 'Garden'], ['sensor.lounge_temperature', 'Lounge']]) {
      expect((await hub.api(`/api/entities/${id}`, { method: 'PATCH', body: { area } })).status).toBe(200);
    }
    await hub.app.get(Accounts).addUser({ username: 'gardener', password: 'gardener-password', role: 'user', areas: ['Garden'] });
    const { token } = await json(fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'gardener', password: 'gardener-password' }) }));
    const asGardener = { authorization: `Bearer ${token}` };

    expect((await json(hub.api('/api/entities', { headers: asGardener }))).map((e: EntityDto) => e.id).sort()).toEqual(['sensor.bed_moisture', 'switch.pump']);
    expect((await hub.api('/api/entities/sensor.lounge_temperature', { headers: asGardener })).status).toBe(404);
    expect((await hub.api('/api/history/sensor.lounge_temperature', { headers: asGardener })).status).toBe(404);
    expect((await hub.api('/api/entities/switch.pump/command', { body: { on: true }, headers: asGardener })).status).toBe(202);
    expect((await hub.api('/api/topics/unmapped', { headers: asGardener })).status).toBe(403);

    const socket = new WebSocket(`ws://127.0.0.1:${hub.http!.port}/ws`, { headers: asGardener });
    const messages: ServerMessage[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
    await expect.poll(() => messages.length).toBeGreaterThan(0);
    expect((messages[0] as { entities: EntityDto[] }).entities.map((e) => e.id).sort()).toEqual(['sensor.bed_moisture', 'switch.pump']);
    await device.publishAsync('lounge/state', '21', { qos: 1 });
    await device.publishAsync('bed/state', '35', { qos: 1 });
    await expect.poll(() => messages.filter((m) => m.type === 'state').map((m) => (m as { entity: EntityDto }).entity.id)).toContain('sensor.bed_moisture');
    expect(messages.some((m) => m.type === 'state' && m.entity.id === 'sensor.lounge_temperature')).toBe(false);
    socket.close();
    await device.endAsync();
    await hub.close();
    removeDataDir(hub.dataDir);
  });
});
