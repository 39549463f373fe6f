import { Buffer } from 'node:buffer';
import { memoryStatistics } from '@hearth/statistics/testing';
import { describe, expect, it } from 'vitest';
import { CommandRefused, EntityNotFound, HistoryRefused } from './errors.js';
import type { Entity } from './mapping/registry.js';
import { thermostat } from './fixtures/homie.js';
import { EntityPipeline } from './pipeline.js';
import type { EntityPipelinePorts, HistoryPoint, PublishOptions } from './ports.js';
import type { EntityState } from './state/entity-states.js';
import type { EntityDto } from './view.js';

const PLUG_CONFIG = {
  name: 'Desk plug',
  uniq_id: 'plug1_relay',
  stat_t: 'stat/plug1/POWER',
  cmd_t: 'cmnd/plug1/POWER',
  avty_t: 'tele/plug1/LWT',
  pl_avail: 'Online',
  pl_not_avail: 'Offline',
  dev: { ids: ['plug1'], name: 'Desk plug', mf: 'Tasmota' },
};

/** A pipeline on fakes that remember what crossed each port, and a clock the test moves. */
function fixture() {
  const clock = { now: 1_000_000 };
  const events: Array<{ type: 'state'; before: EntityDto | null; after: EntityDto } | { type: 'removed'; id: string } | { type: 'availability'; deviceId: string; available: boolean }> = [];
  const stored = { entities: [] as string[], deleted: [] as string[], states: [] as Array<[string, EntityState]>, devices: [] as string[], touched: [] as Array<[string, boolean, number]> };
  const history: Array<[string, HistoryPoint]> = [];
  const published: Array<[string, string, PublishOptions]> = [];
  const logs: string[] = [];
  const { store: readings, recorder, port: statistics } = memoryStatistics();
  const ports: EntityPipelinePorts = {
    store: {
      saveDevice: (device) => stored.devices.push(device.id),
      touchDevice: (id, available, lastSeen) => stored.touched.push([id, available, lastSeen]),
      saveEntity: (entity: Entity) => stored.entities.push(entity.id),
      deleteEntity: (id) => stored.deleted.push(id),
      saveState: (id, state) => stored.states.push([id, state]),
    },
    history: {
      append: (id, point) => history.push([id, point]),
      read: (id, from, to, limit) => history.filter(([entityId, point]) => entityId === id && point.time >= from && point.time < to).slice(0, limit).map(([, point]) => point),
      before: (id, time) => history.filter(([entityId, point]) => entityId === id && point.time < time).at(-1)?.[1],
    },
    statistics,
    events: {
      entityState: (before, after) => events.push({ type: 'state', before, after }),
      entityRemoved: (id) => events.push({ type: 'removed', id }),
      availability: (deviceId, available) => events.push({ type: 'availability', deviceId, available }),
    },
    publish: async (topic, payload, options) => void published.push([topic, String(payload), options]),
    log: { debug: (_f, m) => logs.push(m), info: (_f, m) => logs.push(m), warn: (_f, m) => logs.push(m) },
    now: () => clock.now,
  };
  const pipeline = new EntityPipeline({ discoveryPrefix: 'homeassistant', maxUnmappedTopics: 100, profiles: [] }, ports);
  const send = (topic: string, payload: string | object) => pipeline.receive({ topic, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) });
  return { pipeline, send, clock, events, stored, history, readings, recorder, published, logs, ports };
}

