import { Buffer } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { disconnected, startBroker, useBroker } from './testing/broker-server.js';
import { FakeClock } from '@hearth/fake-clock';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

const publish = (topic: string, payload: string, qos: 0 | 1 | 2, messageId?: number) =>
  ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, messageId, retain: false, dup: false }) as const;

describe('sessions', () => {
  const server = useBroker();

  it('[MQTT-3.1.2-5] [MQTT-3.2.2-3] resumes a persistent session with the QoS 1 and 2 messages queued while it was away', async () => {
    const options = { protocolVersion: 5 as const, clientId: 'resumer', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connectClient(server.url, options);
    await first.subscribeAsync('resume/#', { qos: 2 });
    await first.endAsync();
    const pub = await connectClient(server.url, { protocolVersion: 5 });
    await pub.publishAsync('resume/q1', 'one', { qos: 1 });
    await pub.publishAsync('resume/q2', 'two', { qos: 2 });
    await pub.publishAsync('resume/q0', 'zero', { qos: 0 });
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'resumer', clean: false, properties: { sessionExpiryInterval: 300 } });
    expect(connack.sessionPresent).toBe(true);
    const received = [(await client.next('publish')) as IPublishPacket, (await client.next('publish')) as IPublishPacket];
    expect(received.map((p) => [p.topic, p.payload.toString(), p.qos])).toEqual([
      ['resume/q1', 'one', 1],
      ['resume/q2', 'two', 2],
    ]);
    client.end();
    await pub.endAsync();
  });

  it('[MQTT-3.1.2-23] ends a session whose Session Expiry Interval is absent with its connection: no session, no queued messages', async () => {
    // The Aedes bug of issue #15: sessionPresent 1, yet nothing queued, for CleanStart 0 without Session Expiry.
    const first = await RawClient.connect(server.port, { clientId: 'no-expiry', clean: false });
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'no-expiry/#', qos: 1 }] });
    await first.client.next('suback');
    first.client.end();
    await disconnected(server, 'no-expiry');
    const pub = await connectClient(server.url, { protocolVersion: 5 });
    await pub.publishAsync('no-expiry/reading', '21', { qos: 1 });
    const again = await RawClient.connect(server.port, { clientId: 'no-expiry', clean: false });
    expect(again.connack.sessionPresent).toBe(false);
    again.client.send({ cmd: 'pingreq' });
    await again.client.next('pingresp');
    expect(again.client.drain()).toEqual([]);
    again.client.end();
    await pub.endAsync();
  });

  it('[MQTT-3.1.2-4] [MQTT-3.2.2-2] discards the session on Clean Start, answering Session Present 0', async () => {
    const options = { clientId: 'cleaner', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await RawClient.connect(server.port, options);
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cleaner/#', qos: 1 }] });
    await first.client.next('suback');
    first.client.end();
    await disconnected(server, 'cleaner');
    const clean = await RawClient.connect(server.port, { ...options, clean: true });
    expect(clean.connack.sessionPresent).toBe(false);
    clean.client.end();
    await disconnected(server, 'cleaner');
    const pub = await connectClient(server.url);
    await pub.publishAsync('cleaner/x', 'lost', { qos: 1 });
    const resumed = await RawClient.connect(server.port, options);
    expect(resumed.connack.sessionPresent).toBe(true);
    resumed.client.send({ cmd: 'pingreq' });
    await resumed.client.next('pingresp');
    expect(resumed.client.drain()).toEqual([]);
    resumed.client.end();
    await pub.endAsync();
  });

  it('[MQTT-4.4.0-1] [MQTT-3.3.1-1] resends unacknowledged PUBLISHes with their Packet Identifiers and DUP, and PUBREL, in order', async () => {
    const options = { clientId: 'forgetful', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await RawClient.connect(server.port, options);
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'forgetful/#', qos: 2 }] });
    await first.client.next('suback');
    const pub = await connectClient(server.url);
    await pub.publishAsync('forgetful/1', 'a', { qos: 1 });
    await pub.publishAsync('forgetful/2', 'b', { qos: 2 });
    await pub.publishAsync('forgetful/3', 'c', { qos: 2 });
    const sent = [await first.client.next('publish'), await first.client.next('publish'), await first.client.next('publish')] as IPublishPacket[];
    // The client acknowledges the second with PUBREC only, and nothing else, then goes away.
    first.client.send({ cmd: 'pubrec', messageId: sent[1].messageId! });
    expect(await first.client.next('pubrel')).toMatchObject({ messageId: sent[1].messageId });
    first.client.end();
    await disconnected(server, 'forgetful');
    const second = await RawClient.connect(server.port, options);
    expect(second.connack.sessionPresent).toBe(true);
    const resent = [await second.client.next(), await second.client.next(), await second.client.next()];
    expect(resent.map((p) => (p.cmd === 'publish' ? [p.cmd, p.messageId, p.dup] : [p.cmd, p.messageId]))).toEqual([
      ['publish', sent[0].messageId, true],
      ['pubrel', sent[1].messageId],
      ['publish', sent[2].messageId, true],
    ]);
    second.client.end();
    await pub.endAsync();
  });

  it('[MQTT-3.14.2-*] refuses a DISCONNECT that gives a Session Expiry Interval to a session that had none (0x82)', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'expiry-late' });
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
    await client.closed;
  });

  it('keeps an MQTT 3.1.1 session without Clean Session for good, and queues for it', async () => {
    const first = await connectClient(server.url, { protocolVersion: 4, clientId: 'legacy', clean: false });
    await first.subscribeAsync('legacy/#', { qos: 1 });
    await first.endAsync();
    const pub = await connectClient(server.url);
    await pub.publishAsync('legacy/1', 'kept', { qos: 1 });
    const { client, connack } = await RawClient.connect(server.port, { protocolVersion: 4, clientId: 'legacy', clean: false });
    expect(connack.sessionPresent).toBe(true);
    expect(await client.next('publish')).toMatchObject({ topic: 'legacy/1', payload: Buffer.from('kept') });
    client.end();
    await pub.endAsync();
  });

  it('drops QoS 1 and 2 messages beyond maxQueued for a session, and counts them', async () => {
    const limited = await startBroker({ maxQueued: 3 });
    const options = { clientId: 'full', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await RawClient.connect(limited.port, options);
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'full', qos: 1 }] });
    await first.client.next('suback');
    first.client.end();
    await disconnected(limited, 'full');
    const pub = await connectClient(limited.url);
    for (let i = 0; i < 5; i++) await pub.publishAsync('full', String(i), { qos: 1 });
    const back = await RawClient.connect(limited.port, options);
    const received = [await back.client.next('publish'), await back.client.next('publish'), await back.client.next('publish')] as IPublishPacket[];
    expect(received.map((p) => p.payload.toString())).toEqual(['0', '1', '2']);
    expect(limited.broker.stats.publishDropped).toBe(2);
    back.client.end();
    await pub.endAsync();
    await limited.close();
  });
});

