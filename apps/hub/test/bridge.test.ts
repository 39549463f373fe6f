import type { BridgeStateDto } from '@hearth/api-types';
import { describe, expect, it } from 'vitest';
import { connectClient, connectCollecting, type Inbox } from './support/mqtt-client.js';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import type { RunningMosquitto } from './support/mosquitto.js';
import { useTestParts } from './support/cleanups.js';
import { removeDataDir, startTestHub, tempDataDir, type TestHub } from './support/test-hub.js';

// Bridges from the embedded broker to a remote one: Debian's Mosquitto, started here on a loopback port.

const TOPICS = ['sensors/# out 1 home/ site1/', 'cmd/# in 1 home/ site1/', 'shared/# both 1'];

describe('bridges to another broker', () => {
  const parts = useTestParts();
  const { undo, client } = parts;
  const remoteBroker = () => parts.mosquitto();
  const hubBridgedTo = (remote: RunningMosquitto, dataDir?: string): Promise<TestHub> => parts.hub({ HEARTH_BRIDGES: JSON.stringify([{ name: 'cloud', url: remote.url, topics: TOPICS }]) }, dataDir);
  const watcher = async (url: string, filters: string[], options = {}): Promise<Inbox> => {
    const { client: connected, inbox } = await connectCollecting(url, options);
    undo(() => connected.endAsync(true));
    await connected.subscribeAsync(filters, { qos: 1 });
    return inbox;
  };
  const bridge = async (hub: TestHub): Promise<BridgeStateDto> => ((await (await hub.api('/api/health')).json()) as { bridges: BridgeStateDto[] }).bridges[0];
  const payloads = (inbox: Inbox, topic: string) => inbox.messages.filter((m) => m.topic === topic).map((m) => m.payload.toString());

  it('passes messages both ways with the prefixes swapped, never back where they came from, and says its link state', async (context) => {
    requirePackage(context, 'mosquitto');
    const remote = await remoteBroker();
    const hub = await hubBridgedTo(remote);
    const local = await watcher(hub.mqttUrl, ['home/#', 'shared/#', '$SYS/broker/connection/+/state']);
    const far = await watcher(remote.url, ['site1/#', 'shared/#']);
    await expect.poll(() => bridge(hub), { timeout: 10_000 }).toMatchObject({ name: 'cloud', remote: remote.url, connected: true });
    await expect.poll(() => payloads(local, '$SYS/broker/connection/cloud/state')).toContain('1');

    const device = await client(hub.mqttUrl);
    const cloud = await client(remote.url);
    await device.publishAsync('home/sensors/moisture', '42', { qos: 1 });
    await cloud.publishAsync('site1/cmd/pump', 'on', { qos: 1 });
    await device.publishAsync('shared/from-home', 'a', { qos: 1 });
    await cloud.publishAsync('shared/from-cloud', 'b', { qos: 1 });
    // A round trip after them: an echo of any of them would have come back by the time it has.
    await device.publishAsync('home/sensors/sentinel', 'x', { qos: 1 });
    await expect.poll(() => payloads(far, 'site1/sensors/sentinel'), { timeout: 5_000 }).toEqual(['x']);
    await cloud.publishAsync('site1/cmd/sentinel', 'y', { qos: 1 });
    await expect.poll(() => payloads(local, 'home/cmd/sentinel'), { timeout: 5_000 }).toEqual(['y']);

    expect(payloads(far, 'site1/sensors/moisture')).toEqual(['42']);
    expect(payloads(local, 'home/cmd/pump')).toEqual(['on']);
    // Not carried where no line says so.
    expect(payloads(far, 'site1/cmd/pump')).toEqual(['on']);
    expect(payloads(local, 'home/sensors/moisture')).toEqual(['42']);
    // `both`: across once, and not back.
    expect(payloads(far, 'shared/from-home')).toEqual(['a']);
    expect(payloads(local, 'shared/from-home')).toEqual(['a']);
    expect(payloads(local, 'shared/from-cloud')).toEqual(['b']);
    expect(payloads(far, 'shared/from-cloud')).toEqual(['b']);
    expect(await bridge(hub)).toMatchObject({ forwarded: { out: 3, in: 3 } });
  });

  it('keeps what goes out while the remote broker is away, without holding publishers up, and delivers every QoS 1 message in order once it is back', async (context) => {
    requirePackage(context, 'mosquitto');
    const remote = await remoteBroker();
    const hub = await hubBridgedTo(remote);
    // A persistent subscriber on the remote broker, reconnecting as the broker comes back.
    const far = await watcher(remote.url, ['site1/sensors/#'], { clientId: 'far-watcher', clean: false, reconnectPeriod: 200 });
    await expect.poll(() => bridge(hub), { timeout: 10_000 }).toMatchObject({ connected: true });
    const device = await client(hub.mqttUrl);

    // 3,000 while the remote is away: far more than fit in the buffers between the broker and a bridge that
    // cannot pass them on, so a bridge that held its publishers up would stall this loop.
    const total = 3_200;
    for (let i = 0; i < total; i++) {
      if (i === 100) {
        await remote.stop();
        await expect.poll(() => bridge(hub), { timeout: 10_000 }).toMatchObject({ connected: false });
      }
      if (i === 3_100) await remote.restart();
      await device.publishAsync('home/sensors/seq', String(i), { qos: 1 });
    }
    await expect.poll(() => payloads(far, 'site1/sensors/seq').includes(String(total - 1)), { timeout: 20_000 }).toBe(true);

    const received = payloads(far, 'site1/sensors/seq').map(Number);
    const firsts = received.filter((n, i) => received.indexOf(n) === i);
    expect(firsts).toEqual(Array.from({ length: total }, (_, i) => i));
    // QoS 1 may repeat what was in flight when the link broke: a handful at the cut, not a replay.
    expect(received.length - total).toBeLessThanOrEqual(20);
    const log = hub.logs.map((line) => line.msg);
    expect(log).toContain('bridge lost its remote broker; what goes out waits in the hub until it is back');
  });

  it('keeps what waits for the remote broker across a restart of the hub', async (context) => {
    requirePackage(context, 'mosquitto');
    const remote = await remoteBroker();
    const dataDir = tempDataDir();
    const first = await startTestHub({ HEARTH_BRIDGES: JSON.stringify([{ name: 'cloud', url: remote.url, topics: TOPICS }]) }, dataDir);
    undo(() => removeDataDir(dataDir));
    await expect.poll(() => bridge(first), { timeout: 10_000 }).toMatchObject({ connected: true });
    const far = await watcher(remote.url, ['site1/sensors/#'], { clientId: 'far-watcher', clean: false, reconnectPeriod: 200 });
    await remote.stop();
    const device = await connectClient(first.mqttUrl);
    for (let i = 0; i < 50; i++) await device.publishAsync('home/sensors/seq', String(i), { qos: 1 });
    await device.endAsync();
    await first.close();

    const second = await hubBridgedTo(remote, dataDir);
    await remote.restart();
    await expect.poll(() => payloads(far, 'site1/sensors/seq').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(50);
    const received = payloads(far, 'site1/sensors/seq').map(Number);
    expect(received.filter((n, i) => received.indexOf(n) === i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await bridge(second)).toMatchObject({ connected: true });
  });
});
