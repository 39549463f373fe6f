// The simulator's MQTT devices against a real Hearth hub (embedded broker on an ephemeral port),
// observed with MQTT.js: what crosses the wire is what is asserted.
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Received, collect, connectClient } from '../../../apps/hub/test/support/mqtt-client.js';
import { type TestHub, removeDataDir, startTestHub } from '../../../apps/hub/test/support/test-hub.js';
import { ManualClock } from './clock.js';
import { connectTo } from './mqtt-device.js';
import { type DeviceSpec, Simulator } from './simulator.js';
import type { TasmotaSwitch } from './tasmota.js';
import type { DoorSensor, MotionSensor } from './zigbee.js';

const KITCHEN: DeviceSpec = { kind: 'light', id: 'kitchen_light', name: 'Kitchen light', area: 'Kitchen', watts: 40, dimmable: true, on: true };
const HALL: DeviceSpec = { kind: 'light', id: 'hall_light', name: 'Hall light', watts: 10 };
const KETTLE: DeviceSpec = { kind: 'plug', id: 'kettle', name: 'Kettle', watts: 2000 };
const METER: DeviceSpec = { kind: 'meter', id: 'house_meter', name: 'House meter', baseWatts: 180, telePeriodSeconds: 10 };
const MOTION: DeviceSpec = { kind: 'motion', id: 'hall_motion', name: 'Hall motion' };
const DOOR: DeviceSpec = { kind: 'door', id: 'front_door', name: 'Front door' };
const THERMOSTAT: DeviceSpec = { kind: 'thermostat', id: 'living_thermostat', name: 'Living room', heaterWatts: 1200, target: 21 };

