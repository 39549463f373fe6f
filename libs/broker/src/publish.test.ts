import { Buffer } from 'node:buffer';
import type { IPublishPacket, ISubscribePacket, ISubscription } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { startBroker, useBroker } from './testing/broker-server.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

const publish = (topic: string, payload: string, fields: Partial<IPublishPacket> = {}): IPublishPacket => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false, ...fields });

let ids = 0;
/** A raw MQTT 5 client subscribed to `subscriptions` (SUBACK received); `properties` go on the SUBSCRIBE. */
async function subscriber(port: number, subscriptions: ISubscription[], properties?: ISubscribePacket['properties'], protocolVersion: 4 | 5 = 5): Promise<RawClient> {
  const { client } = await RawClient.connect(port, { clientId: `sub-${++ids}`, protocolVersion });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions, properties });
  await client.next('suback');
  return client;
}

/** Everything `client` has received so far, after a PINGREQ round trip proved the broker sent it all. */
async function received(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().filter((packet): packet is IPublishPacket => packet.cmd === 'publish');
}

describe('retained messages', () => {
  const server = useBroker();

  it('[MQTT-3.3.1-5] keeps the last retained message of a topic, [MQTT-3.3.1-8] untouched by non-retained ones', async () => {
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'r1-pub' });
    pub.send(publish('r1/t', 'first', { retain: true }));
    pub.send(publish('r1/t', 'second', { retain: true }));
    pub.send(publish('r1/t', 'not retained'));
    pub.send(publish('r1/t', 'barrier', { qos: 1, messageId: 1 }));
    await pub.next('puback');
    const sub = await subscriber(server.port, [{ topic: 'r1/t', qos: 0 }]);
    expect((await received(sub)).map((p) => [p.payload.toString(), p.retain])).toEqual([['second', true]]);
    pub.end();
    sub.end();
  });

  it('[MQTT-3.3.1-6] [MQTT-3.3.1-7] removes the retained message on an empty retained payload, and keeps none for it', async () => {
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'r2-pub' });
    pub.send(publish('r2/t', 'value', { retain: true, qos: 1, messageId: 1 }));
    await pub.next('puback');
    const live = await subscriber(server.port, [{ topic: 'r2/t', qos: 0 }]);
    pub.send(publish('r2/t', '', { retain: true, qos: 1, messageId: 2 }));
    await pub.next('puback');
    // The empty message still goes to current subscribers.
    expect((await received(live)).map((p) => p.payload.toString())).toEqual(['value', '']);
    const late = await subscriber(server.port, [{ topic: 'r2/t', qos: 0 }]);
    expect(await received(late)).toEqual([]);
    pub.end();
    live.end();
    late.end();
  });

  it('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] sends retained messages as Retain Handling says', async () => {
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'r3-pub' });
    pub.send(publish('r3/t', 'kept', { retain: true, qos: 1, messageId: 1 }));
    await pub.next('puback');
    const { client } = await RawClient.connect(server.port, { clientId: 'r3-sub' });
    const subscribe = async (rh: 0 | 1 | 2, filter = 'r3/#') => {
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0, rh }] });
      await client.next('suback');
      return (await received(client)).map((p) => p.payload.toString());
    };
    expect(await subscribe(2)).toEqual([]);
    expect(await subscribe(1)).toEqual([]); // the subscription exists now
    expect(await subscribe(1, 'r3/+')).toEqual(['kept']);
    expect(await subscribe(0)).toEqual(['kept']);
    // [MQTT-3.8.4-4]: Retain Handling 0 sends them again on a repeated SUBSCRIBE
    expect(await subscribe(0)).toEqual(['kept']);
    pub.end();
    client.end();
  });

  it('[MQTT-3.3.1-12] [MQTT-3.3.1-13] forwards a live retained message with RETAIN 0, unless Retain As Published', async () => {
    const plain = await subscriber(server.port, [{ topic: 'r4/t', qos: 0 }]);
    const asPublished = await subscriber(server.port, [{ topic: 'r4/t', qos: 0, rap: true }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'r4-pub' });
    pub.send(publish('r4/t', 'flag', { retain: true, qos: 1, messageId: 1 }));
    await pub.next('puback');
    expect((await received(plain)).map((p) => p.retain)).toEqual([false]);
    expect((await received(asPublished)).map((p) => p.retain)).toEqual([true]);
    pub.end();
    plain.end();
    asPublished.end();
  });

  it('[MQTT-4.7.2-1] keeps $ topics from filters starting with a wildcard, retained or live', async () => {
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'r5-pub' });
    pub.send(publish('$SYS/r5', 'sys', { retain: true, qos: 1, messageId: 1 }));
    await pub.next('puback');
    const everything = await subscriber(server.port, [{ topic: '#', qos: 0 }]);
    const sys = await subscriber(server.port, [{ topic: '$SYS/#', qos: 0 }]);
    pub.send(publish('$SYS/r5', 'live', { qos: 1, messageId: 2 }));
    await pub.next('puback');
    const seen = (await received(everything)).filter((p) => p.topic.startsWith('$'));
    expect(seen).toEqual([]);
    expect((await received(sys)).map((p) => p.payload.toString())).toEqual(['sys', 'live']);
    pub.end();
    everything.end();
    sys.end();
  });
});

