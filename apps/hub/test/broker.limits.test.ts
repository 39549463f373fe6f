import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { BrokerService } from '../src/broker/broker.service.js';
import { collect, connectClient, connectCollecting } from './support/mqtt-client.js';
import { useTestHub } from './support/test-hub.js';

describe('packet and client-id limits, $SYS, health', () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_PACKET_SIZE: '1024', HEARTH_MQTT_SYS_INTERVAL: '1', HEARTH_MQTT_MAX_QUEUED: '5', HEARTH_MQTT_MAX_CLIENT_ID_LENGTH: '16' });

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
    // A filter starting with a wildcard does not match $SYS, neither live nor retained.
    const everything = await connectClient(hub.mqttUrl);
    const all = collect(everything);
    await everything.subscribeAsync('#');
    await everything.publishAsync('sys/after', 'x', { qos: 1 });
    await all.waitFor(1);
    expect(all.messages.filter((m) => m.topic.startsWith('$'))).toEqual([]);
    await everything.endAsync();
    await client.endAsync();
  });

  it('closes a client whose keep-alive lapses and publishes its will', async () => {
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('lapsed/status', { qos: 1 });
    // A raw client that connects with a 1 s keep-alive and then falls silent, as a sensor losing power would.
    const socket = connect(hub.mqtt!.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume(); // read the CONNACK, so that the broker's close reaches us
    socket.write(
      mqttPacket.generate({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'lapsing', clean: true, keepalive: 1,
        will: { topic: 'lapsed/status', payload: Buffer.from('lost'), qos: 1, retain: false },
      } as mqttPacket.IConnectPacket),
    );
    const closed = new Promise<number>((resolve) => {
      const started = Date.now();
      socket.on('close', () => resolve(Date.now() - started));
    });
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'lapsed/status', payload: 'lost' });
    // MQTT allows one and a half keep-alive periods before the server gives up.
    expect(await closed).toBeGreaterThanOrEqual(1000);
    await watcher.endAsync();
  });

  it('keeps at most maxQueued messages for an offline session and counts the dropped ones', async () => {
    const session = { clientId: 'sleepy', clean: false } as const;
    const sleepy = await connectClient(hub.mqttUrl, session);
    await sleepy.subscribeAsync('queued/#', { qos: 1 });
    await sleepy.endAsync();
    const pub = await connectClient(hub.mqttUrl);
    for (let i = 0; i < 8; i++) await pub.publishAsync('queued/reading', String(i), { qos: 1 });
    const { client: back, inbox } = await connectCollecting(hub.mqttUrl, session);
    await inbox.waitFor(5);
    await pub.publishAsync('queued/marker', 'm', { qos: 1 });
    await inbox.waitFor(6);
    expect(inbox.messages.map((m) => m.payload)).toEqual(['0', '1', '2', '3', '4', 'm']);
    expect(hub.app.get(BrokerService).stats.publishDropped).toBe(3);
    await Promise.all([pub.endAsync(), back.endAsync()]);
  });

  it('reports broker and database health at GET /api/health', async () => {
    const response = await fetch(`${hub.httpUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', broker: { status: 'ok' }, database: { status: 'ok' } });
  });
});

describe('connection limit', () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_CONNECTIONS: '4' });

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
