import type { EnergyReportDto, EnergyTariffsDto, EntityHistoryDto, MeterDto } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

const json = async (response: Promise<Response>) => (await response).json();

const MAINS = { dev: { ids: ['mains1'], name: 'Mains meter' }, stat_t: 'meter/mains/state' };

describe('energy API', () => {
  let hub: TestHub;
  let device: MqttClient;
  let cellarHeaders: Record<string, string>;
  const dayStart = new Date(Date.now() - 3_600_000).toISOString();
  const dayEnd = new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    hub = await startTestHub();
    device = await connectClient(hub.mqttUrl, { clientId: 'energy-devices' });
    // A mains meter announcing an energy counter and a power entity on one device (one meter, from the counter),
    // and a Tasmota plug whose energy is an attribute of its power entity (a profile).
    await device.publishAsync('homeassistant/sensor/mains1/energy/config', JSON.stringify({ ...MAINS, name: 'Energy', uniq_id: 'mains1_energy', dev_cla: 'energy', unit_of_meas: 'kWh', stat_cla: 'total_increasing', val_tpl: '{{ value_json.total }}' }), { retain: true });
    await device.publishAsync('homeassistant/sensor/mains1/power/config', JSON.stringify({ ...MAINS, name: 'Power', uniq_id: 'mains1_power', dev_cla: 'power', unit_of_meas: 'W', val_tpl: '{{ value_json.power }}' }), { retain: true });
    await device.publishAsync('tele/kettle/LWT', 'Online', { retain: true });
    await vi.waitFor(async () => expect(await json(hub.api('/api/energy/meters'))).toHaveLength(2), { timeout: 10_000 });
    const accounts = hub.app.get(Accounts);
    await accounts.addUser({ username: 'cellar', password: 'cellar-password', role: 'user', areas: ['Cellar'] });
    const login = (await json(fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'cellar', password: 'cellar-password' }) }))) as { token: string };
    cellarHeaders = { authorization: `Bearer ${login.token}` };
  });
  afterAll(async () => {
    await device?.endAsync();
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it('lists each meter once, from its energy counter where it has one, as a device until someone sets its role', async () => {
    const meters = (await json(hub.api('/api/energy/meters'))) as MeterDto[];
    expect(meters).toEqual([
      { entityId: 'power_meter.kettle_power', name: 'kettle Power', area: null, role: 'device', source: 'counter' },
      { entityId: 'sensor.mains_meter_energy', name: 'Mains meter Energy', area: null, role: 'device', source: 'counter' },
    ]);
    expect(await json(hub.api('/api/energy/meters/sensor.mains_meter_energy', { method: 'PUT', body: { role: 'grid_import' } }))).toMatchObject({ role: 'grid_import' });
    const refused = await hub.api('/api/energy/meters/sensor.mains_meter_energy', { method: 'PUT', body: { role: 'mains' } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('role must be one of grid_import, grid_export, solar, device');
    expect((await hub.api('/api/energy/meters/sensor.mains_meter_power', { method: 'PUT', body: { role: 'solar' } })).status).toBe(404);
    expect((await hub.api('/api/energy/meters/sensor.mains_meter_energy', { method: 'PUT', body: { role: 'device' }, headers: cellarHeaders })).status).toBe(403);
  });

  it('keeps tariffs with valid-from dates, refusing nonsense with every problem named', async () => {
    const tariffs: EnergyTariffsDto = { currency: 'EUR', tariffs: [{ validFrom: '2000-01-01', price: 0.3, exportPrice: 0.05, windows: [] }] };
    expect(await json(hub.api('/api/energy/tariffs', { method: 'PUT', body: tariffs }))).toEqual(tariffs);
    const bad = await hub.api('/api/energy/tariffs', { method: 'PUT', body: { currency: 'EUR', tariffs: [{ validFrom: '2026-13-01', price: 0.3, exportPrice: 0, windows: [{ days: ['mon'], from: '22:00', to: '06:07', price: 0.1 }] }] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string[] }).message).toEqual([
      'tariffs[0].validFrom must be a date YYYY-MM-DD, not "2026-13-01"',
      'tariffs[0].windows[0].to must be on a 5-minute boundary (statistics are kept in 5-minute buckets), not 06:07',
    ]);
    const shapeless = await hub.api('/api/energy/tariffs', { method: 'PUT', body: { currency: 'EUR', tariffs: [{ validFrom: '2026-01-01', price: 'cheap' }] } });
    expect(shapeless.status).toBe(400);
    expect((await hub.api('/api/energy/tariffs', { method: 'PUT', body: tariffs, headers: cellarHeaders })).status).toBe(403);
    expect(await json(hub.api('/api/energy/tariffs', { headers: cellarHeaders }))).toEqual(tariffs);
  });

  it('gives kWh and cost of the house, each device and what no device accounts for, counting nothing twice', async () => {
    for (const [mains, kettle] of [
      [1000, 3.0],
      [1000.4, 3.1],
      [1000.5, 3.2],
    ]) {
      await device.publishAsync('meter/mains/state', JSON.stringify({ total: mains, power: 500 }), { qos: 1 });
      await device.publishAsync('tele/kettle/SENSOR', JSON.stringify({ ENERGY: { Total: kettle, Power: 2000 } }), { qos: 1 });
    }
    await expect.poll(async () => ((await json(hub.api('/api/history/power_meter.kettle_power'))) as EntityHistoryDto).points.length).toBe(3);
    const report = (await json(hub.api(`/api/energy?from=${dayStart}&to=${dayEnd}&period=day`))) as EnergyReportDto;
    expect(report).toMatchObject({ period: 'day', currency: 'EUR', meters: [{ entityId: 'power_meter.kettle_power', role: 'device' }, { entityId: 'sensor.mains_meter_energy', role: 'grid_import' }] });
    const close = (kwh: number, cost: number) => ({ kwh: expect.closeTo(kwh, 9), cost: expect.closeTo(cost, 9) });
    expect(report.total).toMatchObject({
      house: close(0.5, 0.15),
      gridImport: close(0.5, 0.15),
      untracked: close(0.3, 0.09),
      devices: { 'power_meter.kettle_power': close(0.2, 0.06) },
    });
    const hours = (await json(hub.api(`/api/energy?from=${dayStart}&to=${dayEnd}&period=hour`))) as EnergyReportDto;
    expect(hours.buckets).toHaveLength(3);
    expect(hours.buckets.reduce((sum, bucket) => sum + bucket.house.kwh, 0)).toBeCloseTo(0.5, 9);
  });

  it('shows a person restricted to areas only the meters in them', async () => {
    expect(await json(hub.api('/api/energy/meters', { headers: cellarHeaders }))).toEqual([]);
    await hub.api('/api/entities/power_meter.kettle_power', { method: 'PATCH', body: { area: 'Cellar' } });
    const report = (await json(hub.api(`/api/energy?from=${dayStart}&to=${dayEnd}&period=day`, { headers: cellarHeaders }))) as EnergyReportDto;
    expect(report.meters.map((m) => m.entityId)).toEqual(['power_meter.kettle_power']);
    // Without a grid meter in view, the house is the devices it can see.
    expect(report.total.house.kwh).toBeCloseTo(0.2, 9);
    expect((await hub.api('/api/history/sensor.mains_meter_energy', { headers: cellarHeaders })).status).toBe(404);
  });

  it('answers 400 naming the parameter, and bounds every answer', async () => {
    for (const [path, problem] of [
      ['/api/energy?period=fortnight', 'period must be one of hour, day, week, month, year'],
      ['/api/energy?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&period=hour', 'period hour over this range gives more than 1000 buckets'],
      ['/api/energy/power?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'at most 7 days apart'],
      ['/api/export.csv', 'entities must name at least one entity'],
      ['/api/export.csv?entities=sensor.mains_meter_energy&resolution=auto', 'resolution must be one of raw, 5m, hour, day, week, month'],
    ]) {
      const response = await hub.api(path);
      expect(response.status, path).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(problem);
    }
  });

  it('exports readings and statistics as CSV, streamed, for the entities the caller may see', async () => {
    const raw = await hub.api(`/api/export.csv?entities=sensor.mains_meter_energy,power_meter.kettle_power&resolution=raw&from=${dayStart}&to=${dayEnd}`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await raw.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('entity_id,time,end,state,mean,min,max,change,unit');
    expect(lines.slice(1).map((line) => line.split(',').filter((_, i) => i === 0 || i === 3 || i === 8))).toEqual([
      ['sensor.mains_meter_energy', '1000', 'kWh'],
      ['sensor.mains_meter_energy', '1000.4', 'kWh'],
      ['sensor.mains_meter_energy', '1000.5', 'kWh'],
      ['power_meter.kettle_power', '2000', 'W'],
      ['power_meter.kettle_power', '2000', 'W'],
      ['power_meter.kettle_power', '2000', 'W'],
    ]);
    const daily = await (await hub.api(`/api/export.csv?entities=sensor.mains_meter_energy&resolution=day&from=${dayStart}&to=${dayEnd}`)).text();
    const [, row] = daily.trimEnd().split('\r\n');
    expect(Number(row.split(',')[7])).toBeCloseTo(0.5, 9);
    expect((await hub.api('/api/export.csv?entities=sensor.mains_meter_energy', { headers: cellarHeaders })).status).toBe(404);
  });
});

describe('upgrading a hub with history', () => {
  it('computes the statistics of history recorded before statistics existed, once, at the next start', async () => {
    let hub = await startTestHub();
    const device = await connectClient(hub.mqttUrl, { clientId: 'old-meter' });
    await device.publishAsync('homeassistant/sensor/old1/config', JSON.stringify({ name: 'Old meter', uniq_id: 'old1', stat_t: 'old/meter', dev_cla: 'energy', unit_of_meas: 'kWh', stat_cla: 'total_increasing' }), { retain: true });
    await device.publishAsync('homeassistant/binary_sensor/door1/config', JSON.stringify({ name: 'Back door', uniq_id: 'door1', stat_t: 'old/door' }), { retain: true });
    await vi.waitFor(async () => expect(await json(hub.api('/api/entities'))).toHaveLength(2), { timeout: 10_000 });
    await device.endAsync();
    const dataDir = hub.dataDir;
    await hub.close();
    // What an earlier version recorded: every change as a row of state_history, and the migration's mark.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${dataDir}/hearth.db`);
    const start = Date.now() - 3 * 3_600_000;
    const insert = db.prepare('INSERT INTO state_history (entity_id, time, state, attributes) VALUES (?, ?, ?, ?)');
    for (let i = 0; i <= 120; i++) insert.run('sensor.old_meter', start + i * 60_000, JSON.stringify(100 + i * 0.01), '{}');
    insert.run('binary_sensor.back_door', start, '"on"', '{}');
    db.prepare(`INSERT INTO setting (key, value, updated_at) VALUES ('statisticsBackfill', 'true', 0)`).run();
    db.close();

    hub = await startTestHub({}, dataDir);
    try {
      const hourly = (await json(hub.api(`/api/history/sensor.old_meter?resolution=hour&from=${new Date(start - 3_600_000).toISOString()}`))) as EntityHistoryDto;
      expect(hourly.statistics.reduce((sum, bucket) => sum + (bucket.change ?? 0), 0)).toBeCloseTo(1.2, 9);
      const raw = (await json(hub.api(`/api/history/sensor.old_meter?resolution=raw&from=${new Date(start).toISOString()}`))) as EntityHistoryDto;
      expect(raw.points).toHaveLength(121);
      // The door keeps its changes.
      expect(((await json(hub.api(`/api/history/binary_sensor.back_door?from=${new Date(start).toISOString()}`))) as EntityHistoryDto).points).toMatchObject([{ state: 'on' }]);
      expect(hub.logs.some((record) => record.msg === 'computed the statistics of the history recorded before this version' && record.entities === 1)).toBe(true);
    } finally {
      await hub.close();
    }
    // Once: the next start finds nothing to do.
    hub = await startTestHub({}, dataDir);
    expect(hub.logs.some((record) => record.msg === 'computed the statistics of the history recorded before this version')).toBe(false);
    await hub.close();
    removeDataDir(dataDir);
  });
});
