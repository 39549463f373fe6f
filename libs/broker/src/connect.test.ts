import { Buffer } from 'node:buffer';
import mqttPacket, { type IConnackPacket, type IDisconnectPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { fromHex } from './codec/test-vectors.js';
import { ReasonCode } from './constants.js';
import { startBroker, useBroker } from './testing/broker-server.js';
import { FakeClock } from '@hearth/fake-clock';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

describe('CONNECT and CONNACK', () => {
  const server = useBroker({ maxClientIdLength: 16, maxInflight: 20, topicAliasMaximum: 10, maxPacketSize: 4096 });

  it('[MQTT-3.1.0-1] closes a connection whose first packet is not a CONNECT, without answering', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'pingreq' });
    await client.closed;
    expect(client.received).toEqual([]);
  });

  it('[MQTT-3.1.0-2] answers a second CONNECT with DISCONNECT 0x82 (Protocol Error) and closes', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'twice' });
    expect(connack.reasonCode).toBe(0);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0 });
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR, properties: { reasonString: 'a second CONNECT' } });
    await client.closed;
  });

  it('[MQTT-3.1.2-2] answers an unsupported protocol level with CONNACK 0x01, in the 3.1.1 form every client reads, and closes', async () => {
    const client = await RawClient.open(server.port, 4);
    client.send(fromHex('10 0c', '00 04 4d 51 54 54', '06', '02', '00 3c', '00 00'));
    expect(await client.next('connack')).toMatchObject({ returnCode: 1, sessionPresent: false });
    await client.closed;
  });

  it('[MQTT-3.1.2-3] closes a connection whose CONNECT sets the reserved flag (3.1.1: no CONNACK)', async () => {
    const client = await RawClient.open(server.port, 4);
    client.send(fromHex('10 0c', '00 04 4d 51 54 54', '04', '03', '00 3c', '00 00'));
    await client.closed;
    expect(client.received).toEqual([]);
    expect(server.broker.stats.malformedPackets).toBeGreaterThan(0);
  });

  it('[MQTT-3.1.4-1] answers a malformed MQTT 5 CONNECT with CONNACK 0x81 and closes', async () => {
    const client = await RawClient.open(server.port, 5);
    // a property CONNECT may not carry: Topic Alias (0x23)
    client.send(fromHex('10 10', '00 04 4d 51 54 54', '05', '02', '00 3c', '03 23 00 01', '00 00'));
    expect(await client.next('connack')).toMatchObject({ reasonCode: ReasonCode.MALFORMED_PACKET });
    await client.closed;
  });

  it('[MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16] assigns a unique client identifier to an empty one and returns it', async () => {
    const first = await RawClient.connect(server.port, { clientId: '' });
    const second = await RawClient.connect(server.port, { clientId: '' });
    const ids = [first.connack, second.connack].map((connack) => connack.properties?.assignedClientIdentifier);
    expect(ids[0]).toMatch(/^auto-/);
    expect(ids[1]).toMatch(/^auto-/);
    expect(ids[0]).not.toBe(ids[1]);
    first.client.end();
    second.client.end();
  });

  it('[MQTT-3.1.3-8] refuses an empty client identifier without a clean session in MQTT 3.1.1 (return code 2)', async () => {
    const client = await RawClient.open(server.port, 4);
    // written by hand: mqtt-packet refuses to generate it
    client.send(fromHex('10 0c', '00 04 4d 51 54 54', '04', '00', '00 3c', '00 00'));
    expect(await client.next('connack')).toMatchObject({ returnCode: 2, sessionPresent: false });
    await client.closed;
  });

  it('[MQTT-3.1.3-8] refuses a client identifier longer than the configured maximum with 0x85', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'a-client-id-far-too-long' });
    expect(connack).toMatchObject({ reasonCode: ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, properties: { reasonString: 'client identifier longer than 16 characters' } });
    await client.closed;
  });

  it('[MQTT-3.1.2-29] leaves the Reason String out when the client asked for no problem information... except on CONNACK, where it may', async () => {
    const { connack } = await RawClient.connect(server.port, { clientId: 'a-client-id-far-too-long', properties: { requestProblemInformation: false } });
    expect(connack.reasonCode).toBe(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    expect(connack.properties?.reasonString).toBeUndefined();
  });

  it('announces its limits in CONNACK: Receive Maximum, Maximum Packet Size, Topic Alias Maximum', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'limits' });
    expect(connack).toMatchObject({ reasonCode: 0, sessionPresent: false, properties: { receiveMaximum: 20, maximumPacketSize: 4096, topicAliasMaximum: 10 } });
    // Everything this broker offers is available, so it does not say otherwise (section 3.2.2.3).
    expect(connack.properties).not.toHaveProperty('wildcardSubscriptionAvailable');
    expect(connack.properties).not.toHaveProperty('sharedSubscriptionAvailable');
    expect(connack.properties).not.toHaveProperty('retainAvailable');
    client.end();
  });

  it('[MQTT-3.1.4-3] sends DISCONNECT 0x8E to a connection whose client identifier another connection takes, and closes it', async () => {
    const first = await connectClient(server.url, { protocolVersion: 5, clientId: 'taken' });
    const disconnect = new Promise<IDisconnectPacket>((resolve) => first.once('disconnect', resolve));
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await connectClient(server.url, { protocolVersion: 5, clientId: 'taken' });
    expect((await disconnect).reasonCode).toBe(ReasonCode.SESSION_TAKEN_OVER);
    await closed;
    expect(second.connected).toBe(true);
    first.end(true);
    await second.endAsync();
  });

  it('[MQTT-3.1.4-3] takes over an MQTT 3.1.1 connection by closing it (3.1.1 has no server DISCONNECT)', async () => {
    const { client: first } = await RawClient.connect(server.port, { protocolVersion: 4, clientId: 'taken-v4' });
    const { client: second, connack } = await RawClient.connect(server.port, { protocolVersion: 4, clientId: 'taken-v4' });
    await first.closed;
    expect(first.received.map((packet) => packet.cmd)).toEqual(['connack']);
    expect(connack.returnCode).toBe(0);
    second.end();
  });
});