describe('session expiry', () => {
  const options = (clientId: string, sessionExpiryInterval: number) => ({ clientId, clean: false, properties: { sessionExpiryInterval } });

  it('[MQTT-4.1.0-2] discards a session once its expiry interval has passed after the connection closed', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const first = await RawClient.connect(server.port, options('short-lived', 60));
    first.client.end();
    await disconnected(server, 'short-lived');
    await clock.advance(59_000);
    const within = await RawClient.connect(server.port, options('short-lived', 60));
    expect(within.connack.sessionPresent).toBe(true);
    within.client.end();
    await disconnected(server, 'short-lived');
    await clock.advance(61_000);
    const after = await RawClient.connect(server.port, options('short-lived', 60));
    expect(after.connack.sessionPresent).toBe(false);
    after.client.end();
    await server.close();
  });

  it('[MQTT-4.1.0-1] never discards a session while its connection is open', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const { client } = await RawClient.connect(server.port, options('open', 10));
    await clock.advance(3_600_000);
    client.send({ cmd: 'pingreq' });
    await client.next('pingresp');
    client.end();
    await disconnected(server, 'open');
    const again = await RawClient.connect(server.port, options('open', 10));
    expect(again.connack.sessionPresent).toBe(true);
    again.client.end();
    await server.close();
  });

  it('lets DISCONNECT shorten the Session Expiry Interval, here to 0: the session ends with the connection', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const { client } = await RawClient.connect(server.port, options('leaving', 3600));
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await client.closed;
    const again = await RawClient.connect(server.port, options('leaving', 3600));
    expect(again.connack.sessionPresent).toBe(false);
    again.client.end();
    await server.close();
  });

  it('grants at most maxSessionExpiryInterval and says so in CONNACK', async () => {
    const server = await startBroker({ maxSessionExpiryInterval: 600 });
    const capped = await RawClient.connect(server.port, options('capped', 86_400));
    expect(capped.connack.properties?.sessionExpiryInterval).toBe(600);
    const granted = await RawClient.connect(server.port, options('granted', 60));
    expect(granted.connack.properties?.sessionExpiryInterval).toBeUndefined();
    capped.client.end();
    granted.client.end();
    await server.close();
  });

  it('does not apply message expiry to an unexpired queued message: the remaining interval goes with it [MQTT-3.3.2-6]', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const first = await RawClient.connect(server.port, options('expiring', 3600));
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'expiring/#', qos: 1 }] });
    await first.client.next('suback');
    first.client.end();
    await disconnected(server, 'expiring');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'expiring-pub' });
    pub.send({ ...publish('expiring/soon', 'gone', 1, 1), properties: { messageExpiryInterval: 30 } });
    pub.send({ ...publish('expiring/later', 'kept', 1, 2), properties: { messageExpiryInterval: 120 } });
    await pub.next('puback');
    await pub.next('puback');
    await clock.advance(45_000);
    // [MQTT-3.3.2-5]: the first expired before delivery started; the second has 75 seconds left
    const back = await RawClient.connect(server.port, options('expiring', 3600));
    const [message] = [(await back.client.next('publish')) as IPublishPacket];
    expect(message).toMatchObject({ topic: 'expiring/later', properties: { messageExpiryInterval: 75 } });
    back.client.send({ cmd: 'pingreq' });
    await back.client.next('pingresp');
    expect(back.client.drain()).toEqual([]);
    back.client.end();
    pub.end();
    await server.close();
  });
});