describe('EntityPipeline', () => {
  it('gives an entity whose kind changes a new id of that kind: a Homie enum found settable becomes a select', () => {
    const f = fixture();
    const late = thermostat.filter((m) => m.topic !== 'homie/hall-thermostat/thermostat/fan/$settable');
    for (const { topic, payload } of late) f.pipeline.receive({ topic, payload });
    expect(f.pipeline.entity('sensor.hall_fan').kind).toBe('sensor');
    f.send('homie/hall-thermostat/thermostat/fan/$settable', 'true');
    expect(() => f.pipeline.entity('sensor.hall_fan')).toThrow(EntityNotFound);
    expect(f.pipeline.entity('select.hall_fan')).toMatchObject({ kind: 'select', commands: ['value'] });
    expect(f.events).toContainEqual({ type: 'removed', id: 'sensor.hall_fan' });
  });

  it('keeps the rest of a Homie device when one of its properties goes', () => {
    const f = fixture();
    for (const { topic, payload } of thermostat) f.pipeline.receive({ topic, payload });
    expect(f.pipeline.entity('select.hall_fan')).toBeTruthy();
    f.send('homie/hall-thermostat/thermostat/$properties', 'temperature,target,mode,heating,offset');
    expect(() => f.pipeline.entity('select.hall_fan')).toThrow(EntityNotFound);
    expect(f.pipeline.entity('climate.hall_thermostat').kind).toBe('climate');
    expect(f.pipeline.entity('number.hall_offset').kind).toBe('number');
  });

  it('applies a retained Homie value that arrived before its node was described', () => {
    const f = fixture();
    f.send('homie/hall-thermostat/thermostat/target', '19.5');
    f.send('homie/hall-thermostat/thermostat/temperature', '18.2');
    for (const { topic, payload } of thermostat) f.pipeline.receive({ topic, payload });
    expect(f.pipeline.entity('climate.hall_thermostat')).toMatchObject({ attributes: { targetTemperature: 19.5, currentTemperature: 18.2 }, commands: ['targetTemperature', 'hvacMode'] });
    expect(f.pipeline.entity('sensor.hall_temperature').state).toBe(18.2);
    expect(f.pipeline.unmapped()).toEqual([]);
  });

  it('maps discovery to an entity, then every state change to one stored state, one history point and one event with before and after', () => {
    const f = fixture();
    f.send('homeassistant/switch/plug1/config', PLUG_CONFIG);
    expect(f.stored).toMatchObject({ devices: ['plug1'], entities: ['switch.desk_plug'] });
    expect(f.events).toEqual([{ type: 'state', before: null, after: expect.objectContaining({ id: 'switch.desk_plug', state: null, commands: ['on'] }) }]);

    f.send('stat/plug1/POWER', 'ON');
    f.clock.now += 1000;
    f.send('stat/plug1/POWER', 'ON'); // the same again: stored (last updated), not a change
    f.send('stat/plug1/POWER', 'OFF');
    const changes = f.events.slice(1).flatMap((e) => (e.type === 'state' ? [[e.before?.state, e.after.state]] : []));
    expect(changes).toEqual([
      [null, 'on'],
      ['on', 'off'],
    ]);
    expect(f.stored.states.map(([id, s]) => [id, s.state, s.lastUpdated])).toEqual([
      ['switch.desk_plug', 'on', 1_000_000],
      ['switch.desk_plug', 'on', 1_001_000],
      // In the same millisecond as the one before it: a millisecond later, so that the two stay in order.
      ['switch.desk_plug', 'off', 1_001_001],
    ]);
    expect(f.history.map(([id, point]) => [id, point.state, point.time])).toEqual([
      ['switch.desk_plug', 'on', 1_000_000],
      ['switch.desk_plug', 'off', 1_001_001],
    ]);
    const query = { from: 1_000_500, to: 2_000_000, timeZone: 'UTC' };
    expect(f.pipeline.historyOf('switch.desk_plug', { ...query, resolution: 'auto' })).toMatchObject({ resolution: 'raw', points: [{ state: 'on' }, { state: 'off' }], truncated: false });
    expect(() => f.pipeline.historyOf('switch.desk_plug', { ...query, resolution: 'hour' })).toThrow(HistoryRefused);
  });

  it('records every reading of a numeric entity, and only what a message said, compactly instead of as changes', () => {
    const f = fixture();
    f.send('homeassistant/sensor/plug2/config', { name: 'Kettle power', uniq_id: 'plug2_power', stat_t: 'tele/plug2/SENSOR', val_tpl: '{{ value_json.ENERGY.Power }}', unit_of_meas: 'W', dev_cla: 'power', json_attr_t: 'tele/plug2/STATE' });
    for (const power of [1500, 1500, 0]) {
      f.send('tele/plug2/SENSOR', { ENERGY: { Power: power } });
      f.clock.now += 10_000;
    }
    f.send('tele/plug2/STATE', { Wifi: { RSSI: 60 } }); // attributes only: no reading
    const series = f.ports.statistics.series('power_meter.kettle_power');
    expect(series).toEqual({ id: 1, key: 'power_meter.kettle_power', kind: 'power', unit: 'W' });
    expect(f.readings.raw.get(1)).toEqual([
      { time: 1_000_000, value: 1500 },
      { time: 1_010_000, value: 1500 },
      { time: 1_020_000, value: 0 },
    ]);
    expect(f.history).toEqual([]);
    const history = f.pipeline.historyOf('power_meter.kettle_power', { from: 1_010_000, to: 2_000_000, resolution: 'raw', timeZone: 'UTC' });
    expect(history.points).toEqual([
      { time: new Date(1_000_000).toISOString(), state: 1500 },
      { time: new Date(1_010_000).toISOString(), state: 1500 },
      { time: new Date(1_020_000).toISOString(), state: 0 },
    ]);
    f.recorder.flush();
    const [bucket] = f.pipeline.historyOf('power_meter.kettle_power', { from: 0, to: 2_000_000, resolution: 'hour', timeZone: 'UTC' }).statistics;
    // 1.5 kW for 10 s, then down to nothing over 10 s: 1500 x 15 s
    expect(bucket).toMatchObject({ min: 0, max: 1500, change: expect.closeTo((1500 * 15) / 3_600_000, 9) });
  });

  it('keeps readings of one entity that arrive in the same millisecond, a millisecond apart and in order', () => {
    const f = fixture();
    f.send('homeassistant/sensor/probe/config', { name: 'Probe', uniq_id: 'probe_t', stat_t: 'probe/t', unit_of_meas: '°C', stat_cla: 'measurement' });
    for (const value of ['20.1', '20.2', '20.3']) f.send('probe/t', value);
    f.clock.now += 500;
    f.send('probe/t', '20.4');
    expect(f.readings.raw.get(1)).toEqual([
      { time: 1_000_000, value: 20.1 },
      { time: 1_000_001, value: 20.2 },
      { time: 1_000_002, value: 20.3 },
      { time: 1_000_500, value: 20.4 },
    ]);
  });

  it("announces a device's availability when it flips, and stores when it was last seen at most every 30 s", () => {
    const f = fixture();
    f.send('homeassistant/switch/plug1/config', PLUG_CONFIG);
    f.send('tele/plug1/LWT', 'Online');
    f.clock.now += 10_000;
    f.send('stat/plug1/POWER', 'ON');
    f.clock.now += 25_000;
    f.send('stat/plug1/POWER', 'OFF');
    f.send('tele/plug1/LWT', 'Offline');
    expect(f.events.filter((e) => e.type === 'availability')).toEqual([
      { type: 'availability', deviceId: 'plug1', available: true },
      { type: 'availability', deviceId: 'plug1', available: false },
    ]);
    expect(f.stored.touched).toEqual([
      ['plug1', true, 1_000_000],
      ['plug1', true, 1_035_000],
      ['plug1', false, 1_035_001],
    ]);
    expect(f.pipeline.devices()).toMatchObject([{ id: 'plug1', available: false, entityIds: ['switch.desk_plug'], lastSeen: new Date(1_035_001).toISOString() }]);
  });

  it("tells a known device's own telemetry (Tasmota INFO1, RESULT) apart from topics of devices it does not know", () => {
    const f = fixture();
    f.send('homeassistant/switch/plug1/config', { ...PLUG_CONFIG, stat_t: 'tele/plug1/STATE', val_tpl: '{{ value_json.POWER }}' });
    for (const topic of ['tele/plug1/INFO1', 'stat/plug1/RESULT', 'tele/plug2/STATE', 'shed/temperature']) f.send(topic, '{}');
    const owners = Object.fromEntries(f.pipeline.unmapped().map((topic) => [topic.topic, topic.deviceId]));
    expect(owners).toEqual({ 'tele/plug1/INFO1': 'plug1', 'stat/plug1/RESULT': 'plug1', 'tele/plug2/STATE': null, 'shed/temperature': null });
  });

  it('keeps the command topics of controls (a valve set topic the hub publishes on) off the unmapped list', () => {
    const f = fixture();
    f.send('homeassistant/valve/tap/config', { name: 'Tap', uniq_id: 'tap', cmd_t: 'garden/tap/set', stat_t: 'garden/tap/state' });
    f.send('garden/tap/set', 'OPEN');
    expect(f.pipeline.unmapped()).toEqual([]);
  });

  it('lists topics no entity claims; a manual mapping claims one and a rename announces the change', () => {
    const f = fixture();
    f.send('garden/bed2/moisture', '37');
    expect(f.pipeline.unmapped()).toMatchObject([{ topic: 'garden/bed2/moisture', lastPayload: '37', count: 1 }]);
    const created = f.pipeline.createManual({ kind: 'sensor', name: 'Bed 2', stateTopic: 'garden/bed2/moisture', unit: '%', area: 'Garden' });
    expect(created).toMatchObject({ id: 'sensor.bed_2', area: 'Garden', source: 'manual' });
    expect(f.pipeline.unmapped()).toEqual([]);
    f.send('garden/bed2/moisture', '36');
    expect(f.pipeline.entity('sensor.bed_2').state).toBe(36);
    const renamed = f.pipeline.rename('sensor.bed_2', { name: 'Herbs' });
    expect(f.events.at(-1)).toEqual({ type: 'state', before: expect.objectContaining({ name: 'Bed 2' }), after: renamed });
  });

  it('publishes commands in the device format, refuses what the entity cannot do, and knows no entity it does not have', async () => {
    const f = fixture();
    f.send('homeassistant/switch/plug1/config', PLUG_CONFIG);
    expect(await f.pipeline.command('switch.desk_plug', { on: true })).toEqual(['cmnd/plug1/POWER']);
    expect(f.published).toEqual([['cmnd/plug1/POWER', 'ON', { qos: 0, retain: false }]]);
    await expect(f.pipeline.command('switch.desk_plug', { brightness: 10 })).rejects.toBeInstanceOf(CommandRefused);
    await expect(f.pipeline.command('light.nowhere', { on: true })).rejects.toBeInstanceOf(EntityNotFound);
    expect(() => f.pipeline.entity('light.nowhere')).toThrow(EntityNotFound);
    expect(f.pipeline.find('light.nowhere')).toBeUndefined();
  });

  it('assumes the state a command sets on an entity that reports none', async () => {
    const f = fixture();
    f.send('homeassistant/switch/fountain/config', { name: 'Fountain', uniq_id: 'fountain', cmd_t: 'garden/fountain/set' });
    await f.pipeline.command('switch.fountain', { on: true });
    expect(f.published).toEqual([['garden/fountain/set', 'ON', { qos: 0, retain: false }]]);
    expect(f.events.at(-1)).toEqual({ type: 'state', before: expect.objectContaining({ state: null }), after: expect.objectContaining({ state: 'on', available: true }) });
    expect(f.stored.states.at(-1)?.[1].state).toBe('on');
  });

  it('removes what a discovery topic withdraws, and starts from what was stored', () => {
    const f = fixture();
    f.send('homeassistant/switch/plug1/config', PLUG_CONFIG);
    f.send('stat/plug1/POWER', 'ON');
    f.send('homeassistant/switch/plug1/config', '');
    expect(f.events.at(-1)).toEqual({ type: 'removed', id: 'switch.desk_plug' });
    expect(f.stored.deleted).toEqual(['switch.desk_plug']);

    const restarted = fixture();
    const entity: Entity = { id: 'switch.desk_plug', name: 'Desk plug', area: null, definition: { uniqueId: 'u1', kind: 'switch', objectId: 'desk_plug', name: 'Desk plug', state: { topic: 'stat/plug1/POWER', value: { kind: 'raw' }, payloadOn: 'ON', payloadOff: 'OFF' }, attributes: [], supports: {}, source: 'discovery', origin: 'x' } };
    restarted.pipeline.load({ devices: [], entities: [entity], states: [['switch.desk_plug', { state: 'on', attributes: {}, available: true, lastChanged: 5, lastUpdated: 5 }]] });
    restarted.send('stat/plug1/POWER', 'OFF');
    expect(restarted.events).toEqual([{ type: 'state', before: expect.objectContaining({ state: 'on' }), after: expect.objectContaining({ state: 'off' }) }]);
  });
});
