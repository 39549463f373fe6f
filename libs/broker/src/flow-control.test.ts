import { Buffer } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { useBroker } from './testing/broker-server.js';
import { RawClient } from './testing/raw-client.js';

const publish = (topic: string, payload: Buffer | string, qos: 0 | 1 | 2, messageId?: number): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  qos,
  messageId,
  retain: false,
  dup: false,
});

async function settled(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().filter((packet): packet is IPublishPacket => packet.cmd === 'publish');
}

describe('Receive Maximum', () => {
  const server = useBroker({ maxInflight: 20 });

  it('[MQTT-3.3.4-9] [MQTT-4.9.0-2] sends a client no more unacknowledged QoS 1 and 2 messages than its Receive Maximum', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'rm-sub', properties: { receiveMaximum: 3 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/#', qos: 2 }] });
    await sub.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'rm-pub' });
    for (let i = 1; i <= 6; i++) pub.send(publish('rm/t', String(i), i % 2 ? 1 : 2, i));
    pub.send(publish('rm/t', 'qos0', 0));
    for (let i = 1; i <= 6; i++) await pub.next();
    // [MQTT-3.3.4-10]: QoS 0 is not held back
    const first = await settled(sub);
    expect(first.map((p) => p.payload.toString())).toEqual(['1', '2', '3', 'qos0']);
    // Acknowledging one (PUBACK for QoS 1, PUBREC then PUBCOMP for QoS 2) lets exactly one more through.
    sub.send({ cmd: 'puback', messageId: first[0].messageId! });
    expect((await settled(sub)).map((p) => p.payload.toString())).toEqual(['4']);
    sub.send({ cmd: 'pubrec', messageId: first[1].messageId! });
    await sub.next('pubrel');
    expect(await settled(sub)).toEqual([]);
    sub.send({ cmd: 'pubcomp', messageId: first[1].messageId! });
    expect((await settled(sub)).map((p) => p.payload.toString())).toEqual(['5']);
    pub.end();
    sub.end();
  });

  it('[MQTT-4.4.0-2] takes a PUBACK with an error code as the end of that message, never resending it', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'rm-refuser', properties: { receiveMaximum: 1 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'refused', qos: 1 }] });
    await sub.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'rm-refused-pub' });
    pub.send(publish('refused', 'a', 1, 1));
    pub.send(publish('refused', 'b', 1, 2));
    const [first] = await settled(sub);
    sub.send({ cmd: 'puback', messageId: first.messageId!, reasonCode: ReasonCode.UNSPECIFIED_ERROR });
    expect((await settled(sub)).map((p) => [p.payload.toString(), p.dup])).toEqual([['b', false]]);
    pub.end();
    sub.end();
  });

  it('[MQTT-3.3.4-7] disconnects with 0x93 a client whose unacknowledged QoS 2 messages exceed the server\'s Receive Maximum', async () => {
    // The Aedes bug of issue #15: the 21st unacknowledged QoS 2 PUBLISH must get DISCONNECT 0x93.
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'rm-flood' });
    expect(connack.properties?.receiveMaximum).toBe(20);
    for (let i = 1; i <= 20; i++) client.send(publish('flood', String(i), 2, i));
    for (let i = 1; i <= 20; i++) expect(await client.next('pubrec')).toMatchObject({ messageId: i });
    client.send(publish('flood', '21', 2, 21));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.RECEIVE_MAXIMUM_EXCEEDED });
    await client.closed;
  });

  it('[MQTT-3.3.4-7] frees a slot of the server\'s Receive Maximum at PUBCOMP', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'rm-polite' });
    for (let i = 1; i <= 20; i++) client.send(publish('polite', String(i), 2, i));
    for (let i = 1; i <= 20; i++) await client.next('pubrec');
    client.send({ cmd: 'pubrel', messageId: 1 });
    await client.next('pubcomp');
    client.send(publish('polite', '21', 2, 21));
    expect(await client.next('pubrec')).toMatchObject({ messageId: 21 });
    client.end();
  });

  it('does not limit MQTT 3.1.1 clients, which have no Receive Maximum to be told', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'rm-v4', protocolVersion: 4 });
    for (let i = 1; i <= 30; i++) client.send(publish('v4', String(i), 2, i));
    for (let i = 1; i <= 30; i++) expect(await client.next('pubrec')).toMatchObject({ messageId: i });
    client.end();
  });
});

describe('Maximum Packet Size', () => {
  const server = useBroker({ maxPacketSize: 1024 });

  it('[MQTT-3.1.2-24] [MQTT-3.1.2-25] does not send a PUBLISH larger than the client\'s Maximum Packet Size, dropping it as if sent', async () => {
    // The Aedes bug of issue #15: larger PUBLISHes must be dropped for that client instead.
    const { client: small } = await RawClient.connect(server.port, { clientId: 'mps-small', properties: { maximumPacketSize: 64 } });
    small.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mps/#', qos: 1 }] });
    await small.next('suback');
    const { client: big } = await RawClient.connect(server.port, { clientId: 'mps-big' });
    big.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mps/#', qos: 1 }] });
    await big.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'mps-pub' });
    pub.send(publish('mps/large', Buffer.alloc(100, 0x61), 1, 1));
    pub.send(publish('mps/small', 'fits', 1, 2));
    await pub.next('puback');
    await pub.next('puback');
    expect((await settled(small)).map((p) => p.topic)).toEqual(['mps/small']);
    expect((await settled(big)).map((p) => p.topic)).toEqual(['mps/large', 'mps/small']);
    pub.end();
    small.end();
    big.end();
  });

  it('disconnects with 0x95 a client that sends a packet larger than the server\'s Maximum Packet Size', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'mps-over' });
    client.send(publish('over', Buffer.alloc(1100), 0));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PACKET_TOO_LARGE });
    await client.closed;
  });

  it('closes a connection that declares a packet above the maximum at once, before the rest of it arrives', async () => {
    const client = await RawClient.open(server.port, 4);
    client.send({ cmd: 'connect', protocolVersion: 4, clientId: 'mps-liar', clean: true, keepalive: 0 });
    await client.next('connack');
    // PUBLISH declaring 268,435,455 bytes, of which only the header is ever sent
    client.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    await client.closed;
  });
});
