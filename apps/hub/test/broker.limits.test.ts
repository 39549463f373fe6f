import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerService } from '../src/broker/broker.service.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

describe('packet and client-id limits, $SYS, health', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_MAX_PACKET_SIZE: '1024', HEARTH_MQTT_SYS_INTERVAL: '1', HEARTH_MQTT_MAX_CLIENT_ID_LENGTH: '16' });
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('closes only the client that sends a packet over the size limit', async () => {
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('big/#');
    const big = await connectClient(hub.mqttUrl);
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish('big/one', Buffer.alloc(2000, 1));
    await closed;
    await watcher.publishAsync('big/small', 'fits');
    expect((await inbox.waitFor(1)).map((m) => m.topic)).toEqual(['big/small']);
    big.end(true);
    await watcher.endAsync();
  });

  it('refuses a client id longer than the configured maximum', async () => {
    await expect(connectClient(hub.mqttUrl, { clientId: 'a-client-id-far-too-long' })).rejects.toThrow(/Identifier rejected|closed/);
  });

  it('publishes Mosquitto-style $SYS/broker topics', async () => {
    const client = await connectClient(hub.mqttUrl);
    const inbox = collect(client);
    await client.subscribeAsync('$SYS/broker/#');
    await client.publishAsync('sys/probe', 'x', { qos: 1 });
    const wanted = ['version', 'uptime', 'clients/connected', 'clients/maximum', 'messages/received', 'messages/sent', 'bytes/received', 'bytes/sent', 'retained messages/count', 'subscriptions/count', 'publish/messages/dropped', 'packets/malformed', 'load/messages/received/1min'];
    await expect
      .poll(() => wanted.filter((name) => !inbox.messages.some((m) => m.topic === `$SYS/broker/${name}`)), { timeout: 5000 })
      .toEqual([]);
    const latest = (name: string) => inbox.messages.filter((m) => m.topic === `$SYS/broker/${name}`).at(-1)!.payload;
    expect(latest('version')).toMatch(/^hearth \d+\.\d+\.\d+/);
    expect(latest('uptime')).toMatch(/^\d+ seconds$/);
    await expect.poll(() => Number(latest('clients/connected')), { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => Number(latest('messages/received')), { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    expect(Number(latest('packets/malformed'))).toBeGreaterThanOrEqual(1);
    await client.endAsync();
  });

  it('reports broker and database health at GET /api/health', async () => {
    const response = await fetch(`${hub.httpUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', broker: { status: 'ok' }, database: { status: 'ok' } });
  });
});

describe('connection limit', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_MAX_CONNECTIONS: '4' });
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('refuses connections over the connection limit and accepts again once one closes', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectClient(hub.mqttUrl)));
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(hub.mqtt!.port, '127.0.0.1');
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
      setTimeout(() => resolve(false), 3000);
    });
    expect(refused).toBe(true);
    await clients[0].endAsync();
    await expect.poll(() => hub.app.get(BrokerService).connectedClients).toBe(3);
    const again = await connectClient(hub.mqttUrl);
    await Promise.all([again, ...clients.slice(1)].map((client) => client.endAsync()));
  });
});
