import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReturnCode, type SnMessage } from '@hearth/mqtt-sn';
import type { Database } from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { SQLITE } from '../src/database/database.tokens.js';
import { MqttSnService } from '../src/mqtt-sn/mqtt-sn.service.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { bufferedFor, multicastOnLoopback, SnMulticastSensor, SnUdpClient } from './support/mqtt-sn.js';
import { removeDataDir, startTestHub, tempDataDir, type TestHub } from './support/test-hub.js';

// Short Tretry so retransmissions show within a test; keep-alive lapses are driven by 1 s durations.
const FAST = { HEARTH_SN_RETRY_INTERVAL: '200', HEARTH_SN_MAX_RETRIES: '2' };
const SMOKE_ID = 5;

const publish = (topicId: number, payload: string, qos: -1 | 0 | 1 | 2, msgId: number, extra: Partial<{ dup: boolean; predefined: boolean }> = {}): SnMessage => ({
  type: 'publish',
  dup: extra.dup ?? false,
  qos,
  retain: false,
  topic: { topicIdType: extra.predefined ? 'predefined' : 'normal', topicId },
  msgId,
  payload: Buffer.from(payload),
});

async function connect(client: SnUdpClient, clientId: string, options: { duration?: number; cleanSession?: boolean; will?: { topic: string; message: string } } = {}): Promise<void> {
  const { duration = 60, cleanSession = true, will } = options;
  client.send({ type: 'connect', will: will !== undefined, cleanSession, duration, clientId });
  if (will) {
    await client.next('willtopicreq');
    client.send({ type: 'willtopic', will: { topic: will.topic, qos: 1, retain: false } });
    await client.next('willmsgreq');
    client.send({ type: 'willmsg', willMsg: Buffer.from(will.message) });
  }
  expect(await client.next('connack')).toEqual({ type: 'connack', returnCode: ReturnCode.ACCEPTED });
}

async function register(client: SnUdpClient, topicName: string, msgId = 1): Promise<number> {
  client.send({ type: 'register', topicId: 0, msgId, topicName });
  const regack = await client.next('regack');
  expect(regack).toMatchObject({ msgId, returnCode: ReturnCode.ACCEPTED });
  return regack.topicId;
}

const gatewayHealth = (hub: TestHub) => hub.app.get(MqttSnService).health();

