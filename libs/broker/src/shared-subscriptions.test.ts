import { Buffer } from 'node:buffer';
import type { IPublishPacket, ISubscription } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { useBroker } from './testing/broker-server.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

async function member(port: number, clientId: string, subscriptions: ISubscription[], fields = {}): Promise<RawClient> {
  const { client } = await RawClient.connect(port, { clientId, ...fields });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions });
  await client.next('suback');
  return client;
}

async function settled(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().filter((packet): packet is IPublishPacket => packet.cmd === 'publish');
}

/** Publishes `count` QoS 1 messages to `topic` and waits for every PUBACK. */
async function publishMany(port: number, topic: string, count: number, retain = false): Promise<void> {
  const { client } = await RawClient.connect(port, { clientId: `publisher-${topic}` });
  for (let i = 1; i <= count; i++) client.send({ cmd: 'publish', topic, payload: Buffer.from(String(i)), qos: 1, messageId: i, retain, dup: false });
  for (let i = 1; i <= count; i++) await client.next('puback');
  client.end();
}

describe('shared subscriptions', () => {
  const server = useBroker();

  it('gives each message to one member of the group, taking turns', async () => {
    const members = await Promise.all(['m1', 'm2', 'm3'].map((id) => member(server.port, id, [{ topic: '$share/workers/jobs/+', qos: 1 }])));
    await publishMany(server.port, 'jobs/build', 9);
    const got = await Promise.all(members.map((client) => settled(client)));
    expect(got.map((messages) => messages.length)).toEqual([3, 3, 3]);
    expect(got.flat().map((p) => Number(p.payload)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    members.forEach((client) => client.end());
  });

  it('gives a copy to each group and to each plain subscription of the same filter', async () => {
    const a = await member(server.port, 'ga', [{ topic: '$share/alpha/copies', qos: 0 }]);
    const b = await member(server.port, 'gb', [{ topic: '$share/beta/copies', qos: 0 }]);
    const plain = await member(server.port, 'gp', [{ topic: 'copies', qos: 0 }]);
    await publishMany(server.port, 'copies', 2);
    expect((await Promise.all([a, b, plain].map((client) => settled(client)))).map((messages) => messages.length)).toEqual([2, 2, 2]);
    [a, b, plain].forEach((client) => client.end());
  });

  it('[MQTT-3.8.3-4] disconnects with 0x82 a client that sets No Local on a shared subscription', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'no-local-share' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/x', qos: 0, nl: true }] });
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
    await client.closed;
  });

  it('[MQTT-4.8.2-1] [MQTT-4.8.2-2] refuses a shared subscription with a missing or invalid ShareName with 0x8F', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'bad-shares' });
    const topics = ['$share//x', '$share/g', '$share/g/', '$share/g+/x', '$share/ok/x'];
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: topics.map((topic) => ({ topic, qos: 0 as const })) });
    const invalid = ReasonCode.TOPIC_FILTER_INVALID;
    expect(await client.next('suback')).toMatchObject({ granted: [invalid, invalid, invalid, invalid, 0] });
    client.end();
  });

  it('sends no retained messages to a new shared subscription (section 3.3.1.3)', async () => {
    await publishMany(server.port, 'kept/shared', 1, true);
    const shared = await member(server.port, 'share-retained', [{ topic: '$share/g/kept/#', qos: 1 }]);
    const plain = await member(server.port, 'plain-retained', [{ topic: 'kept/#', qos: 1 }]);
    expect((await settled(shared)).length).toBe(0);
    expect((await settled(plain)).map((p) => p.retain)).toEqual([true]);
    shared.end();
    plain.end();
  });

  it('[MQTT-4.8.2-3] delivers at the QoS granted to the member that gets the message', async () => {
    const low = await member(server.port, 'low', [{ topic: '$share/qos/levels', qos: 0 }]);
    const high = await member(server.port, 'high', [{ topic: '$share/qos/levels', qos: 2 }]);
    await publishMany(server.port, 'levels', 2);
    const [lowGot, highGot] = await Promise.all([settled(low), settled(high)]);
    expect([...lowGot.map((p) => p.qos), ...highGot.map((p) => p.qos)]).toEqual([0, 1]);
    low.end();
    high.end();
  });

  it('[MQTT-4.8.2-4] keeps a QoS 1 message for a member whose session outlives its connection, and delivers it when it is back', async () => {
    const session = { clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await member(server.port, 'away', [{ topic: '$share/late/work', qos: 1 }], session);
    first.end();
    await first.closed;
    await publishMany(server.port, 'work', 2);
    const { client } = await RawClient.connect(server.port, { clientId: 'away', ...session });
    expect((await settled(client)).map((p) => p.payload.toString())).toEqual(['1', '2']);
    client.end();
  });

  it('lets MQTT 3.1.1 clients share a subscription, and leave it by UNSUBSCRIBE', async () => {
    const first = await connectClient(server.url, { protocolVersion: 4 });
    const second = await connectClient(server.url, { protocolVersion: 4 });
    await first.subscribeAsync('$share/v4/legacy', { qos: 1 });
    await second.subscribeAsync('$share/v4/legacy', { qos: 1 });
    await publishMany(server.port, 'legacy', 4);
    await first.inbox.waitFor(2);
    await second.inbox.waitFor(2);
    await first.unsubscribeAsync('$share/v4/legacy');
    await publishMany(server.port, 'legacy', 2);
    await second.inbox.waitFor(4);
    expect([first.inbox.messages.length, second.inbox.messages.length]).toEqual([2, 4]);
    await Promise.all([first.endAsync(), second.endAsync()]);
  });
});