describe('subscriptions', () => {
  const server = useBroker();

  it('[MQTT-3.8.4-1] [MQTT-3.8.4-2] [MQTT-3.9.3-1] [MQTT-3.9.3-2] answers with a code per filter, in order, refusing invalid filters with 0x8F', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 's1' });
    client.send({ cmd: 'subscribe', messageId: 42, subscriptions: [{ topic: 'a', qos: 2 }, { topic: 'a/#/b', qos: 1 }, { topic: 'c/+', qos: 1 }] });
    expect(await client.next('suback')).toMatchObject({ messageId: 42, granted: [2, ReasonCode.TOPIC_FILTER_INVALID, 1] });
    client.end();
  });

  it('refuses an invalid filter with 0x80 in MQTT 3.1.1', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 's2', protocolVersion: 4 });
    client.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a+', qos: 1 }, { topic: 'a', qos: 1 }] });
    expect(await client.next('suback')).toMatchObject({ messageId: 3, granted: [0x80, 1] });
    client.end();
  });

  it('[MQTT-3.8.4-8] delivers at the lower of the published QoS and the granted QoS', async () => {
    const q0 = await subscriber(server.port, [{ topic: 's3', qos: 0 }]);
    const q2 = await subscriber(server.port, [{ topic: 's3', qos: 2 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 's3-pub' });
    pub.send(publish('s3', 'x', { qos: 1, messageId: 1 }));
    await pub.next('puback');
    expect((await received(q0)).map((p) => p.qos)).toEqual([0]);
    expect((await received(q2)).map((p) => p.qos)).toEqual([1]);
    pub.end();
    q0.end();
    q2.end();
  });

  it('[MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4] sends one copy to overlapping subscriptions, at the highest QoS, with every Subscription Identifier', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 's4' });
    client.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 11 }, subscriptions: [{ topic: 's4/+/temp', qos: 0 }] });
    client.send({ cmd: 'subscribe', messageId: 2, properties: { subscriptionIdentifier: 22 }, subscriptions: [{ topic: 's4/#', qos: 1 }] });
    client.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 's4/kitchen/temp', qos: 0 }] });
    await client.next('suback');
    await client.next('suback');
    await client.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 's4-pub' });
    pub.send(publish('s4/kitchen/temp', '21', { qos: 2, messageId: 1 }));
    await pub.next('pubrec');
    const copies = await received(client);
    expect(copies).toHaveLength(1);
    expect(copies[0].qos).toBe(1);
    expect([...(copies[0].properties!.subscriptionIdentifier as number[])].sort()).toEqual([11, 22]);
    pub.end();
    client.end();
  });

  it('[MQTT-3.3.4-3] sends the Subscription Identifier of a single matching subscription, and none for one without', async () => {
    const withId = await subscriber(server.port, [{ topic: 's5/t', qos: 1 }], { subscriptionIdentifier: 268_435_455 });
    const without = await subscriber(server.port, [{ topic: 's5/t', qos: 1 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 's5-pub' });
    pub.send(publish('s5/t', 'x', { qos: 1, messageId: 1 }));
    await pub.next('puback');
    expect((await received(withId)).map((p) => p.properties?.subscriptionIdentifier)).toEqual([268_435_455]);
    expect((await received(without)).map((p) => p.properties?.subscriptionIdentifier)).toEqual([undefined]);
    pub.end();
    withId.end();
    without.end();
  });

  it('[MQTT-3.8.3-3] does not send a message back to its publisher on a No Local subscription', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 's6' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 's6/local', qos: 0, nl: true }, { topic: 's6/echo', qos: 0 }] });
    await client.next('suback');
    client.send(publish('s6/local', 'mine'));
    client.send(publish('s6/echo', 'back'));
    const other = await RawClient.connect(server.port, { clientId: 's6-other' });
    other.client.send(publish('s6/local', 'theirs', { qos: 1, messageId: 1 }));
    await other.client.next('puback');
    // Two connections: their messages may arrive in either order.
    expect((await received(client)).map((p) => p.payload.toString()).sort()).toEqual(['back', 'theirs']);
    client.end();
    other.client.end();
  });

  it('[MQTT-3.8.4-3] replaces a subscription to the same filter, keeping one copy per message', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 's7' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 's7', qos: 0 }] });
    client.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 's7', qos: 1 }] });
    await client.next('suback');
    await client.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 's7-pub' });
    pub.send(publish('s7', 'x', { qos: 1, messageId: 1 }));
    await pub.next('puback');
    expect((await received(client)).map((p) => p.qos)).toEqual([1]);
    pub.end();
    client.end();
  });

  it('[MQTT-3.10.4-1] [MQTT-3.10.4-2] [MQTT-3.10.4-4] [MQTT-3.10.4-5] unsubscribes exactly the filter given and answers 0x11 for one it did not have', async () => {
    const client = await subscriber(server.port, [{ topic: 's8/+', qos: 0 }, { topic: 's8/x', qos: 0 }]);
    client.send({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['s8/+', 's8/#'] });
    expect(await client.next('unsuback')).toMatchObject({ messageId: 9, granted: [ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED] });
    const { client: pub } = await RawClient.connect(server.port, { clientId: 's8-pub' });
    pub.send(publish('s8/y', 'gone', { qos: 1, messageId: 1 }));
    pub.send(publish('s8/x', 'kept', { qos: 1, messageId: 2 }));
    await pub.next('puback');
    await pub.next('puback');
    expect((await received(client)).map((p) => p.payload.toString())).toEqual(['kept']);
    pub.end();
    client.end();
  });

  it('refuses subscriptions beyond maxSubscriptions with 0x97 (Quota exceeded)', async () => {
    const limited = await startBroker({ maxSubscriptions: 2 });
    const { client } = await RawClient.connect(limited.port, { clientId: 'quota' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }, { topic: 'b', qos: 0 }, { topic: 'c', qos: 0 }, { topic: 'a', qos: 1 }] });
    expect(await client.next('suback')).toMatchObject({ granted: [0, 0, ReasonCode.QUOTA_EXCEEDED, 1] });
    client.end();
    await limited.close();
  });
});

