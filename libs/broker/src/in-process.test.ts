import { Buffer } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import type { ApplicationMessage } from './ports.js';
import { MemoryBrokerStore } from './store/memory-store.js';
import { startBroker, useBroker } from './testing/broker-server.js';
import { settle } from '@hearth/fake-clock';
import { until } from './testing/until.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

const summary = (message: ApplicationMessage) => `${message.topic}=${message.payload.toString()}${message.retain ? ' (retained)' : ''}`;

describe('in-process publish, subscribe and tap', () => {
  const server = useBroker();

  it('publishes to network subscribers with QoS, retain and properties', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'listener' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'hub/#', qos: 2 }] });
    await client.next('suback');
    await server.broker.publish({ topic: 'hub/state', payload: 'on', qos: 1, properties: { contentType: 'text/plain', userProperties: [['by', 'rules']] }, messageExpiryInterval: 60 });
    expect(await client.next('publish')).toMatchObject({ topic: 'hub/state', payload: Buffer.from('on'), qos: 1, properties: { contentType: 'text/plain', userProperties: { by: 'rules' }, messageExpiryInterval: 60 } });
    client.end();
  });

  it('publishes for a session: its No Local subscription leaves the message out, others get it (a bridge\'s own) [MQTT-3.8.3-3]', async () => {
    const bridge = await connectClient(server.url, { clientId: 'bridge', protocolVersion: 5 });
    const other = await connectClient(server.url, { clientId: 'other', protocolVersion: 5 });
    const seen: string[] = [];
    bridge.on('message', (topic) => seen.push(`bridge ${topic}`));
    other.on('message', (topic) => seen.push(`other ${topic}`));
    await bridge.subscribeAsync('bridged/#', { qos: 1, nl: true });
    await other.subscribeAsync('bridged/#', { qos: 1, nl: true });
    await server.broker.publish({ topic: 'bridged/in', payload: 'x', qos: 1, publisher: 'bridge' });
    await server.broker.publish({ topic: 'bridged/sentinel', payload: 'x', qos: 1 });
    await until(() => seen.includes('bridge bridged/sentinel') && seen.includes('other bridged/sentinel'), 'both sentinels');
    expect(seen.sort()).toEqual(['bridge bridged/sentinel', 'other bridged/in', 'other bridged/sentinel']);
    await Promise.all([bridge.endAsync(), other.endAsync()]);
  });

  it('refuses to publish to a topic name that is not one', async () => {
    await expect(server.broker.publish({ topic: 'a/+/b', payload: 'x' })).rejects.toThrow(/not a valid topic name/);
    await expect(server.broker.publish({ topic: '', payload: 'x' })).rejects.toThrow(/not a valid topic name/);
  });

  it('hands every matching message to an in-process subscriber until it unsubscribes, retained ones first if asked', async () => {
    await server.broker.publish({ topic: 'garden/bed1', payload: '40', retain: true });
    const seen: string[] = [];
    const unsubscribe = server.broker.subscribe('garden/+', (message) => seen.push(summary(message)), { retained: true });
    const client = await connectClient(server.url);
    await client.publishAsync('garden/bed2', '35', { qos: 1 });
    await client.publishAsync('house/hall', 'ignored', { qos: 1 });
    unsubscribe();
    await client.publishAsync('garden/bed3', 'after', { qos: 1 });
    expect(seen).toEqual(['garden/bed1=40 (retained)', 'garden/bed2=35']);
    await client.endAsync();
  });

  it('taps every routed message, $SYS included, without a subscription; retained ones outside $ first if asked', async () => {
    await server.broker.publish({ topic: '$SYS/broker/uptime', payload: '1 seconds', retain: true });
    await server.broker.publish({ topic: 'tapped/kept', payload: 'k', retain: true });
    const seen: string[] = [];
    const untap = server.broker.tap((message) => seen.push(summary(message)), { retained: true });
    expect(seen).toEqual(['garden/bed1=40 (retained)', 'tapped/kept=k (retained)']);
    seen.length = 0;
    await server.broker.publish({ topic: '$SYS/broker/uptime', payload: '2 seconds', retain: true });
    const client = await connectClient(server.url);
    await client.publishAsync('tapped/live', 'l', { qos: 1 });
    untap();
    await client.publishAsync('tapped/after', 'a', { qos: 1 });
    expect(seen).toEqual(['$SYS/broker/uptime=2 seconds (retained)', 'tapped/live=l']);
    await client.endAsync();
  });

  it('refuses a filter an in-process subscriber cannot use', () => {
    expect(() => server.broker.subscribe('a/#/b', () => undefined)).toThrow(/not a topic filter/);
    expect(() => server.broker.subscribe('$share/g/a', () => undefined)).toThrow(/not a topic filter/);
  });

  it('disconnects a client on request: DISCONNECT 0x98 (Administrative action) for MQTT 5', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'revoked' });
    expect(server.broker.disconnect('revoked')).toBe(true);
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.ADMINISTRATIVE_ACTION });
    await client.closed;
    expect(server.broker.disconnect('revoked')).toBe(false);
  });

  it('lists connected clients and counts them', async () => {
    const before = server.broker.connectedClients;
    const { client } = await RawClient.connect(server.port, { clientId: 'counted', username: 'u' });
    expect(server.broker.connectedClients).toBe(before + 1);
    expect([...server.broker.clients()].find((c) => c.clientId === 'counted')).toMatchObject({ clientId: 'counted', username: 'u', protocolVersion: 5 });
    client.end();
    await until(() => server.broker.connectedClients === before, 'the client to be gone');
  });
});

describe('an in-process publish that the store must keep', () => {
  it('resolves only once the store committed it', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    const server = await startBroker({ store });
    let resolved = false;
    const publishing = server.broker.publish({ topic: 'config', payload: 'v2', qos: 1, retain: true }).then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    store.commit();
    await publishing;
    store.commit();
    await server.close();
  });
});

describe('closing the broker', () => {
  it('sends MQTT 5 clients DISCONNECT 0x8B (Server shutting down) and closes every connection', async () => {
    const server = await startBroker();
    const { client: v5 } = await RawClient.connect(server.port, { clientId: 'modern' });
    const { client: v4 } = await RawClient.connect(server.port, { clientId: 'legacy', protocolVersion: 4 });
    await server.close();
    expect(await v5.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.SERVER_SHUTTING_DOWN });
    await v5.closed;
    await v4.closed;
    expect(v4.received.map((packet) => packet.cmd)).toEqual(['connack']);
  });

  it('counts what crosses the wire', async () => {
    const server = await startBroker();
    const sub = await connectClient(server.url);
    await sub.subscribeAsync('counted');
    const { client } = await RawClient.connect(server.port, { clientId: 'counter' });
    client.send({ cmd: 'publish', topic: 'counted', payload: Buffer.from('x'), qos: 1, messageId: 1, retain: false, dup: false } as IPublishPacket);
    await client.next('puback');
    await sub.inbox.waitFor(1);
    expect(server.broker.stats).toMatchObject({ messagesReceived: 1, messagesSent: 1, clientsMaximum: 2 });
    expect(server.broker.stats.bytesReceived).toBeGreaterThan(0);
    expect(server.broker.stats.bytesSent).toBeGreaterThan(0);
    client.end();
    await sub.endAsync();
    await server.close();
  });
});
