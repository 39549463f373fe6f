import { connect, type Socket } from 'node:net';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { mosquittoSub } from './support/mosquitto-sub.js';
import { collect, connectClient, type Inbox } from './support/mqtt-client.js';
import { useTestHub } from './support/test-hub.js';

const v5 = { protocolVersion: 5 } as const;

/** A client speaking raw MQTT 5 (mqtt-packet), for what MQTT.js does by itself (acknowledging, limits). */
class RawClient {
  readonly packets: Packet[] = [];
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });
  private readonly waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.parser.on('packet', (packet) => {
      this.packets.push(packet);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    socket.on('data', (chunk) => this.parser.parse(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number, connectPacket: Partial<mqttPacket.IConnectPacket>): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawClient(socket);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 0, clientId: '', ...connectPacket } as mqttPacket.IConnectPacket);
    const [connack] = await client.next('connack');
    expect(connack).toMatchObject({ cmd: 'connack', reasonCode: 0 });
    return client;
  }

  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  of<T extends Packet['cmd']>(cmd: T): Array<Extract<Packet, { cmd: T }>> {
    return this.packets.filter((packet) => packet.cmd === cmd) as Array<Extract<Packet, { cmd: T }>>;
  }

  /** Waits until `count` packets of this kind arrived in all. */
  next<T extends Packet['cmd']>(cmd: T, count = 1, timeoutMs = 5000): Promise<Array<Extract<Packet, { cmd: T }>>> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`got ${this.of(cmd).length} of ${count} ${cmd}: ${JSON.stringify(this.packets.map((p) => p.cmd))}`)), timeoutMs);
      const check = () => {
        if (this.of(cmd).length >= count) {
          clearTimeout(deadline);
          resolve(this.of(cmd));
        } else this.waiters.push(check);
      };
      check();
    });
  }
}

