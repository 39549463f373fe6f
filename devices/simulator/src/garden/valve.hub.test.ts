// Watering the garden: the simulated garden sensor over MQTT-SN (UDP) against a real hub, whose
// hearth-garden-sensor profile makes its valve an entity. Commands from the REST API and from a rule reach
// the sleeping sensor through the gateway's buffer, and the valve state it reports comes back as the state.
import { fileURLToPath } from 'node:url';
import type { EntityDto } from '@hearth/api-types';
import { Random } from '@hearth/random';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../../apps/hub/test/support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from '../../../../apps/hub/test/support/test-hub.js';
import { ManualClock } from '../clock.js';
import { Environment } from '../environment.js';
import { UdpLink } from './links.js';
import { GardenSensor } from './sensor.js';

const PROFILES = fileURLToPath(new URL('../../../profiles/', import.meta.url));
const VALVE = 'valve.herbs_watering_valve';

describe('the garden sensor valve on a hub', () => {
  let hub: TestHub;
  let link: UdpLink;
  let sensor: GardenSensor;
  const clock = new ManualClock();

  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_PROFILES_DIR: PROFILES, HEARTH_LOG_LEVEL: 'warn' });
    link = await UdpLink.open({ host: '127.0.0.1', port: hub.mqttSn!.port });
    sensor = new GardenSensor({ id: 'herbs', topicIds: 'register', qos: 1, sleepSeconds: 300 }, { clock, random: new Random(7), environment: new Environment() }, link, { retryMs: 2000 });
    sensor.start();
  });
  afterAll(async () => {
    sensor.stop();
    await link.close();
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  const valve = async (): Promise<EntityDto | undefined> => {
    const response = await hub.api(`/api/entities/${VALVE}`);
    return response.ok ? ((await response.json()) as EntityDto) : undefined;
  };
  /** Once the sensor is asleep, lets it sleep through one report interval: it wakes, takes buffered commands and reports. */
  const nextWake = async () => {
    await expect.poll(() => clock.pending, { timeout: 10_000 }).toBe(1);
    clock.advance(300_000);
  };

  it('is a valve entity, closed as the sensor reports at boot, not an unmapped topic', async () => {
    await expect.poll(valve, { timeout: 10_000 }).toMatchObject({ kind: 'valve', state: 'closed', commands: ['open'], available: true });
    const unmapped = (await (await hub.api('/api/topics/unmapped')).json()) as Array<{ topic: string }>;
    expect(unmapped.map((topic) => topic.topic)).not.toContain('garden/herbs/valve');
  });

  it('opens from the REST API: the sensor takes the command at its next wake-up and reports the valve open', async () => {
    expect((await hub.api(`/api/entities/${VALVE}/command`, { body: { open: true } })).status).toBe(202);
    await nextWake();
    await expect.poll(valve, { timeout: 10_000 }).toMatchObject({ state: 'open' });
    expect(sensor.valveOpen).toBe(true);
  });

  it('opens from a rule, for a sensor that booted since', async () => {
    // A sensor that just booted (a clean session again).
    sensor.stop();
    await link.close();
    link = await UdpLink.open({ host: '127.0.0.1', port: hub.mqttSn!.port });
    sensor = new GardenSensor({ id: 'herbs', topicIds: 'register', qos: 1, sleepSeconds: 300 }, { clock, random: new Random(8), environment: new Environment() }, link, { retryMs: 2000 });
    sensor.start();
    await expect.poll(valve, { timeout: 10_000 }).toMatchObject({ state: 'closed' });

    const rule = {
      name: 'Water the herbs',
      triggers: [{ type: 'mqtt', topic: 'garden/water-now' }],
      actions: [{ type: 'command', entityId: VALVE, command: { open: true } }],
    };
    const created = await hub.api('/api/rules', { body: rule });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const client = await connectClient(hub.mqttUrl);
    await client.publishAsync('garden/water-now', 'now', { qos: 1 });
    await client.endAsync();
    // The rule has commanded the valve (the gateway holds it for the sleeping sensor) before the sensor wakes.
    await expect.poll(async () => ((await (await hub.api(`/api/rules/${id}/traces`)).json()) as Array<{ result: string }>)[0]?.result, { timeout: 10_000 }).toBe('done');
    await nextWake();
    await expect.poll(valve, { timeout: 10_000 }).toMatchObject({ state: 'open' });
    expect(sensor.valveOpen).toBe(true);
  });

  it('closes from the API at a later wake-up: the sensor still hears commands after reconnecting from sleep', async () => {
    expect((await hub.api(`/api/entities/${VALVE}/command`, { body: { open: false } })).status).toBe(202);
    await nextWake();
    await expect.poll(valve, { timeout: 10_000 }).toMatchObject({ state: 'closed' });
    expect(sensor.valveOpen).toBe(false);
  });
});