describe('message properties', () => {
  const server = useBroker();

  it('[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] forwards the message properties unaltered, user properties in order', async () => {
    const sub = await subscriber(server.port, [{ topic: 'p1', qos: 1 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'p1-pub' });
    const properties = {
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'p1/replies/42',
      correlationData: Buffer.from([0xca, 0xfe]),
      userProperties: { room: 'kitchen', unit: ['°C', 'K'], a: 'z' },
    };
    pub.send(publish('p1', '{"t":21}', { qos: 1, messageId: 1, properties }));
    await pub.next('puback');
    const [message] = await received(sub);
    expect(message.properties).toEqual(properties);
    expect(Object.keys(message.properties!.userProperties!)).toEqual(['room', 'unit', 'a']);
    pub.end();
    sub.end();
  });

  it('[MQTT-3.3.2-6] forwards a live message with its Message Expiry Interval', async () => {
    const sub = await subscriber(server.port, [{ topic: 'p2', qos: 0 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'p2-pub' });
    pub.send(publish('p2', 'x', { qos: 1, messageId: 1, properties: { messageExpiryInterval: 3600 } }));
    await pub.next('puback');
    expect((await received(sub)).map((p) => p.properties?.messageExpiryInterval)).toEqual([3600]);
    pub.end();
    sub.end();
  });

  it('takes a Message Expiry Interval of 0 for none, as Mosquitto does', async () => {
    const sub = await subscriber(server.port, [{ topic: 'p5', qos: 0 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'p5-pub' });
    pub.send(publish('p5', 'x', { qos: 1, messageId: 1, properties: { messageExpiryInterval: 0 } }));
    await pub.next('puback');
    expect((await received(sub)).map((p) => [p.payload.toString(), p.properties?.messageExpiryInterval])).toEqual([['x', undefined]]);
    pub.end();
    sub.end();
  });

  it('refuses a payload that is not the UTF-8 its Payload Format Indicator promises: PUBACK 0x99, or DISCONNECT 0x99 at QoS 0', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'p3' });
    client.send(publish('p3', '', { qos: 1, messageId: 1, payload: Buffer.from([0xff, 0xfe]), properties: { payloadFormatIndicator: true } }));
    expect(await client.next('puback')).toMatchObject({ messageId: 1, reasonCode: ReasonCode.PAYLOAD_FORMAT_INVALID });
    client.send(publish('p3', '', { payload: Buffer.from([0xc3]), properties: { payloadFormatIndicator: true } }));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PAYLOAD_FORMAT_INVALID });
    await client.closed;
  });

  it('[MQTT-3.3.2-2] disconnects a client that publishes to a topic name with a wildcard (0x90)', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'p4' });
    client.send(Buffer.from([0x30, 0x04, 0x00, 0x02, 0x61, 0x23]));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.TOPIC_NAME_INVALID });
    await client.closed;
  });
});