describe('simulated MQTT devices on a hub', () => {
  let hub: TestHub;
  const running: Array<Simulator | MqttClient> = [];

  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_LOG_LEVEL: 'warn' });
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await ('stop' in r ? r.stop() : r.endAsync());
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  async function simulate(devices: DeviceSpec[], seed = 1) {
    const clock = new ManualClock();
    const sim = await Simulator.start({ seed, clock, devices, mqtt: connectTo(hub.mqttUrl) });
    running.push(sim);
    return { sim, clock };
  }

  async function observe(...filters: string[]) {
    const client = await connectClient(hub.mqttUrl);
    running.push(client);
    const inbox = collect(client);
    await client.subscribeAsync(filters, { qos: 1 });
    const on = (topic: string) => inbox.messages.filter((m) => m.topic === topic);
    /** Waits for the n-th message on `topic` and returns it. */
    const nth = async (topic: string, n = 1): Promise<Received> => {
      await expect.poll(() => on(topic).length).toBeGreaterThanOrEqual(n);
      return on(topic)[n - 1];
    };
    return { client, inbox, on, nth };
  }

  const json = (m: Received) => JSON.parse(m.payload) as Record<string, any>;

  it('a light obeys POWER and Dimmer commands and confirms on stat/', async () => {
    await simulate([KITCHEN]);
    const { client, nth } = await observe('stat/kitchen_light/+', 'tele/kitchen_light/LWT');
    expect((await nth('tele/kitchen_light/LWT')).payload).toBe('Online');
    expect((await nth('stat/kitchen_light/POWER')).payload).toBe('ON'); // retained, as with PowerRetain

    await client.publishAsync('cmnd/kitchen_light/POWER', 'OFF');
    expect(json(await nth('stat/kitchen_light/RESULT', 1))).toEqual({ POWER: 'OFF', Dimmer: 100 });
    expect((await nth('stat/kitchen_light/POWER', 2)).payload).toBe('OFF');

    await client.publishAsync('cmnd/kitchen_light/Dimmer', '30');
    expect(json(await nth('stat/kitchen_light/RESULT', 2))).toEqual({ POWER: 'ON', Dimmer: 30 });
    await client.publishAsync('cmnd/kitchen_light/POWER', 'TOGGLE');
    expect(json(await nth('stat/kitchen_light/RESULT', 3))).toEqual({ POWER: 'OFF', Dimmer: 30 });
    await client.publishAsync('cmnd/kitchen_light/POWER', 'bogus');
    await client.publishAsync('cmnd/kitchen_light/POWER', '');
    expect(json(await nth('stat/kitchen_light/RESULT', 4))).toEqual({ POWER: 'OFF', Dimmer: 30 });
  });

  it('the house meter follows what is switched on and integrates energy over simulated time', async () => {
    const { sim, clock } = await simulate([KITCHEN, HALL, KETTLE, METER]);
    const { client, nth } = await observe('tele/house_meter/SENSOR', 'tele/kettle/SENSOR', 'stat/kettle/POWER');
    clock.advance(10_000);
    const idle = json(await nth('tele/house_meter/SENSOR'));
    expect(idle.ENERGY.Power).toBe(180 + 40);
    expect(idle.ENERGY.Total).toBe(0.001); // 220 W for 10 s

    await client.publishAsync('cmnd/kettle/POWER', 'ON');
    await expect.poll(() => sim.device<TasmotaSwitch>('kettle').isOn).toBe(true);
    clock.advance(10_000);
    const boiling = json(await nth('tele/house_meter/SENSOR', 2));
    expect(boiling.ENERGY).toMatchObject({ Power: 2220, Today: boiling.ENERGY.Total });
    expect(boiling.ENERGY.Current).toBeCloseTo(2220 / boiling.ENERGY.Voltage, 3);

    // An hour at 2220 W on top of the first 10 s at 220 W.
    clock.advance(3_590_000);
    const hour = json(await nth('tele/house_meter/SENSOR', 361));
    expect(hour.ENERGY.Total).toBeCloseTo((220 * 10 + 2220 * 3600) / 3_600_000, 3);
    // The plug (TelePeriod 300 s) meters its own load: on since t = 10 s, its 12th report is at t = 3600 s.
    const kettle = json(await nth('tele/kettle/SENSOR', 12));
    expect(kettle.ENERGY.Power).toBe(2000);
    expect(kettle.ENERGY.Total).toBeCloseTo((2000 * 3590) / 3_600_000, 3);
  });

  it('retains Home Assistant discovery and sends it again when homeassistant/status says online', async () => {
    await simulate([KITCHEN, KETTLE, MOTION, DOOR]);
    // Other tests on this hub left their own devices' configs retained.
    const { client, inbox: all } = await observe('homeassistant/+/+/config');
    const inbox = { get messages() { return all.messages.filter((m) => /\/(kitchen_light|kettle\w*|hall_motion\w*|front_door\w*)\/config$/.test(m.topic)); } };
    await expect.poll(() => inbox.messages.length).toBe(1 + 5 + 2 + 2);
    expect(inbox.messages.every((m) => m.packet.retain)).toBe(true);
    const config = (topic: string) => json(inbox.messages.find((m) => m.topic === topic)!);

    expect(config('homeassistant/light/kitchen_light/config')).toEqual({
      unique_id: 'kitchen_light',
      name: 'Kitchen light',
      state_topic: 'stat/kitchen_light/POWER',
      command_topic: 'cmnd/kitchen_light/POWER',
      payload_on: 'ON',
      payload_off: 'OFF',
      availability_topic: 'tele/kitchen_light/LWT',
      payload_available: 'Online',
      payload_not_available: 'Offline',
      device: { identifiers: ['hearth_sim_kitchen_light'], name: 'Kitchen light', manufacturer: 'Hearth simulator', model: 'Tasmota light (simulated)', suggested_area: 'Kitchen' },
      brightness_command_topic: 'cmnd/kitchen_light/Dimmer',
      brightness_state_topic: 'stat/kitchen_light/RESULT',
      brightness_value_template: '{{ value_json.Dimmer }}',
      brightness_scale: 100,
    });
    expect(config('homeassistant/switch/kettle/config')).toMatchObject({ command_topic: 'cmnd/kettle/POWER', state_topic: 'stat/kettle/POWER' });
    expect(config('homeassistant/sensor/kettle_power/config')).toMatchObject({
      state_topic: 'tele/kettle/SENSOR',
      value_template: '{{ value_json.ENERGY.Power }}',
      device_class: 'power',
      unit_of_measurement: 'W',
      state_class: 'measurement',
    });
    expect(config('homeassistant/sensor/kettle_total/config')).toMatchObject({ device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing' });
    expect(config('homeassistant/sensor/kettle_voltage/config')).toMatchObject({ device_class: 'voltage', unit_of_measurement: 'V' });
    expect(config('homeassistant/sensor/kettle_current/config')).toMatchObject({ device_class: 'current', unit_of_measurement: 'A' });
    expect(config('homeassistant/binary_sensor/hall_motion_occupancy/config')).toMatchObject({
      state_topic: 'zigbee2mqtt/hall_motion',
      value_template: '{{ value_json.occupancy }}',
      payload_on: true,
      payload_off: false,
      device_class: 'motion',
    });
    expect(config('homeassistant/binary_sensor/front_door_contact/config')).toMatchObject({ device_class: 'door', payload_on: false, payload_off: true });

    await client.publishAsync('homeassistant/status', 'online');
    await expect.poll(() => inbox.messages.length).toBe(2 * 10);
    expect(inbox.messages.slice(10).map((m) => m.topic).sort()).toEqual(inbox.messages.slice(0, 10).map((m) => m.topic).sort());
    await client.publishAsync('homeassistant/status', 'offline');
    await new Promise((r) => setTimeout(r, 200));
    expect(inbox.messages).toHaveLength(20);
  });

  it('motion and door sensors report in Zigbee2MQTT form and go offline when stopped', async () => {
    const { sim, clock } = await simulate([MOTION, DOOR]);
    const { nth, on } = await observe('zigbee2mqtt/#');
    expect(json(await nth('zigbee2mqtt/hall_motion')).occupancy).toBe(false);
    await sim.device<MotionSensor>('hall_motion').trigger();
    expect(json(await nth('zigbee2mqtt/hall_motion', 2)).occupancy).toBe(true);
    clock.advance(90_000);
    expect(json(await nth('zigbee2mqtt/hall_motion', 3)).occupancy).toBe(false);

    await sim.device<DoorSensor>('front_door').setOpen(true);
    expect(json(await nth('zigbee2mqtt/front_door', 2))).toMatchObject({ contact: false });
    expect(on('zigbee2mqtt/front_door/availability')[0].payload).toBe('online');
    await sim.stop();
    expect((await nth('zigbee2mqtt/front_door/availability', 2)).payload).toBe('offline');
  });

  it('publishes a Homie v4 thermostat that takes /set and heats the house', async () => {
    const { clock, sim } = await simulate([THERMOSTAT, METER]);
    const { client, nth, inbox } = await observe('homie/living_thermostat/#', 'tele/house_meter/SENSOR');
    const base = 'homie/living_thermostat';
    await expect.poll(() => inbox.messages.find((m) => m.topic === `${base}/$state` && m.payload === 'ready')).toBeDefined();
    const value = (topic: string) => inbox.messages.filter((m) => m.topic === `${base}/${topic}`).at(-1)?.payload;
    expect(value('$homie')).toBe('4.0.0');
    expect(value('$nodes')).toBe('thermostat');
    expect(value('thermostat/$properties')).toBe('temperature,target,mode,heating');
    expect(value('thermostat/target/$settable')).toBe('true');
    expect(value('thermostat/target/$unit')).toBe('°C');
    expect(value('thermostat/temperature/$datatype')).toBe('float');
    expect(value('thermostat/target')).toBe('21.0');

    clock.advance(60_000);
    await nth(`${base}/thermostat/heating`, 2);
    expect(value('thermostat/heating')).toBe('true'); // starts a degree below target
    await client.publishAsync(`${base}/thermostat/mode/set`, 'off');
    await expect.poll(() => value('thermostat/mode')).toBe('off');
    expect(value('thermostat/heating')).toBe('false');
    clock.advance(10_000);
    expect(json(await nth('tele/house_meter/SENSOR')).ENERGY.Power).toBe(180);
    await sim.stop();
    await expect.poll(() => value('$state')).toBe('disconnected');
  });

  it("the hub makes the thermostat a climate whose target and mode the API sets", async () => {
    const { sim } = await simulate([THERMOSTAT]);
    const { inbox } = await observe('homie/living_thermostat/thermostat/#');
    const entity = async () => (await hub.api('/api/entities/climate.living_room_thermostat')).json() as Promise<Record<string, any>>;
    await expect.poll(entity, { timeout: 10_000 }).toMatchObject({
      kind: 'climate',
      state: 'heat',
      attributes: { targetTemperature: 21, currentTemperature: 20 },
      commands: ['targetTemperature', 'hvacMode'],
      limits: { targetTemperature: { min: 5, max: 30, step: 0.5 }, hvacMode: { options: ['off', 'heat'] } },
    });
    expect((await hub.api('/api/entities/climate.living_room_thermostat/command', { body: { targetTemperature: 22.5 } })).status).toBe(202);
    await expect.poll(() => inbox.messages.some((m) => m.topic === 'homie/living_thermostat/thermostat/target/set' && m.payload === '22.5')).toBe(true);
    await expect.poll(entity, { timeout: 10_000 }).toMatchObject({ attributes: { targetTemperature: 22.5 } });
    expect((await hub.api('/api/entities/climate.living_room_thermostat/command', { body: { hvacMode: 'off' } })).status).toBe(202);
    await expect.poll(entity, { timeout: 10_000 }).toMatchObject({ state: 'off' });
    await sim.stop();
  });

  it('replays the same readings from the same seed', async () => {
    const run = async (seed: number) => {
      const { clock, sim } = await simulate([KETTLE, METER, MOTION], seed);
      const { inbox } = await observe('tele/+/SENSOR', 'tele/+/STATE');
      for (let i = 0; i < 6; i++) clock.advance(60_000);
      // Meter every 10 s, plug every 300 s: a STATE and a SENSOR each time.
      await expect.poll(() => inbox.messages.length).toBe(2 * (36 + 1));
      await sim.stop();
      return inbox.messages.map((m) => `${m.topic} ${m.payload}`).sort();
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });
});