/** Connects with a collector attached and the CONNACK kept (Session Present). */
async function connectWithConnack(url: string, options: IClientOptions): Promise<{ client: MqttClient; inbox: Inbox; connack: IConnackPacket }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const inbox = collect(client);
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, inbox, connack };
}

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MQTT 5 behaviour of the hub, with real clients', () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_KEEP_ALIVE: '30' });
  const raw: RawClient[] = [];
  afterEach(() => raw.splice(0).forEach((client) => client.socket.destroy()));
  const rawClient = async (connectPacket: Partial<mqttPacket.IConnectPacket>) => {
    const client = await RawClient.connect(hub.mqtt!.port, connectPacket);
    raw.push(client);
    return client;
  };

  it('[MQTT-3.1.2-8] [MQTT-3.1.3-10] sends an MQTT 5 subscriber a will it can read: its properties and user properties in order, no Will Delay Interval', async () => {
    const watcher = await connectClient(hub.mqttUrl, v5);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('v5will/plug/status', { qos: 1 });
    const plug = await connectClient(hub.mqttUrl, {
      ...v5,
      clientId: 'v5will-plug',
      will: {
        topic: 'v5will/plug/status',
        payload: Buffer.from('offline'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 0, contentType: 'text/plain', userProperties: { a: ['1', '2'], b: '3' } },
      },
    });
    (plug.stream as Socket).destroy();
    const [will] = await inbox.waitFor(1);
    expect(will.payload).toBe('offline');
    expect(will.packet.properties).toEqual({ contentType: 'text/plain', userProperties: { a: ['1', '2'], b: '3' } });
    expect(watcher.connected).toBe(true);
    plug.end(true);
    await watcher.endAsync();
  });

  it('[MQTT-3.1.2-8] [MQTT-3.1.3-9] publishes a delayed will once its Will Delay Interval has passed, and never when the client is back before', async () => {
    const watcher = await connectClient(hub.mqttUrl, v5);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('v5delay/#', { qos: 1 });
    const options = (name: string) => ({
      ...v5,
      clientId: `v5delay-${name}`,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: { topic: `v5delay/${name}`, payload: Buffer.from('lost'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } },
    });
    const gone = await connectClient(hub.mqttUrl, options('gone'));
    const back = await connectClient(hub.mqttUrl, options('back'));
    const lostAt = Date.now();
    (gone.stream as Socket).destroy();
    (back.stream as Socket).destroy();
    const returned = await connectClient(hub.mqttUrl, options('back'));
    const [will] = await inbox.waitFor(1);
    expect(will.topic).toBe('v5delay/gone');
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(900);
    expect(will.packet.properties?.userProperties).toBeUndefined();
    await quiet(1500);
    expect(inbox.messages.map((m) => m.topic)).toEqual(['v5delay/gone']);
    gone.end(true);
    back.end(true);
    await Promise.all([returned.endAsync(), watcher.endAsync()]);
  });

  it('[MQTT-3.1.2-8] mosquitto_sub -V 5 receives the will of an MQTT 5 client that had a Will Delay Interval', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    const sub = mosquittoSub(hub, 'v5mosq', ['-V', 'mqttv5'], 1);
    await sub.ready;
    const sensor = await connectClient(hub.mqttUrl, {
      ...v5,
      clientId: 'v5mosq-sensor',
      properties: { sessionExpiryInterval: 10 },
      will: { topic: 'v5mosq/sensor', payload: Buffer.from('lost'), qos: 1, retain: false, properties: { willDelayInterval: 0, userProperties: { room: 'attic' } } },
    });
    (sensor.stream as Socket).destroy();
    expect(await sub.lines).toEqual(['v5mosq/sensor lost']);
    sensor.end(true);
  });

  it('[MQTT-3.1.2-23] [MQTT-3.2.2-3] ends a session without Session Expiry Interval with its connection: CleanStart 0 later gets Session Present 0 and nothing', async () => {
    const options = { ...v5, clientId: 'v5-no-expiry', clean: false };
    const first = await connectClient(hub.mqttUrl, options);
    await first.subscribeAsync('v5noexp/#', { qos: 1 });
    await first.endAsync();
    const pub = await connectClient(hub.mqttUrl, v5);
    await pub.publishAsync('v5noexp/reading', 'while away', { qos: 1 });
    const { client: again, inbox, connack } = await connectWithConnack(hub.mqttUrl, options);
    expect(connack.sessionPresent).toBe(false);
    await pub.publishAsync('v5noexp/reading', 'after', { qos: 1 });
    await quiet(200);
    expect(inbox.messages).toEqual([]);
    await Promise.all([pub.endAsync(), again.endAsync()]);
  });

  it('[MQTT-3.1.2-5] [MQTT-3.2.2-3] resumes a session with a Session Expiry Interval: Session Present 1 and every QoS 1 and 2 message queued while away', async () => {
    const options = { ...v5, clientId: 'v5-expiry', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connectClient(hub.mqttUrl, options);
    await first.subscribeAsync('v5exp/#', { qos: 2 });
    await first.endAsync();
    const pub = await connectClient(hub.mqttUrl, v5);
    await pub.publishAsync('v5exp/a', 'one', { qos: 1 });
    await pub.publishAsync('v5exp/b', 'two', { qos: 2 });
    const { client: again, inbox, connack } = await connectWithConnack(hub.mqttUrl, options);
    expect(connack.sessionPresent).toBe(true);
    const messages = await inbox.waitFor(2);
    expect(messages.map((m) => [m.topic, m.payload, m.packet.qos])).toEqual([
      ['v5exp/a', 'one', 1],
      ['v5exp/b', 'two', 2],
    ]);
    await Promise.all([pub.endAsync(), again.endAsync()]);
  });

  it('[MQTT-3.1.2-24] [MQTT-3.1.2-25] does not send a client a PUBLISH larger than its Maximum Packet Size, and keeps it connected', async () => {
    const small = await connectClient(hub.mqttUrl, { ...v5, properties: { maximumPacketSize: 200 } });
    const inbox = collect(small);
    await small.subscribeAsync('v5size/#', { qos: 1 });
    const pub = await connectClient(hub.mqttUrl, v5);
    await pub.publishAsync('v5size/big', Buffer.alloc(1000, 1), { qos: 1 });
    await pub.publishAsync('v5size/small', 'fits', { qos: 1 });
    const messages = await inbox.waitFor(1);
    await quiet(100);
    expect(messages.map((m) => m.topic)).toEqual(['v5size/small']);
    expect(small.connected).toBe(true);
    await Promise.all([pub.endAsync(), small.endAsync()]);
  });

  it('[MQTT-3.3.4-9] sends a client no more unacknowledged QoS 1 messages than its Receive Maximum', async () => {
    const client = await rawClient({ clientId: 'v5-recvmax', properties: { receiveMaximum: 2 } });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'v5recv/#', qos: 1 }] } as mqttPacket.ISubscribePacket);
    await client.next('suback');
    const pub = await connectClient(hub.mqttUrl, v5);
    for (let i = 0; i < 5; i++) await pub.publishAsync('v5recv/n', String(i), { qos: 1 });
    await quiet(200);
    expect(client.of('publish').map((p) => String(p.payload))).toEqual(['0', '1']);
    client.send({ cmd: 'puback', messageId: client.of('publish')[0].messageId } as mqttPacket.IPubackPacket);
    await client.next('publish', 3);
    await quiet(100);
    expect(client.of('publish').map((p) => String(p.payload))).toEqual(['0', '1', '2']);
    await pub.endAsync();
  });

  it('[MQTT-3.3.4-7] disconnects with 0x93 a client whose unacknowledged QoS 2 PUBLISHes exceed the hub\'s Receive Maximum (20)', async () => {
    const client = await rawClient({ clientId: 'v5-flood-qos2' });
    const connack = client.of('connack')[0];
    expect(connack.properties?.receiveMaximum).toBe(20);
    for (let id = 1; id <= 21; id++) client.send({ cmd: 'publish', topic: 'v5qos2/flood', payload: Buffer.from(String(id)), qos: 2, messageId: id, retain: false, dup: false } as mqttPacket.IPublishPacket);
    const [disconnect] = await client.next('disconnect');
    expect(disconnect.reasonCode).toBe(0x93);
    expect(client.of('pubrec')).toHaveLength(20);
    await client.closed;
  });

  it('[MQTT-3.3.4-3] [MQTT-3.3.4-4] sends one copy of a message matching overlapping subscriptions, carrying every matching Subscription Identifier', async () => {
    const sub = await connectClient(hub.mqttUrl, v5);
    const inbox = collect(sub);
    await sub.subscribeAsync('v5ids/#', { qos: 1, properties: { subscriptionIdentifier: 1 } });
    await sub.subscribeAsync('v5ids/+/temp', { qos: 0, properties: { subscriptionIdentifier: 2 } });
    const pub = await connectClient(hub.mqttUrl, v5);
    await pub.publishAsync('v5ids/kitchen/temp', '21', { qos: 1 });
    await pub.publishAsync('v5ids/marker', 'm', { qos: 1 });
    const messages = await inbox.waitFor(2);
    expect(messages.map((m) => m.topic)).toEqual(['v5ids/kitchen/temp', 'v5ids/marker']);
    expect([messages[0].packet.properties?.subscriptionIdentifier].flat().sort()).toEqual([1, 2]);
    expect(messages[0].packet.qos).toBe(1);
    expect(messages[1].packet.properties?.subscriptionIdentifier).toBe(1);
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  });

  it('[MQTT-4.8.2-3] shares $share/{group}/{filter} subscriptions: each message goes to one member, at the QoS granted to it', async () => {
    const members = await Promise.all([0, 1].map(() => connectClient(hub.mqttUrl, v5)));
    const inboxes = members.map(collect);
    await members[0].subscribeAsync('$share/loggers/v5share/#', { qos: 1 });
    await members[1].subscribeAsync('$share/loggers/v5share/#', { qos: 0 });
    const pub = await connectClient(hub.mqttUrl, v5);
    for (let i = 0; i < 10; i++) await pub.publishAsync('v5share/reading', String(i), { qos: 1 });
    await expect.poll(() => inboxes[0].messages.length + inboxes[1].messages.length).toBe(10);
    await quiet(100);
    const payloads = inboxes.flatMap((inbox) => inbox.messages.map((m) => Number(m.payload))).sort((a, b) => a - b);
    expect(payloads).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(inboxes.every((inbox) => inbox.messages.length > 0)).toBe(true);
    expect(inboxes[0].messages.every((m) => m.packet.qos === 1)).toBe(true);
    expect(inboxes[1].messages.every((m) => m.packet.qos === 0)).toBe(true);
    await Promise.all([pub.endAsync(), ...members.map((member) => member.endAsync())]);
  });

  it('[MQTT-3.1.2-26] [MQTT-3.3.2-11] sends topic aliases up to the client\'s Topic Alias Maximum, the topic name left out once bound', async () => {
    const client = await rawClient({ clientId: 'v5-alias', properties: { topicAliasMaximum: 4 } });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'v5alias/#', qos: 0 }] } as mqttPacket.ISubscribePacket);
    await client.next('suback');
    const pub = await connectClient(hub.mqttUrl, v5);
    for (let i = 0; i < 3; i++) await pub.publishAsync('v5alias/living-room/temperature', String(i));
    const publishes = await client.next('publish', 3);
    const alias = publishes[0].properties?.topicAlias;
    expect(alias).toBeGreaterThanOrEqual(1);
    expect(alias).toBeLessThanOrEqual(4);
    expect(publishes[0].topic).toBe('v5alias/living-room/temperature');
    expect(publishes.slice(1).map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['', alias],
      ['', alias],
    ]);
    await pub.endAsync();
  });

  it('[MQTT-3.1.2-27] sends no topic alias to a client that announced no Topic Alias Maximum', async () => {
    const sub = await connectClient(hub.mqttUrl, v5);
    const inbox = collect(sub);
    await sub.subscribeAsync('v5noalias/#');
    const pub = await connectClient(hub.mqttUrl, v5);
    for (let i = 0; i < 2; i++) await pub.publishAsync('v5noalias/t', String(i));
    const messages = await inbox.waitFor(2);
    expect(messages.map((m) => m.packet.properties?.topicAlias)).toEqual([undefined, undefined]);
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  });

  it('[MQTT-3.2.2-21] [MQTT-3.2.2-22] answers a keep-alive over HEARTH_MQTT_MAX_KEEP_ALIVE with Server Keep Alive, and the client uses it', async () => {
    const client = await rawClient({ clientId: 'v5-keepalive', keepalive: 120 });
    expect(client.of('connack')[0].properties?.serverKeepAlive).toBe(30);
    const fine = await rawClient({ clientId: 'v5-keepalive-fine', keepalive: 20 });
    expect(fine.of('connack')[0].properties?.serverKeepAlive).toBeUndefined();
  });
});
