import { Buffer } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBrokerStore } from './store/memory-store.js';
import { disconnected, startBroker, type TestBroker } from './testing/broker-server.js';
import { FakeClock } from '@hearth/fake-clock';
import { until } from './testing/until.js';
import { RawClient } from './testing/raw-client.js';

const persistent = (clientId: string, extra: object = {}) => ({ clientId, clean: false, properties: { sessionExpiryInterval: 3600 }, ...extra });
const publish = (topic: string, payload: string, qos: 0 | 1 | 2, messageId?: number, retain = false): IPublishPacket => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, messageId, retain, dup: false });

/** True when `client` got nothing but the PINGRESP of a round trip: the broker holds back whatever else it has. */
async function heldBack(client: RawClient): Promise<boolean> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().length === 0;
}

/** A persistent subscriber to `filter` that has gone away; its session keeps queueing. */
async function awaySubscriber(server: TestBroker, clientId: string, filter: string, qos: 1 | 2 = 1): Promise<void> {
  const { client } = await RawClient.connect(server.port, persistent(clientId));
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
  await client.next('suback');
  client.end();
  await disconnected(server, clientId);
}

/** Commits once the broker has asked the store for a write. */
async function commitPending(store: MemoryBrokerStore, what: string): Promise<void> {
  await until(() => store.uncommitted > 0, what);
  store.commit();
}

describe('acknowledgements wait for the store', () => {
  let server: TestBroker;
  afterEach(async () => {
    (server.broker.store as MemoryBrokerStore).commit();
    await server.close();
  });

  it('sends PUBACK, PUBREC and the PUBACK of a retained message only once what they cover is committed', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    server = await startBroker({ store });
    const connecting = RawClient.connect(server.port, persistent('offline-logger'));
    await commitPending(store, 'the session');
    const { client: logger } = await connecting;
    logger.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'garden/#', qos: 2 }] });
    await commitPending(store, 'the subscription');
    await logger.next('suback');
    logger.end();
    await commitPending(store, 'the session ending');

    const { client: sensor } = await RawClient.connect(server.port, { clientId: 'sensor' });
    sensor.send(publish('garden/moisture', '41', 1, 1));
    sensor.send(publish('garden/moisture', '42', 2, 2));
    sensor.send(publish('config/interval', '60', 1, 3, true));
    expect(await heldBack(sensor)).toBe(true);
    expect(store.uncommitted).toBeGreaterThan(0);
    store.commit();
    expect([await sensor.next(), await sensor.next(), await sensor.next()].map((p) => `${p.cmd} ${p.messageId}`)).toEqual(['puback 1', 'pubrec 2', 'puback 3']);
    sensor.end();
  });

  it('sends CONNACK to a persistent session, and SUBACK to its SUBSCRIBE, only once they are stored', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    server = await startBroker({ store });
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, ...persistent('careful'), keepalive: 0 });
    await until(() => store.uncommitted > 0, 'the session write');
    expect(client.received).toEqual([]);
    store.commit();
    await client.next('connack');
    client.send({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a', qos: 1 }] });
    expect(await heldBack(client)).toBe(true);
    store.commit();
    expect(await client.next('suback')).toMatchObject({ messageId: 7 });
    client.end();
  });

  it('does not make a clean session wait: it has nothing to store', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    server = await startBroker({ store });
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'quick' });
    expect(connack.reasonCode).toBe(0);
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 2 }] });
    await client.next('suback');
    client.send(publish('q', 'x', 2, 1));
    await client.next('pubrec');
    expect(store.uncommitted).toBe(0);
    client.end();
  });
});