describe('keep-alive', () => {
  it('[MQTT-3.1.2-22] closes a silent client after one and a half keep-alive periods, with DISCONNECT 0x8D', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const { client } = await RawClient.connect(server.port, { clientId: 'sleepy', keepalive: 10 });
    await clock.advance(14_000);
    expect(client.isClosed).toBe(false);
    await clock.advance(2_000);
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.KEEP_ALIVE_TIMEOUT });
    await client.closed;
    await server.close();
  });

  it('[MQTT-3.1.2-22] counts any packet from the client, not only PINGREQ', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock });
    const { client } = await RawClient.connect(server.port, { clientId: 'chatty', keepalive: 10 });
    for (let i = 0; i < 5; i++) {
      await clock.advance(9_000);
      client.send({ cmd: 'publish', topic: 'chatty', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
      client.send({ cmd: 'pingreq' });
      await client.next('pingresp');
    }
    expect(client.isClosed).toBe(false);
    client.end();
    await server.close();
  });

  it('[MQTT-3.2.2-21] [MQTT-3.2.2-22] sends Server Keep Alive when it caps the client\'s keep-alive, and holds the client to it', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock, maxKeepAlive: 30 });
    const capped = await RawClient.connect(server.port, { clientId: 'capped', keepalive: 0 });
    expect(capped.connack.properties?.serverKeepAlive).toBe(30);
    const kept = await RawClient.connect(server.port, { clientId: 'kept', keepalive: 20 });
    expect(kept.connack.properties?.serverKeepAlive).toBeUndefined();
    await clock.advance(46_000);
    expect(await capped.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.KEEP_ALIVE_TIMEOUT });
    expect(await kept.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.KEEP_ALIVE_TIMEOUT });
    await server.close();
  });

  it('closes a connection that sends no CONNECT within the connect timeout', async () => {
    const clock = new FakeClock();
    const server = await startBroker({ clock, connectTimeout: 5_000 });
    const client = await RawClient.open(server.port);
    await clock.advance(4_000);
    expect(client.isClosed).toBe(false);
    await clock.advance(2_000);
    await client.closed;
    expect(client.received).toEqual([]);
    await server.close();
  });
});

