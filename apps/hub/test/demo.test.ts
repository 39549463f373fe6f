import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EnergyReportDto, EntityDto, EntityHistoryDto, MeterDto } from '@hearth/api-types';
import { afterEach, describe, expect, it } from 'vitest';
import { hearth } from './support/hearth-cli.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { removeDataDir, tempDataDir } from './support/test-hub.js';

const SIMULATOR_CLI = fileURLToPath(new URL('../../../devices/simulator/dist/cli.js', import.meta.url));
const ADMIN = { username: 'olivia', password: 'olivia-password' };

/** A hub process with an admin made by `hearth user add` before it started, with production MQTT defaults (no anonymous clients). */
async function hubWithAdmin(args: string[], cleanup: Array<() => void>): Promise<HubProcess & { get<T>(path: string): Promise<T>; entities(): Promise<EntityDto[]> }> {
  const dataDir = tempDataDir();
  cleanup.push(() => removeDataDir(dataDir));
  expect((await hearth(['user', 'add', ADMIN.username, '--role', 'admin'], dataDir, `${ADMIN.password}\n`)).code).toBe(0);
  const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_MQTT_ANONYMOUS: 'false' }, args);
  cleanup.push(() => hub.child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${hub.httpPort}/api`;
  const login = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const { token } = (await login.json()) as { token: string };
  const get = async <T>(path: string) => (await (await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
  return { ...hub, get, entities: () => get<EntityDto[]>('/entities') };
}

describe('demo mode', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  it('npm start -- --demo: lights, a house meter that moves and garden sensors over MQTT-SN show up within seconds', async () => {
    const hub = await hubWithAdmin(['--demo'], cleanup);
    // The month of history is replayed first (a few seconds here; longer on a Pi).
    await expect.poll(() => hub.output.some((line) => /"demo":true.*demo mode is on: 13 simulated devices, time x60/.test(line)), { timeout: 30_000 }).toBe(true);

    const meterReadings = new Set<unknown>();
    const gardenMoisture = (list: EntityDto[], sensor: string) => list.find((e) => e.uniqueId === `profile:hearth-garden-sensor/${sensor}/moisture`)?.state;
    await expect
      .poll(
        async () => {
          const list = await hub.entities();
          meterReadings.add(list.find((e) => e.uniqueId === 'house_meter_power')?.state);
          return {
            lights: list.filter((e) => e.kind === 'light' && e.available).length,
            // The household boils the kettle two simulated minutes in: the meter jumps by 2 kW.
            meterChanged: [...meterReadings].filter((watts) => typeof watts === 'number').length >= 2,
            garden: ['herbs', 'lawn', 'tomatoes'].map((sensor) => typeof gardenMoisture(list, sensor)),
          };
        },
        { timeout: 45_000, interval: 500 },
      )
      .toEqual({ lights: 3, meterChanged: true, garden: ['number', 'number', 'number'] });
  }, 75_000);

  it('starts with 30 days of history: the house meter is the grid import, the plugs are devices, a week has kWh and cost, nothing counted twice', async () => {
    const hub = await hubWithAdmin(['--demo'], cleanup);
    await expect.poll(() => hub.output.some((line) => /demo history: 30 days replayed/.test(line)), { timeout: 30_000 }).toBe(true);

    const meters = await hub.get<MeterDto[]>('/energy/meters');
    const mains = meters.find((meter) => meter.role === 'grid_import');
    expect(mains?.entityId).toBe((await hub.entities()).find((entity) => entity.uniqueId === 'house_meter_total')?.id);
    const devices = meters.filter((meter) => meter.role === 'device');
    expect(devices.map((meter) => meter.entityId).sort()).toEqual(['sensor.desk_energy', 'sensor.kettle_energy', 'sensor.tv_energy']);

    const weekAgo = new Date(Date.now() - 7 * 24 * 3_600_000).toISOString();
    const week = await hub.get<EnergyReportDto>(`/energy?from=${weekAgo}&period=day`);
    expect(week.buckets.length).toBeGreaterThanOrEqual(7);
    const { house, untracked, devices: byDevice } = week.total;
    // Roughly 5-10 kWh a day for the simulated house; the plugs' share is part of it, never on top of it.
    expect(house.kwh).toBeGreaterThan(7 * 3);
    expect(house.cost).toBeGreaterThan(house.kwh * 0.16);
    expect(house.cost).toBeLessThan(house.kwh * 0.31);
    const deviceKwh = Object.values(byDevice).reduce((sum, amount) => sum + amount.kwh, 0);
    expect(deviceKwh).toBeGreaterThan(0);
    expect(untracked.kwh).toBeCloseTo(house.kwh - deviceKwh, 6);
    expect(untracked.kwh).toBeGreaterThan(0);

    const history = await hub.get<EntityHistoryDto>(`/history/${mains!.entityId}?from=${new Date(Date.now() - 30 * 24 * 3_600_000).toISOString()}&resolution=auto`);
    // Auto: 30 days at 5 minutes would be 8,640 points, hourly gives about 720.
    expect(history.resolution).toBe('hour');
    expect(history.statistics.length).toBeGreaterThan(700);
  }, 60_000);

  it('npm run simulate signs in to a hub with --username/--password', async () => {
    const hub = await hubWithAdmin([], cleanup);
    const simulator = spawn(process.execPath, [SIMULATOR_CLI, '--mqtt', `mqtt://127.0.0.1:${hub.mqttPort}`, '--username', ADMIN.username, '--password', ADMIN.password, '--devices', 'kitchen_light'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => simulator.kill('SIGKILL'));
    let output = '';
    simulator.stdout.on('data', (chunk) => (output += chunk));
    simulator.stderr.on('data', (chunk) => (output += chunk));
    await expect.poll(() => output, { timeout: 10_000 }).toMatch(/^simulating 1 devices .*: kitchen_light\n/);
    await expect.poll(async () => (await hub.entities()).find((e) => e.id === 'light.kitchen_light')?.available, { timeout: 10_000 }).toBe(true);
  });
});
