import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EntityDto } from '@hearth/api-types';
import { afterEach, describe, expect, it } from 'vitest';
import { hearth } from './support/hearth-cli.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { removeDataDir, tempDataDir } from './support/test-hub.js';

const SIMULATOR_CLI = fileURLToPath(new URL('../../../devices/simulator/dist/cli.js', import.meta.url));
const ADMIN = { username: 'olivia', password: 'olivia-password' };

/** A hub process with an admin made by `hearth user add` before it started, with production MQTT defaults (no anonymous clients). */
async function hubWithAdmin(args: string[], cleanup: Array<() => void>): Promise<HubProcess & { entities(): Promise<EntityDto[]> }> {
  const dataDir = tempDataDir();
  cleanup.push(() => removeDataDir(dataDir));
  expect((await hearth(['user', 'add', ADMIN.username, '--role', 'admin'], dataDir, `${ADMIN.password}\n`)).code).toBe(0);
  const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_MQTT_ANONYMOUS: 'false' }, args);
  cleanup.push(() => hub.child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${hub.httpPort}/api`;
  const login = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const { token } = (await login.json()) as { token: string };
  const entities = async () => (await (await fetch(`${api}/entities`, { headers: { authorization: `Bearer ${token}` } })).json()) as EntityDto[];
  return { ...hub, entities };
}

describe('demo mode', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  it('npm start -- --demo: lights, a house meter that moves and garden sensors over MQTT-SN show up within seconds', async () => {
    const hub = await hubWithAdmin(['--demo'], cleanup);
    await expect.poll(() => hub.output.some((line) => /"demo":true.*demo mode is on: 13 simulated devices, time x60/.test(line)), { timeout: 10_000 }).toBe(true);

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
