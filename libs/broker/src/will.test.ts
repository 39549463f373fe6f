import { Buffer } from 'node:buffer';
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { disconnected, startBroker, type TestBroker, useBroker } from './testing/broker-server.js';
import { FakeClock } from '@hearth/fake-clock';
import { RawClient } from './testing/raw-client.js';

type WillFields = NonNullable<IConnectPacket['will']>;

const will = (topic: string, fields: Partial<WillFields> = {}): WillFields => ({ topic, payload: Buffer.from('offline'), qos: 1, retain: false, ...fields });

/** A subscriber that records what reaches `filter`, raw, so the PUBLISH's properties can be checked byte for byte. */
async function watch(port: number, filter: string, clientId = `watcher-${filter}`): Promise<RawClient> {
  const { client } = await RawClient.connect(port, { clientId });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
  await client.next('suback');
  return client;
}

/** Connects with a will, then drops the connection without DISCONNECT; resolves once the broker saw it go. */
async function vanish(server: TestBroker, clientId: string, fields: Partial<IConnectPacket>): Promise<void> {
  const { client } = await RawClient.connect(server.port, { clientId, ...fields });
  client.end();
  await disconnected(server, clientId);
}

describe('wills', () => {
  const server = useBroker();

  it('[MQTT-3.1.2-8] [MQTT-3.1.3-10] publishes the will with its properties, user properties in order, and no Will Delay Interval', async () => {
    const watcher = await watch(server.port, 'w1/#');
    const properties = {
      willDelayInterval: 0,
      payloadFormatIndicator: true,
      contentType: 'text/plain',
      responseTopic: 'w1/replies',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: { z: 'last', a: ['first', 'second'] },
    };
    await vanish(server, 'w1-plug', { will: will('w1/status', { properties }) });
    const published = (await watcher.next('publish')) as IPublishPacket;
    expect(published).toMatchObject({ topic: 'w1/status', payload: Buffer.from('offline'), qos: 1 });
    // The Aedes bug of issue #15: PUBLISH may not carry the Will Delay Interval (0x18).
    expect(published.properties).toEqual({
      payloadFormatIndicator: true,
      contentType: 'text/plain',
      responseTopic: 'w1/replies',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: { z: 'last', a: ['first', 'second'] },
    });
    expect(Object.keys(published.properties!.userProperties!)).toEqual(['z', 'a']);
    watcher.end();
  });

  it('[MQTT-3.14.4-3] [MQTT-3.1.2-10] discards the will on a normal DISCONNECT', async () => {
    const watcher = await watch(server.port, 'w2/#');
    const { client } = await RawClient.connect(server.port, { clientId: 'w2-polite', will: will('w2/status') });
    client.send({ cmd: 'disconnect', reasonCode: 0 });
    await client.closed;
    const { client: marker } = await RawClient.connect(server.port, { clientId: 'w2-marker' });
    marker.send({ cmd: 'publish', topic: 'w2/marker', payload: Buffer.from('m'), qos: 1, messageId: 1, retain: false, dup: false });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'w2/marker' });
    marker.end();
    watcher.end();
  });

  it('publishes the will on DISCONNECT 0x04 (Disconnect with Will Message)', async () => {
    const watcher = await watch(server.port, 'w3/#');
    const { client } = await RawClient.connect(server.port, { clientId: 'w3-asking', will: will('w3/status') });
    client.send({ cmd: 'disconnect', reasonCode: ReasonCode.DISCONNECT_WITH_WILL });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'w3/status', payload: Buffer.from('offline') });
    watcher.end();
  });

  it('publishes the will when the server closes the connection for a protocol error', async () => {
    const watcher = await watch(server.port, 'w4/#');
    const { client } = await RawClient.connect(server.port, { clientId: 'w4-rude', will: will('w4/status') });
    client.send(Buffer.from([0x00, 0x00]));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.MALFORMED_PACKET });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'w4/status' });
    watcher.end();
  });

  it('[MQTT-3.1.2-15] publishes a will with Will Retain as a retained message, [MQTT-3.1.2-14] one without as not retained', async () => {
    await vanish(server, 'w5-kept', { will: will('w5/kept', { retain: true }) });
    await vanish(server, 'w5-plain', { will: will('w5/plain') });
    const late = await watch(server.port, 'w5/#');
    expect(await late.next('publish')).toMatchObject({ topic: 'w5/kept', retain: true });
    late.send({ cmd: 'pingreq' });
    await late.next('pingresp');
    expect(late.drain()).toEqual([]);
    late.end();
  });

  it('publishes the will of an MQTT 3.1.1 client', async () => {
    const watcher = await watch(server.port, 'w6/#');
    await vanish(server, 'w6-old', { protocolVersion: 4, will: will('w6/status') });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'w6/status', payload: Buffer.from('offline') });
    watcher.end();
  });

  it('[MQTT-3.1.4-3] publishes the will of a connection taken over', async () => {
    const watcher = await watch(server.port, 'w7/#');
    const first = await RawClient.connect(server.port, { clientId: 'w7-twin', will: will('w7/status') });
    const second = await RawClient.connect(server.port, { clientId: 'w7-twin' });
    expect(await first.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.SESSION_TAKEN_OVER });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'w7/status' });
    second.client.end();
    watcher.end();
  });
});