describe('after a restart', () => {
  it('resumes persistent sessions with their queued messages, and keeps retained messages', async () => {
    const first = await startBroker();
    await awaySubscriber(first, 'garden-logger', 'garden/#');
    const { client: pub } = await RawClient.connect(first.port, { clientId: 'pub' });
    // One at a time: the broker's Receive Maximum (20) bounds what may be unacknowledged.
    for (let i = 1; i <= 50; i++) {
      pub.send(publish(`garden/bed${i % 3}`, String(i), 1, i));
      await pub.next('puback');
    }
    pub.send(publish('garden/config', 'interval=60', 1, 51, true));
    await pub.next('puback');
    pub.end();
    await first.close();

    const second = await startBroker({ store: new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data }) });
    const { client, connack } = await RawClient.connect(second.port, persistent('garden-logger'));
    expect(connack.sessionPresent).toBe(true);
    const messages: IPublishPacket[] = [];
    for (let i = 0; i < 51; i++) {
      messages.push((await client.next('publish')) as IPublishPacket);
      client.send({ cmd: 'puback', messageId: messages[i].messageId! });
    }
    expect(messages.map((p) => p.payload.toString())).toEqual([...Array.from({ length: 50 }, (_, i) => String(i + 1)), 'interval=60']);
    client.end();
    const { client: late } = await RawClient.connect(second.port, { clientId: 'late' });
    late.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'garden/config', qos: 0 }] });
    expect(await late.next('publish')).toMatchObject({ payload: Buffer.from('interval=60'), retain: true });
    late.end();
    await second.close();
  });

  it('loses nothing it acknowledged when it stops without warning (a crash): uncommitted writes are simply gone', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    const committer = setInterval(() => store.commit(), 1);
    const first = await startBroker({ store });
    await awaySubscriber(first, 'meter-logger', 'meter/#', 2);
    const { client: meter } = await RawClient.connect(first.port, { clientId: 'meter' });
    for (let i = 1; i <= 20; i++) meter.send(publish('meter/power', String(i), i % 2 ? 1 : 2, i));
    for (let i = 1; i <= 20; i++) await meter.next();
    clearInterval(committer);
    // Published and never committed: the meter gets no acknowledgement for these.
    meter.send(publish('meter/power', '21', 1, 21));
    meter.send(publish('meter/power', '22', 2, 22));
    expect(await heldBack(meter)).toBe(true);
    meter.end();

    // The crash: nothing more is committed, and a new broker starts on what was.
    const second = await startBroker({ store: new MemoryBrokerStore({ data: store.data }) });
    const { client } = await RawClient.connect(second.port, persistent('meter-logger', { properties: { sessionExpiryInterval: 3600, receiveMaximum: 100 } }));
    const got: string[] = [];
    for (let i = 0; i < 20; i++) got.push(((await client.next('publish')) as IPublishPacket).payload.toString());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(await heldBack(client)).toBe(true);
    client.end();
    await second.close();
  });

  it('[MQTT-4.3.3-10] does not deliver a QoS 2 message twice when its publisher sends it again after the restart', async () => {
    const first = await startBroker();
    await awaySubscriber(first, 'once-logger', 'once/#', 2);
    const { client: pub } = await RawClient.connect(first.port, persistent('once-pub'));
    pub.send(publish('once/x', 'exactly once', 2, 9));
    await pub.next('pubrec');
    pub.end();
    await first.close();

    const second = await startBroker({ store: new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data }) });
    const again = await RawClient.connect(second.port, persistent('once-pub'));
    expect(again.connack.sessionPresent).toBe(true);
    again.client.send({ ...publish('once/x', 'exactly once', 2, 9), dup: true });
    expect(await again.client.next('pubrec')).toMatchObject({ messageId: 9 });
    again.client.send({ cmd: 'pubrel', messageId: 9 });
    expect(await again.client.next('pubcomp')).toMatchObject({ messageId: 9, reasonCode: 0 });
    const { client: logger } = await RawClient.connect(second.port, persistent('once-logger'));
    expect(((await logger.next('publish')) as IPublishPacket).payload.toString()).toBe('exactly once');
    expect(await heldBack(logger)).toBe(true);
    again.client.end();
    logger.end();
    await second.close();
  });

  it('[MQTT-4.3.3-6] sends PUBREL, not the PUBLISH again, for a QoS 2 message the subscriber had PUBRECed before the restart', async () => {
    const first = await startBroker();
    const { client: sub } = await RawClient.connect(first.port, persistent('rec-sub'));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rec', qos: 2 }] });
    await sub.next('suback');
    await first.broker.publish({ topic: 'rec', payload: 'x', qos: 2 });
    const delivered = (await sub.next('publish')) as IPublishPacket;
    sub.send({ cmd: 'pubrec', messageId: delivered.messageId! });
    await sub.next('pubrel');
    sub.end();
    await first.close();

    const second = await startBroker({ store: new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data }) });
    const { client } = await RawClient.connect(second.port, persistent('rec-sub'));
    expect(await client.next()).toMatchObject({ cmd: 'pubrel', messageId: delivered.messageId });
    client.send({ cmd: 'pubcomp', messageId: delivered.messageId! });
    expect(await heldBack(client)).toBe(true);
    client.end();
    await second.close();
  });

  it('publishes at the next start the will of a client that was connected when the broker stopped', async () => {
    const first = await startBroker();
    await RawClient.connect(first.port, { clientId: 'plug', will: { topic: 'plug/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await first.close();
    const second = await startBroker({ store: new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data }) });
    const { client } = await RawClient.connect(second.port, { clientId: 'watcher' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'plug/status', qos: 1 }] });
    expect(await client.next('publish')).toMatchObject({ topic: 'plug/status', payload: Buffer.from('offline'), retain: true });
    client.end();
    await second.close();
  });

  it('[MQTT-4.1.0-2] counts session expiry from when the connection ended, across the restart', async () => {
    const clock = new FakeClock();
    const first = await startBroker({ clock });
    const short = (clientId: string) => ({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    const { client } = await RawClient.connect(first.port, short('brief'));
    client.end();
    await disconnected(first, 'brief');
    await clock.advance(30_000);
    await first.close();
    const data = (first.broker.store as MemoryBrokerStore).data;
    const second = await startBroker({ clock, store: new MemoryBrokerStore({ data }) });
    await clock.advance(20_000);
    const within = await RawClient.connect(second.port, short('brief'));
    expect(within.connack.sessionPresent).toBe(true);
    within.client.end();
    await disconnected(second, 'brief');
    await second.close();
    const third = await startBroker({ clock, store: new MemoryBrokerStore({ data }) });
    await clock.advance(61_000);
    const after = await RawClient.connect(third.port, short('brief'));
    expect(after.connack.sessionPresent).toBe(false);
    after.client.end();
    await third.close();
  });
});