describe('MQTT-SN gateway over UDP', () => {
  let hub: TestHub;
  let watcher: MqttClient;
  const clients: SnUdpClient[] = [];
  const snClient = async () => {
    const client = await SnUdpClient.open(hub.mqttSn!.port);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const csv = join(dataDir, 'predefined.csv');
    writeFileSync(csv, `clientId,topicName,topicId\n*,house/smoke,${SMOKE_ID}\n`);
    hub = await startTestHub({ ...FAST, HEARTH_SN_PREDEFINED: csv }, dataDir);
    watcher = await connectClient(hub.mqttUrl);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await watcher.endAsync();
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('logs its ready line and reports in the health check', async () => {
    expect(hub.logs).toContainEqual(expect.objectContaining({ listener: 'mqtt-sn-udp', host: '127.0.0.1', port: hub.mqttSn!.port }));
    const health = (await (await hub.api('/api/health')).json()) as { mqttSn: unknown };
    expect(health.mqttSn).toMatchObject({ status: 'ok' });
    expect(gatewayHealth(hub)).toMatchObject({ status: 'ok', udp: { port: hub.mqttSn!.port }, multicast: null, serial: null, clients: { active: 0, asleep: 0 } });
  });

  it('answers SEARCHGW with GWINFO', async () => {
    const client = await snClient();
    client.send({ type: 'searchgw', radius: 0 });
    expect(await client.next('gwinfo')).toEqual({ type: 'gwinfo', gwId: 1 });
  });

  it('connects a sensor with a will as its own MQTT session and carries its QoS 1 publishes', async () => {
    const inbox = collect(watcher);
    await watcher.subscribeAsync('garden/#', { qos: 1 });
    const client = await snClient();
    await connect(client, 'garden-1', { will: { topic: 'garden/garden-1/status', message: 'lost' } });
    const topicId = await register(client, 'garden/garden-1/moisture');
    client.send(publish(topicId, '41', 1, 7));
    expect(await client.next('puback')).toEqual({ type: 'puback', topicId, msgId: 7, returnCode: ReturnCode.ACCEPTED });
    const [message] = await inbox.waitFor(1);
    expect([message.topic, message.payload, message.packet.qos]).toEqual(['garden/garden-1/moisture', '41', 1]);

    // A real session: an MQTT client taking its client id over ends it, and the gateway tells the sensor.
    const impostor = await connectClient(hub.mqttUrl, { clientId: 'garden-1' });
    expect(await client.next('disconnect')).toEqual({ type: 'disconnect' });
    await impostor.endAsync();
    await watcher.unsubscribeAsync('garden/#');
  });

  it('delivers to a wildcard subscriber: REGISTER first, then PUBLISH, and retransmits when the PUBACK is lost', async () => {
    const client = await snClient();
    await connect(client, 'valve-1');
    client.send({ type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 'devices/valve-1/#' } });
    expect(await client.next('suback')).toMatchObject({ qos: 1, returnCode: ReturnCode.ACCEPTED });
    await watcher.publishAsync('devices/valve-1/set', 'open', { qos: 1 });
    const registration = await client.next('register');
    expect(registration.topicName).toBe('devices/valve-1/set');
    client.send({ type: 'regack', topicId: registration.topicId, msgId: registration.msgId, returnCode: ReturnCode.ACCEPTED });
    const first = await client.next('publish');
    expect(first).toMatchObject({ dup: false, qos: 1, topic: { topicIdType: 'normal', topicId: registration.topicId }, payload: Buffer.from('open') });
    // The sensor's PUBACK is lost: the gateway sends the same PUBLISH again after Tretry, with DUP.
    const again = await client.next('publish');
    expect(again).toMatchObject({ dup: true, msgId: first.msgId, payload: Buffer.from('open') });
    client.send({ type: 'puback', topicId: registration.topicId, msgId: first.msgId, returnCode: ReturnCode.ACCEPTED });
    client.send({ type: 'pingreq' });
    await client.next('pingresp');
    expect(client.inbox.drain()).toEqual([]);
  });

  it('accepts a sensor repeating a QoS 1 PUBLISH whose PUBACK it missed', async () => {
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/shed-1/#', { qos: 1 });
    const client = await snClient();
    await connect(client, 'shed-1');
    const topicId = await register(client, 'devices/shed-1/temp');
    client.send(publish(topicId, '12', 1, 3));
    await client.next('puback');
    client.send(publish(topicId, '12', 1, 3, { dup: true }));
    expect(await client.next('puback')).toMatchObject({ msgId: 3, returnCode: ReturnCode.ACCEPTED });
    const messages = await inbox.waitFor(2);
    expect(messages.map((m) => m.payload)).toEqual(['12', '12']); // QoS 1: at least once
    await watcher.unsubscribeAsync('devices/shed-1/#');
  });

  it('publishes the will when a sensor keep-alive lapses', async () => {
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/pond-1/#', { qos: 1 });
    const client = await snClient();
    await connect(client, 'pond-1', { duration: 1, will: { topic: 'devices/pond-1/status', message: 'offline' } });
    const [will] = await inbox.waitFor(1, 5000);
    expect([will.topic, will.payload]).toEqual(['devices/pond-1/status', 'offline']);
    await watcher.unsubscribeAsync('devices/pond-1/#');
  });

  // Paho's MQTT-SN client wakes with a PINGREQ without its client id: the gateway knows it by its address.
  for (const [wake, clientId, sendsId] of [['with its client id', 'sleepy-1', true], ['without its client id, known by its address', 'sleepy-2', false]] as const) {
    it(`keeps what is published while a sensor sleeps, and hands it over on PINGREQ ${wake}, then PINGRESP`, async () => {
      const asleep = gatewayHealth(hub).clients.asleep;
      const client = await snClient();
      await connect(client, clientId);
      client.send({ type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: `devices/${clientId}/cmd` } });
      const { topicId } = await client.next('suback');
      client.send({ type: 'disconnect', duration: 60 });
      await client.next('disconnect');
      await watcher.publishAsync(`devices/${clientId}/cmd`, 'first', { qos: 1 });
      await watcher.publishAsync(`devices/${clientId}/cmd`, 'second', { qos: 0 });
      expect(gatewayHealth(hub).clients.asleep).toBe(asleep + 1);
      await expect.poll(() => bufferedFor(hub, clientId)).toBe(2);
      expect(client.inbox.drain()).toEqual([]);

      client.send(sendsId ? { type: 'pingreq', clientId } : { type: 'pingreq' });
      const first = await client.next('publish');
      expect(first).toMatchObject({ qos: 1, topic: { topicIdType: 'normal', topicId }, payload: Buffer.from('first') });
      client.send({ type: 'puback', topicId, msgId: first.msgId, returnCode: ReturnCode.ACCEPTED });
      expect(await client.next('publish')).toMatchObject({ qos: 0, payload: Buffer.from('second') });
      await client.next('pingresp');
      expect(client.inbox.drain()).toEqual([]);
      expect(gatewayHealth(hub).clients.asleep).toBe(asleep + 1); // asleep again
    });
  }

  it('wakes no sleeping sensor for a PINGREQ without a client id from an address with no session: it is told to connect', async () => {
    const client = await snClient();
    await connect(client, 'sleepy-3');
    client.send({ type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: 'devices/sleepy-3/cmd' } });
    await client.next('suback');
    client.send({ type: 'disconnect', duration: 60 });
    await client.next('disconnect');
    const stranger = await snClient();
    await watcher.publishAsync('devices/sleepy-3/cmd', 'third', { qos: 0 });
    await expect.poll(() => bufferedFor(hub, 'sleepy-3')).toBe(1);
    stranger.send({ type: 'pingreq' });
    await stranger.next('disconnect');
    client.send({ type: 'pingreq' });
    expect(await client.next('publish')).toMatchObject({ payload: Buffer.from('third') });
    await client.next('pingresp');
  });

  it('takes QoS -1 publishes from a sensor that never connected, on a predefined topic id', async () => {
    const inbox = collect(watcher);
    await watcher.subscribeAsync('house/smoke', { qos: 0 });
    const client = await snClient();
    client.send(publish(SMOKE_ID, 'hello', -1, 0, { predefined: true }));
    const [message] = await inbox.waitFor(1);
    expect([message.topic, message.payload]).toEqual(['house/smoke', 'hello']);
    await watcher.unsubscribeAsync('house/smoke');
  });

  it('counts frames that do not decode', async () => {
    const before = gatewayHealth(hub).counters.badFrames;
    const client = await snClient();
    client.send(Buffer.from([0x05, 0x0c, 0x00]));
    client.send({ type: 'searchgw', radius: 0 });
    await client.next('gwinfo');
    expect(gatewayHealth(hub).counters.badFrames).toBe(before + 1);
  });
});