describe('Will Delay Interval', () => {
  const persistent = { clean: false, properties: { sessionExpiryInterval: 3600 } };

  it('[MQTT-3.1.2-8] publishes the will once the delay has passed', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const watcher = await watch(server.port, 'delay/#');
    await vanish(server, 'delayed', { ...persistent, will: will('delay/status', { properties: { willDelayInterval: 30 } }) });
    await clock.advance(29_000);
    watcher.send({ cmd: 'pingreq' });
    await watcher.next('pingresp');
    expect(watcher.drain()).toEqual([]);
    await clock.advance(1_000);
    expect(await watcher.next('publish')).toMatchObject({ topic: 'delay/status' });
    watcher.end();
    await server.close();
  });

  it('[MQTT-3.1.3-9] does not publish the will when the client comes back before the delay has passed', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const watcher = await watch(server.port, 'back/#');
    await vanish(server, 'returner', { ...persistent, will: will('back/status', { properties: { willDelayInterval: 30 } }) });
    await clock.advance(10_000);
    const { client } = await RawClient.connect(server.port, { clientId: 'returner', ...persistent });
    await clock.advance(60_000);
    watcher.send({ cmd: 'pingreq' });
    await watcher.next('pingresp');
    expect(watcher.drain()).toEqual([]);
    client.end();
    watcher.end();
    await server.close();
  });

  it('[MQTT-3.1.2-8] publishes the will when the session ends before the delay has passed', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const watcher = await watch(server.port, 'ends/#');
    await vanish(server, 'short-session', { clean: false, properties: { sessionExpiryInterval: 10 }, will: will('ends/status', { properties: { willDelayInterval: 60 } }) });
    await clock.advance(9_000);
    watcher.send({ cmd: 'pingreq' });
    await watcher.next('pingresp');
    expect(watcher.drain()).toEqual([]);
    await clock.advance(1_000);
    expect(await watcher.next('publish')).toMatchObject({ topic: 'ends/status' });
    watcher.end();
    await server.close();
  });

  it('publishes the will of a session that ends with its connection at once, whatever its delay', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const watcher = await watch(server.port, 'now/#');
    await vanish(server, 'clean-with-delay', { will: will('now/status', { properties: { willDelayInterval: 60 } }) });
    expect(await watcher.next('publish')).toMatchObject({ topic: 'now/status' });
    watcher.end();
    await server.close();
  });

  it('counts a will\'s Message Expiry Interval from its publication, not from the CONNECT', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const watcher = await watch(server.port, 'expiry/#');
    await vanish(server, 'expiring-will', { ...persistent, will: will('expiry/status', { properties: { willDelayInterval: 30, messageExpiryInterval: 100 } }) });
    await clock.advance(30_000);
    expect(await watcher.next('publish')).toMatchObject({ topic: 'expiry/status', properties: { messageExpiryInterval: 100 } });
    watcher.end();
    await server.close();
  });
});