describe('a queue longer than the 65,535 Packet Identifiers', () => {
  const longer = 65_535 + 2_000;

  /** Takes `count` PUBLISHes, acknowledging them a window at a time; each window's identifiers are distinct [MQTT-2.2.1-3]. */
  async function receiveAll(client: RawClient, count: number): Promise<string[]> {
    const payloads: string[] = [];
    while (payloads.length < count) {
      const window: IPublishPacket[] = [(await client.next('publish')) as IPublishPacket];
      while (window.length < 20 && payloads.length + window.length < count) window.push((await client.next('publish')) as IPublishPacket);
      expect(new Set(window.map((p) => p.messageId)).size).toBe(window.length);
      for (const p of window) {
        payloads.push(p.payload.toString());
        client.send({ cmd: 'puback', messageId: p.messageId! });
      }
    }
    return payloads;
  }

  it('keeps every message for an away session, across a restart, and sends them all in order', async () => {
    const first = await startBroker({ maxQueued: 0 });
    await awaySubscriber(first, 'bridge', 'out/#');
    const published = Array.from({ length: longer }, (_, i) => first.broker.publish({ topic: 'out/reading', payload: String(i), qos: 1 }));
    await Promise.all(published);
    expect(first.broker.queuedCount).toBe(longer);
    await first.close();

    const second = await startBroker({ maxQueued: 0, store: new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data }) });
    const { client } = await RawClient.connect(second.port, persistent('bridge'));
    expect(await receiveAll(client, longer)).toEqual(Array.from({ length: longer }, (_, i) => String(i)));
    expect(await heldBack(client)).toBe(true);
    expect(second.broker.queuedCount).toBe(0);
    client.end();
    await second.close();
  });

  it('[MQTT-4.3.3-10] sends a QoS 2 message that waited for an identifier only once that identifier is stored, and under it again after a restart', async () => {
    const first = await startBroker({ maxQueued: 0 });
    await awaySubscriber(first, 'vault', 'out/#', 2);
    for (let i = 0; i < 65_535; i++) void first.broker.publish({ topic: 'out/reading', payload: String(i), qos: 1 });
    await first.broker.publish({ topic: 'out/alarm', payload: 'smoke', qos: 2 });
    await first.close();

    const store = new MemoryBrokerStore({ data: (first.broker.store as MemoryBrokerStore).data, manualCommit: true });
    const second = await startBroker({ maxQueued: 0, store });
    const connecting = RawClient.connect(second.port, persistent('vault'));
    await commitPending(store, 'the session');
    const { client } = await connecting;
    expect((await receiveAll(client, 65_535)).at(-1)).toBe('65534');
    expect(await heldBack(client)).toBe(true);
    store.commit();
    const alarm = (await client.next('publish')) as IPublishPacket;
    expect(alarm).toMatchObject({ topic: 'out/alarm', qos: 2 });
    expect([...store.data.sessions.get('vault')!.outgoing.values()].map((entry) => entry.packetId)).toEqual([alarm.messageId]);
    client.end();
    await second.close();

    const third = await startBroker({ store: new MemoryBrokerStore({ data: store.data }) });
    const again = await RawClient.connect(third.port, persistent('vault'));
    expect(await again.client.next('publish')).toMatchObject({ topic: 'out/alarm', messageId: alarm.messageId });
    again.client.end();
    await third.close();
  });
});