describe('MQTT-SN multicast group the hub cannot join', () => {
  it('runs without discovery by multicast and says why, naming the settings', async () => {
    // An IPv4 group on an IPv6 listener cannot be joined.
    const hub = await startTestHub({ HEARTH_SN_UDP_HOST: '::1', HEARTH_SN_MULTICAST: 'true' });
    try {
      expect(gatewayHealth(hub)).toMatchObject({ status: 'ok', udp: { host: '::1' }, multicast: null });
      expect(hub.logs).toContainEqual(expect.objectContaining({ level: 40, group: '225.1.1.1', port: 1883, msg: expect.stringContaining('HEARTH_SN_MULTICAST_GROUP') }));
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});

const MULTICAST_ON_LOOPBACK = await multicastOnLoopback();

describe.skipIf(!MULTICAST_ON_LOOPBACK)('MQTT-SN discovery on the UDP multicast group (skipped where the kernel delivers no multicast on the loopback interface)', () => {
  it('sends ADVERTISE to the group at start and every interval, answers SEARCHGW there with GWINFO, both from its listener, so a sensor finds it and connects', async () => {
    // A group and port of this test's own, so parallel runs do not hear each other.
    const group = `239.255.${1 + (process.pid % 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const sensor = await SnMulticastSensor.open(group, port);
    const hub = await startTestHub({
      HEARTH_SN_MULTICAST: 'true',
      HEARTH_SN_MULTICAST_GROUP: group,
      HEARTH_SN_MULTICAST_PORT: String(port),
      HEARTH_SN_ADVERTISE_INTERVAL: '1',
      HEARTH_SN_GATEWAY_ID: '9',
    });
    try {
      const listener = { address: '127.0.0.1', port: hub.mqttSn!.port };
      expect(await sensor.next('advertise')).toEqual({ from: listener, message: { type: 'advertise', gwId: 9, duration: 1 } });
      expect(await sensor.next('advertise', 3000)).toEqual({ from: listener, message: { type: 'advertise', gwId: 9, duration: 1 } });
      expect(gatewayHealth(hub).multicast).toEqual({ group, port });
      expect(hub.logs).toContainEqual(expect.objectContaining({ listener: 'mqtt-sn-multicast', group, port }));

      // Anyone may send to a group: a CONNECT there opens no session (frames on one socket are handled in order).
      sensor.send({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId: 'from-the-group' });
      sensor.send({ type: 'searchgw', radius: 1 });
      const answer = await sensor.next('gwinfo');
      expect(answer).toEqual({ from: listener, message: { type: 'gwinfo', gwId: 9 } });
      expect(gatewayHealth(hub).clients).toEqual({ active: 0, asleep: 0 });

      // The sensor connects to where GWINFO came from.
      const client = await SnUdpClient.open(answer.from.port);
      try {
        await connect(client, 'found-by-multicast');
      } finally {
        client.close();
      }
    } finally {
      sensor.close();
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});

describe('MQTT-SN gateway limits and predefined topics', () => {
  it('answers CONNECT with the congestion code beyond HEARTH_SN_MAX_CLIENTS', async () => {
    const hub = await startTestHub({ ...FAST, HEARTH_SN_MAX_CLIENTS: '1' });
    const [a, b] = [await SnUdpClient.open(hub.mqttSn!.port), await SnUdpClient.open(hub.mqttSn!.port)];
    await connect(a, 'one');
    b.send({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId: 'two' });
    expect(await b.next('connack')).toEqual({ type: 'connack', returnCode: ReturnCode.CONGESTION });
    a.close();
    b.close();
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('survives a restart: sessions, topic ids, buffered messages, and predefined ids from the file and the database', async () => {
    const dataDir = tempDataDir();
    const csv = join(dataDir, 'predefined.csv');
    writeFileSync(csv, 'clientId,topicName,topicId\n*,house/alarm,1\n');
    const env = { ...FAST, HEARTH_SN_PREDEFINED: csv };
    let hub = await startTestHub(env, dataDir);
    hub.app.get<Database>(SQLITE).prepare(`INSERT INTO sn_predefined_topic (client_id, topic_id, topic_name) VALUES ('*', 2, 'house/doorbell')`).run();
    const awake = await SnUdpClient.open(hub.mqttSn!.port);
    const sleeper = await SnUdpClient.open(hub.mqttSn!.port);
    await connect(awake, 'awake-1', { duration: 600 });
    const topicId = await register(awake, 'devices/awake-1/temp');
    await connect(sleeper, 'sleeper-1');
    sleeper.send({ type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 'devices/sleeper-1/cmd' } });
    await sleeper.next('suback');
    sleeper.send({ type: 'disconnect', duration: 600 });
    await sleeper.next('disconnect');
    let watcher = await connectClient(hub.mqttUrl);
    await watcher.publishAsync('devices/sleeper-1/cmd', 'before the restart', { qos: 1 });
    await watcher.endAsync();
    const port = hub.mqttSn!.port;
    await hub.close();

    hub = await startTestHub({ ...env, HEARTH_SN_UDP_PORT: String(port) }, dataDir);
    watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync(['house/#', 'devices/awake-1/#'], { qos: 1 });
    // The awake sensor goes on with its topic id as if nothing happened.
    awake.send(publish(topicId, '19.5', 1, 2));
    expect(await awake.next('puback')).toMatchObject({ topicId, msgId: 2, returnCode: ReturnCode.ACCEPTED });
    awake.send(publish(1, 'armed', -1, 0, { predefined: true }));
    awake.send(publish(2, 'ring', 0, 0, { predefined: true }));
    const messages = await inbox.waitFor(3);
    expect(messages.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['devices/awake-1/temp=19.5', 'house/alarm=armed', 'house/doorbell=ring']);
    // The sleeper's subscription and what was buffered for it came through the restart too.
    await watcher.publishAsync('devices/sleeper-1/cmd', 'after the restart', { qos: 1 });
    sleeper.send({ type: 'pingreq', clientId: 'sleeper-1' });
    for (const payload of ['before the restart', 'after the restart']) {
      const message = await sleeper.next('publish');
      expect(message.payload.toString()).toBe(payload);
      sleeper.send({ type: 'puback', topicId: 1, msgId: message.msgId, returnCode: ReturnCode.ACCEPTED });
    }
    await sleeper.next('pingresp');

    awake.close();
    sleeper.close();
    await watcher.endAsync();
    await hub.close();
    removeDataDir(dataDir);
  });

  it('lists the predefined topic ids from the file and the database to admins (GET /api/mqtt-sn/predefined)', async () => {
    const dataDir = tempDataDir();
    const csv = join(dataDir, 'predefined.csv');
    writeFileSync(csv, 'clientId,topicName,topicId\n*,house/alarm,1\ngarden-1,garden/bed1/moisture,10\ngarden-1,garden/bed1,temp,11\n');
    let hub = await startTestHub({ HEARTH_SN_PREDEFINED: csv }, dataDir);
    // Rows in the database are loaded at start; the file wins where both give a client the same id.
    const insert = hub.app.get<Database>(SQLITE).prepare(`INSERT INTO sn_predefined_topic (client_id, topic_id, topic_name) VALUES (?, ?, ?)`);
    insert.run('*', 2, 'house/doorbell');
    insert.run('garden-1', 10, 'overridden/by/the/file');
    await hub.close();
    hub = await startTestHub({ HEARTH_SN_PREDEFINED: csv }, dataDir);

    const response = await hub.api('/api/mqtt-sn/predefined');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { clientId: '*', topicName: 'house/alarm', topicId: 1 },
      { clientId: '*', topicName: 'house/doorbell', topicId: 2 },
      { clientId: 'garden-1', topicName: 'garden/bed1/moisture', topicId: 10 },
      { clientId: 'garden-1', topicName: 'garden/bed1,temp', topicId: 11 },
    ]);
    await hub.app.get(Accounts).addUser({ username: 'bob', password: 'bob-password', role: 'user', areas: null });
    const login = await hub.api('/api/auth/login', { body: { username: 'bob', password: 'bob-password' }, headers: { authorization: '' } });
    const { token } = (await login.json()) as { token: string };
    expect((await hub.api('/api/mqtt-sn/predefined', { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    expect((await hub.api('/api/mqtt-sn/predefined', { headers: { authorization: '' } })).status).toBe(401);
    await hub.close();
    removeDataDir(dataDir);
  });

  it('refuses to start on a bad predefined topics file, naming the setting', async () => {
    const dataDir = tempDataDir();
    const csv = join(dataDir, 'predefined.csv');
    writeFileSync(csv, '*,house/alarm,0\n');
    await expect(startTestHub({ HEARTH_SN_PREDEFINED: csv }, dataDir)).rejects.toThrow(/HEARTH_SN_PREDEFINED.*\n.*line 1: topic id must be 1-65534/);
    removeDataDir(dataDir);
  });
});
