import { Buffer } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import { useBroker } from './testing/broker-server.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

const publish = (topic: string, payload: string, topicAlias?: number, qos: 0 | 1 = 1, messageId = 1): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  messageId: qos > 0 ? messageId : undefined,
  retain: false,
  dup: false,
  properties: topicAlias === undefined ? undefined : { topicAlias },
});

async function settled(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().filter((packet): packet is IPublishPacket => packet.cmd === 'publish');
}

describe('topic aliases from the client', () => {
  const server = useBroker({ topicAliasMaximum: 10 });

  it('[MQTT-3.3.2-12] accepts every alias from 1 to its Topic Alias Maximum and resolves it for later PUBLISHes', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'ta-sub' });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ta/#', qos: 0 }] });
    await sub.next('suback');
    const { client: pub, connack } = await RawClient.connect(server.port, { clientId: 'ta-pub' });
    expect(connack.properties?.topicAliasMaximum).toBe(10);
    pub.send(publish('ta/kitchen', '1', 1, 1, 1));
    pub.send(publish('ta/hall', '2', 10, 1, 2));
    pub.send(publish('', '3', 1, 1, 3));
    pub.send(publish('', '4', 10, 1, 4));
    // rebinding alias 1 to another topic
    pub.send(publish('ta/garden', '5', 1, 1, 5));
    pub.send(publish('', '6', 1, 1, 6));
    for (let i = 0; i < 6; i++) await pub.next('puback');
    expect((await settled(sub)).map((p) => `${p.topic}=${p.payload}`)).toEqual(['ta/kitchen=1', 'ta/hall=2', 'ta/kitchen=3', 'ta/hall=4', 'ta/garden=5', 'ta/garden=6']);
    pub.end();
    sub.end();
  });

  it('[MQTT-3.3.2-8] disconnects with 0x94 (Topic Alias invalid) a PUBLISH with Topic Alias 0', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'ta-zero' });
    client.send(publish('ta/x', 'x', 0, 0));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.TOPIC_ALIAS_INVALID });
  });

  it('[MQTT-3.3.2-9] disconnects with 0x94 a PUBLISH whose Topic Alias is above the Topic Alias Maximum', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'ta-high' });
    client.send(publish('ta/x', 'x', 11, 0));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.TOPIC_ALIAS_INVALID });
  });

  it('disconnects with 0x82 an empty topic whose alias was never bound', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'ta-unbound' });
    client.send(publish('', 'x', 4, 0));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
  });

  it('[MQTT-3.3.2-7] does not carry alias bindings from one connection to the next', async () => {
    const options = { clientId: 'ta-again', clean: false, properties: { sessionExpiryInterval: 60 } };
    const first = await RawClient.connect(server.port, options);
    first.client.send(publish('ta/bound', 'x', 2, 0));
    first.client.end();
    await first.client.closed;
    const second = await RawClient.connect(server.port, options);
    second.client.send(publish('', 'y', 2, 0));
    expect(await second.client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
  });
});

describe('topic aliases to the client', () => {
  const server = useBroker({ topicAliasMaximum: 0 });

  it('takes no alias from a client when its own Topic Alias Maximum is 0, and announces none', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'none' });
    expect(connack.properties?.topicAliasMaximum).toBeUndefined();
    client.send(publish('t', 'x', 1, 0));
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.TOPIC_ALIAS_INVALID });
  });

  it('[MQTT-3.1.2-27] sends no Topic Alias to a client that announced no Topic Alias Maximum', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'plain-sub' });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'plain/#', qos: 0 }] });
    await sub.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'plain-pub' });
    for (let i = 0; i < 3; i++) pub.send(publish('plain/t', String(i), undefined, 1, i + 1));
    for (let i = 0; i < 3; i++) await pub.next('puback');
    expect((await settled(sub)).map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['plain/t', undefined],
      ['plain/t', undefined],
      ['plain/t', undefined],
    ]);
    pub.end();
    sub.end();
  });

  it('[MQTT-3.1.2-26] [MQTT-3.3.2-11] binds topics to aliases up to the client\'s Topic Alias Maximum, then sends the topic in full', async () => {
    const { client: sub } = await RawClient.connect(server.port, { clientId: 'alias-sub', properties: { topicAliasMaximum: 2 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'aliased/#', qos: 0 }] });
    await sub.next('suback');
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'alias-pub' });
    const topics = ['a', 'a', 'b', 'c', 'b', 'c', 'a'];
    topics.forEach((topic, i) => pub.send(publish(`aliased/${topic}`, topic, undefined, 1, i + 1)));
    for (const _ of topics) await pub.next('puback');
    expect((await settled(sub)).map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()])).toEqual([
      ['aliased/a', 1, 'a'],
      ['', 1, 'a'],
      ['aliased/b', 2, 'b'],
      ['aliased/c', undefined, 'c'],
      ['', 2, 'b'],
      ['aliased/c', undefined, 'c'],
      ['', 1, 'a'],
    ]);
    pub.end();
    sub.end();
  });

  it('lets MQTT.js resolve the aliases it receives', async () => {
    const sub = await connectClient(server.url, { protocolVersion: 5, properties: { topicAliasMaximum: 5 } });
    await sub.subscribeAsync('mqttjs/#');
    const pub = await connectClient(server.url, { protocolVersion: 5 });
    for (let i = 0; i < 4; i++) await pub.publishAsync(`mqttjs/${i % 2}`, String(i), { qos: 1 });
    expect((await sub.inbox.waitFor(4)).map((m) => `${m.topic}=${m.payload}`)).toEqual(['mqttjs/0=0', 'mqttjs/1=1', 'mqttjs/0=2', 'mqttjs/1=3']);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
