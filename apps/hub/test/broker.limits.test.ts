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
    // Acknowledged to the publisher, then dropped: never without a word. The first drop is logged at once.
    expect(hub.logs).toContainEqual(expect.objectContaining({ level: 40, clientId: 'sleepy', dropped: 1, maxQueued: 5, msg: expect.stringMatching(/^dropped messages for an offline session/) }));
    const sys = collect(pub);
    await pub.subscribeAsync('$SYS/broker/queue/#');
    await expect.poll(() => sys.messages.filter((m) => m.topic.startsWith('$SYS/broker/queue/')).map((m) => `${m.topic}=${m.payload}`).slice(-2).sort(), { timeout: 5000 }).toEqual([
      '$SYS/broker/queue/clients/dropped={"sleepy":3}',
      '$SYS/broker/queue/messages/dropped=3',
    ]);
    const health = (await (await hub.api('/api/health')).json()) as { broker: { queueDrops: unknown } };
    expect(health.broker.queueDrops).toEqual({ total: 3, clients: [{ clientId: 'sleepy', dropped: 3, lastAt: expect.any(String) }] });
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

describe('offline queues with the default limits', () => {
  const defaults = useTestHub();

  it('keep a sensor\'s day of readings (8,640, one every 10 s) for an offline session', async () => {
    const session = { clientId: 'away-for-a-day', clean: false } as const;
    const away = await connectClient(defaults.mqttUrl, session);
    await away.subscribeAsync('meter/#', { qos: 1 });
    await away.endAsync();
    const meter = await connectClient(defaults.mqttUrl);
    await Promise.all(Array.from({ length: 8640 }, (_, i) => meter.publishAsync('meter/power', String(1000 + i), { qos: 1 })));
    const { client: back, inbox } = await connectCollecting(defaults.mqttUrl, session);
    await inbox.waitFor(8640, 20_000);
    expect(inbox.messages.map((m) => Number(m.payload))).toEqual(Array.from({ length: 8640 }, (_, i) => 1000 + i));
    expect(defaults.app.get(BrokerService).queueDrops.total).toBe(0);
    await Promise.all([meter.endAsync(), back.endAsync()]);
  });
});

describe('offline queues with a byte limit', () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_QUEUED_BYTES: '8192' });

  it('drop by bytes past HEARTH_MQTT_MAX_QUEUED_BYTES, and count it', async () => {
    const session = { clientId: 'camera', clean: false } as const;
    const camera = await connectClient(hub.mqttUrl, session);
    await camera.subscribeAsync('snapshots/#', { qos: 1 });
    await camera.endAsync();
    const pub = await connectClient(hub.mqttUrl);
    // 2,000-byte payloads: three fit in 8 KiB with their overhead, the fourth does not.
    for (let i = 0; i < 6; i++) await pub.publishAsync('snapshots/door', String(i).repeat(2000), { qos: 1 });
    const { client: back, inbox } = await connectCollecting(hub.mqttUrl, session);
    await inbox.waitFor(3);
    await pub.publishAsync('snapshots/marker', 'm', { qos: 1 });
    await inbox.waitFor(4);
    expect(inbox.messages.map((m) => m.payload[0])).toEqual(['0', '1', '2', 'm']);
    expect(hub.app.get(BrokerService).queueDrops.byClient()).toMatchObject([{ clientId: 'camera', dropped: 3 }]);
    await Promise.all([pub.endAsync(), back.endAsync()]);
  });
});