describe('QoS 1 and 2 exchanges', () => {
  const server = useBroker();

  it('[MQTT-4.3.3-10] acknowledges a repeated QoS 2 PUBLISH again without delivering it twice, [MQTT-4.3.3-12] and takes the id as new after PUBCOMP', async () => {
    const sub = await subscriber(server.port, [{ topic: 'q1', qos: 2 }]);
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'q1-pub' });
    pub.send(publish('q1', 'once', { qos: 2, messageId: 5 }));
    expect(await pub.next('pubrec')).toMatchObject({ messageId: 5 });
    pub.send(publish('q1', 'once', { qos: 2, messageId: 5, dup: true }));
    expect(await pub.next('pubrec')).toMatchObject({ messageId: 5 });
    pub.send({ cmd: 'pubrel', messageId: 5 });
    expect(await pub.next('pubcomp')).toMatchObject({ messageId: 5, reasonCode: 0 });
    pub.send(publish('q1', 'again', { qos: 2, messageId: 5 }));
    await pub.next('pubrec');
    expect((await received(sub)).map((p) => p.payload.toString())).toEqual(['once', 'again']);
    pub.end();
    sub.end();
  });

  it('answers a PUBREL for an unknown Packet Identifier with PUBCOMP 0x92', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'q2' });
    client.send({ cmd: 'pubrel', messageId: 77 });
    expect(await client.next('pubcomp')).toMatchObject({ messageId: 77, reasonCode: ReasonCode.PACKET_IDENTIFIER_NOT_FOUND });
    client.end();
  });

  it('[MQTT-4.3.3-4] [MQTT-4.3.3-5] completes a QoS 2 delivery: PUBREL after PUBREC, and the message counts as in flight until PUBCOMP', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'q3', properties: { receiveMaximum: 1 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q3', qos: 2 }] });
    await sub.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'q3-pub' });
    pub.send(publish('q3', 'first', { qos: 2, messageId: 1 }));
    pub.send(publish('q3', 'second', { qos: 2, messageId: 2 }));
    const first = (await sub.next('publish')) as IPublishPacket;
    expect(first).toMatchObject({ qos: 2, dup: false, payload: Buffer.from('first') });
    sub.send({ cmd: 'pubrec', messageId: first.messageId! });
    expect(await sub.next('pubrel')).toMatchObject({ messageId: first.messageId });
    expect(await received(sub)).toEqual([]);
    sub.send({ cmd: 'pubcomp', messageId: first.messageId! });
    expect(await sub.next('publish')).toMatchObject({ payload: Buffer.from('second') });
    pub.end();
    sub.end();
  });

  it('[MQTT-4.6.0-5] delivers a publisher\'s messages on a topic in the order it sent them', async () => {
    const sub = await connectClient(server.url, { protocolVersion: 5 });
    await sub.subscribeAsync('ordered', { qos: 1 });
    const pub = await connectClient(server.url, { protocolVersion: 5 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publishAsync('ordered', String(i), { qos: 1 })));
    const messages = await sub.inbox.waitFor(200);
    expect(messages.map((m) => Number(m.payload))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