describe('what a connection can make the broker hold before its CONNACK', () => {
  const server = useBroker({ maxConnectPacketSize: 256, maxPacketSize: 4096 });
  // A 3.1.1 CONNECT of `total` bytes: client id 'big', a will on topic 'w' whose payload fills the rest.
  const connectOf = (total: number) => {
    const withWill = (bytes: number) =>
      mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'big', clean: true, keepalive: 0, will: { topic: 'w', payload: Buffer.alloc(bytes, 0x61), qos: 0, retain: false } });
    // 22 bytes around the will payload, one more once the Remaining Length takes two bytes
    const packet = withWill(total - 22);
    return packet.length === total ? packet : withWill(total - 23);
  };

  it('closes a connection at the first byte that cannot start a CONNECT, not once a packet that long would be complete', async () => {
    const client = await RawClient.open(server.port, 4);
    // 'G' of "GET / HTTP/1.1": read as a fixed header it is a PUBACK whose length byte has not arrived yet
    client.send(Buffer.from('G'));
    await client.closed;
    expect(client.received).toEqual([]);
  });

  it('closes a connection whose CONNECT declares more than maxConnectPacketSize as soon as its fixed header is complete', async () => {
    const malformed = server.broker.stats.malformedPackets;
    const client = await RawClient.open(server.port, 4);
    // 10 | e8 07: a CONNECT of 1,000 bytes (under maxPacketSize), none of its body sent
    client.send(fromHex('10', 'e8 07'));
    await client.closed;
    expect(server.broker.stats.malformedPackets).toBe(malformed + 1);
  });

  it('takes a CONNECT of exactly maxConnectPacketSize, sent a byte at a time', async () => {
    const packet = connectOf(256);
    expect(packet).toHaveLength(256);
    const client = await RawClient.open(server.port, 4);
    for (const byte of packet) client.send(Buffer.from([byte]));
    expect(await client.next('connack')).toMatchObject({ returnCode: 0 });
    client.end();
  });

  it('refuses a CONNECT one byte over maxConnectPacketSize, and takes packets up to maxPacketSize once connected', async () => {
    const over = await RawClient.open(server.port, 4);
    over.send(connectOf(257));
    await over.closed;
    expect(over.received).toEqual([]);

    // CONNECT and a 3,000-byte QoS 1 PUBLISH in one write: the larger limit holds from the packet after the CONNECT.
    const client = await RawClient.open(server.port, 4);
    const publish = { cmd: 'publish', topic: 't', payload: Buffer.alloc(3000), qos: 1, messageId: 7, retain: false, dup: false } as const;
    client.send(Buffer.concat([connectOf(100), mqttPacket.generate(publish)]));
    expect(await client.next('connack')).toMatchObject({ returnCode: 0 });
    expect(await client.next('puback')).toMatchObject({ messageId: 7 });
    client.end();
  });
});

describe('Response Information', () => {
  it('[MQTT-3.1.2-28] returns Response Information only to a client that asked for it', async () => {
    const server = await startBroker({ responseInformation: (client) => `replies/${client.clientId}` });
    const asked = await RawClient.connect(server.port, { clientId: 'asker', properties: { requestResponseInformation: true } });
    expect(asked.connack.properties?.responseInformation).toBe('replies/asker');
    const silent = await RawClient.connect(server.port, { clientId: 'silent' });
    expect(silent.connack.properties?.responseInformation).toBeUndefined();
    asked.client.end();
    silent.client.end();
    await server.close();
  });
});

describe('Maximum QoS and Retain Available', () => {
  const server = useBroker({ maximumQoS: 1, retainAvailable: false });

  it('announces them in CONNACK', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'caps' });
    expect(connack.properties).toMatchObject({ maximumQoS: 1, retainAvailable: false });
    client.end();
  });

  it('[MQTT-3.2.2-12] refuses a will with a QoS above the Maximum QoS with 0x9B', async () => {
    const { connack } = await RawClient.connect(server.port, { clientId: 'will-qos', will: { topic: 'w', payload: Buffer.from('x'), qos: 2, retain: false } });
    expect((connack as IConnackPacket).reasonCode).toBe(ReasonCode.QOS_NOT_SUPPORTED);
  });

  it('[MQTT-3.2.2-13] refuses a retained will with 0x9A when retained messages are not available', async () => {
    const { connack } = await RawClient.connect(server.port, { clientId: 'will-retain', will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true } });
    expect(connack.reasonCode).toBe(ReasonCode.RETAIN_NOT_SUPPORTED);
  });

  it('[MQTT-3.2.2-10] grants at most the Maximum QoS to a subscription asking for more', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'sub-qos2' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 2 }] });
    expect(await client.next('suback')).toMatchObject({ granted: [1] });
    client.end();
  });

  it('disconnects a client publishing above the Maximum QoS with 0x9B, or a retained message with 0x9A', async () => {
    const qos = await RawClient.connect(server.port, { clientId: 'pub-qos2' });
    qos.client.send({ cmd: 'publish', topic: 'q', payload: Buffer.from('x'), qos: 2, messageId: 1, retain: false, dup: false });
    expect(await qos.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.QOS_NOT_SUPPORTED });
    const retain = await RawClient.connect(server.port, { clientId: 'pub-retain' });
    retain.client.send({ cmd: 'publish', topic: 'q', payload: Buffer.from('x'), qos: 0, retain: true, dup: false });
    expect(await retain.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.RETAIN_NOT_SUPPORTED });
  });
});
