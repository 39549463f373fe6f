import { Buffer } from 'node:buffer';
import type { IAuthPacket, IConnackPacket, IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from './constants.js';
import type { ApplicationMessage, AuthenticateRequest, AuthenticateResult, BrokerHooks } from './ports.js';
import { startBroker, useBroker } from './testing/broker-server.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

const publish = (topic: string, payload: string, qos: 0 | 1 = 1, messageId = 1): IPublishPacket => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, messageId: qos ? messageId : undefined, retain: false, dup: false });

async function settled(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  await client.next('pingresp');
  return client.drain().filter((packet): packet is IPublishPacket => packet.cmd === 'publish');
}

describe('authenticate hook', () => {
  const requests: AuthenticateRequest[] = [];
  const server = useBroker({
    hooks: {
      authenticate: async (request) => {
        requests.push(request);
        if (request.username !== 'alice') return { outcome: 'refuse', reasonCode: ReasonCode.BAD_USERNAME_OR_PASSWORD };
        if (request.password?.toString() !== 'secret') return { outcome: 'refuse', reasonCode: ReasonCode.NOT_AUTHORIZED, reason: 'wrong password' };
        return { outcome: 'accept', principal: { account: 'alice' } };
      },
    },
  });

  it('gets client id, user name, password, protocol version and connection, and accepts', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'a1', username: 'alice', password: Buffer.from('secret') });
    expect(connack.reasonCode).toBe(0);
    expect(requests.at(-1)).toMatchObject({ clientId: 'a1', username: 'alice', password: Buffer.from('secret'), protocolVersion: 5, step: 'connect', connection: { remoteAddress: '127.0.0.1' } });
    client.end();
  });

  it('[MQTT-3.2.2-6] [MQTT-3.2.2-7] refuses with the hook\'s reason code, Session Present 0, and closes', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'a2', username: 'alice', password: Buffer.from('nope') });
    expect(connack).toMatchObject({ sessionPresent: false, reasonCode: ReasonCode.NOT_AUTHORIZED, properties: { reasonString: 'wrong password' } });
    await client.closed;
  });

  it('gives MQTT 3.1.1 clients the return code of their version (4 bad user name or password, 5 not authorized)', async () => {
    const bad = await RawClient.connect(server.port, { protocolVersion: 4, clientId: 'a3', username: 'mallory', password: Buffer.from('x') });
    const wrong = await RawClient.connect(server.port, { protocolVersion: 4, clientId: 'a4', username: 'alice', password: Buffer.from('x') });
    expect([bad.connack.returnCode, wrong.connack.returnCode]).toEqual([4, 5]);
    expect(server.broker.stats.connectionsRefused).toBeGreaterThanOrEqual(2);
  });

  it('[MQTT-3.1.4-6] handles nothing a refused client sent after its CONNECT', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'a5', username: 'mallory', clean: true, keepalive: 0 });
    client.send(publish('after/refusal', 'sneaky', 0));
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] });
    await client.closed;
    expect(client.received.map((packet) => packet.cmd)).toEqual(['connack']);
  });

  it('reads packets pipelined behind a CONNECT only after the asynchronous hook accepted it, in order', async () => {
    const watcher = await connectClient(server.url, { username: 'alice', password: 'secret' });
    await watcher.subscribeAsync('pipelined');
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'a6', username: 'alice', password: Buffer.from('secret'), clean: true, keepalive: 0 });
    for (let i = 1; i <= 3; i++) client.send(publish('pipelined', String(i), 1, i));
    expect((await client.next()).cmd).toBe('connack');
    expect((await watcher.inbox.waitFor(3)).map((m) => m.payload)).toEqual(['1', '2', '3']);
    client.end();
    await watcher.endAsync();
  });
});

describe('notification hooks', () => {
  const events: string[] = [];
  const logged: string[] = [];
  const log = (message: string) => logged.push(message);
  const server = useBroker({
    logger: { debug() {}, info: (_fields, message) => log(message), warn: (_fields, message) => log(message), error: (_fields, message) => log(message), isLevelEnabled: () => false },
    maxQueued: 1,
    hooks: {
      authenticate: (request) => (request.username === 'mallory' ? { outcome: 'refuse', reasonCode: ReasonCode.NOT_AUTHORIZED, reason: 'not you' } : { outcome: 'accept' }),
      connected: (client) => events.push(`connected ${client.clientId}`),
      disconnected: (client) => events.push(`disconnected ${client.clientId}`),
      refused: (connection, clientId, reasonCode, reason) => events.push(`refused ${clientId} ${reasonCode} ${reason} ${connection.remoteAddress}`),
      dropped: (clientId, message) => events.push(`dropped ${clientId} ${message.topic}`),
    },
  });

  it('tell of clients connected and gone, and of refusals, which the broker then leaves to the hook to log', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'n1' });
    const refused = await RawClient.connect(server.port, { clientId: 'n2', username: 'mallory' });
    await refused.client.closed;
    client.end();
    await expect.poll(() => events).toContain('disconnected n1');
    expect(events).toEqual(['connected n1', `refused n2 ${ReasonCode.NOT_AUTHORIZED} not you 127.0.0.1`, 'disconnected n1']);
    expect(logged).not.toContain('refused a connection');
  });

  it('tell of each QoS 1 message a full session queue drops', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'n3', clean: false, properties: { sessionExpiryInterval: 60 } });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'full/#', qos: 1 }] });
    await client.next('suback');
    client.end();
    await expect.poll(() => events).toContain('disconnected n3');
    for (const n of [1, 2]) await server.broker.publish({ topic: `full/${n}`, payload: 'x', qos: 1 });
    expect(events.filter((event) => event.startsWith('dropped'))).toEqual(['dropped n3 full/2']);
  });
});

describe('authorization hooks', () => {
  const published: string[] = [];
  const hooks: BrokerHooks = {
    authorizePublish: (client, message) => (message.topic.startsWith('slow/') ? new Promise((resolve) => setTimeout(() => resolve(true), 20)) : !message.topic.startsWith('forbidden/')),
    authorizeSubscribe: (_client, filter, qos) => (filter.startsWith('secret/') ? false : filter.startsWith('capped/') ? (Math.min(qos, 1) as 0 | 1) : true),
    authorizeDeliver: (client, message) => !(client.clientId === 'picky' && message.topic.endsWith('/private')),
    published: (message, client) => published.push(`${client?.clientId ?? 'in-process'}:${message.topic}`),
  };
  const server = useBroker({ hooks });

  it('answers a refused MQTT 5 publish with PUBACK 0x87 and delivers it to nobody', async () => {
    const watcher = await connectClient(server.url, { protocolVersion: 5 });
    await watcher.subscribeAsync('#');
    const { client } = await RawClient.connect(server.port, { clientId: 'h1' });
    client.send(publish('forbidden/x', 'no', 1, 1));
    expect(await client.next('puback')).toMatchObject({ messageId: 1, reasonCode: ReasonCode.NOT_AUTHORIZED });
    client.send(publish('allowed/x', 'yes', 1, 2));
    expect(await client.next('puback')).toMatchObject({ messageId: 2, reasonCode: 0 });
    expect((await watcher.inbox.waitFor(1)).map((m) => m.topic)).toEqual(['allowed/x']);
    client.end();
    await watcher.endAsync();
  });

  it('closes an MQTT 3.1.1 client whose publish is refused: 3.1.1 cannot say no', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'h2', protocolVersion: 4 });
    client.send(publish('forbidden/y', 'no'));
    await client.closed;
    expect(client.received.map((packet) => packet.cmd)).toEqual(['connack']);
  });

  it('[MQTT-4.6.0-5] keeps a publisher\'s messages in order when one waits for an asynchronous authorization', async () => {
    const watcher = await connectClient(server.url, { protocolVersion: 5 });
    await watcher.subscribeAsync('order/#');
    await watcher.subscribeAsync('slow/#');
    const { client } = await RawClient.connect(server.port, { clientId: 'h3' });
    client.send(publish('slow/1', 'first', 0));
    client.send(publish('order/2', 'second', 0));
    client.send(publish('order/3', 'third', 1, 3));
    await client.next('puback');
    expect((await watcher.inbox.waitFor(3)).map((m) => m.payload)).toEqual(['first', 'second', 'third']);
    client.end();
    await watcher.endAsync();
  });

  it('refuses a subscription with 0x87, or grants the QoS the hook allows', async () => {
    const { client } = await RawClient.connect(server.port, { clientId: 'h4' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'secret/#', qos: 1 }, { topic: 'capped/#', qos: 2 }, { topic: 'open/#', qos: 2 }] });
    expect(await client.next('suback')).toMatchObject({ granted: [ReasonCode.NOT_AUTHORIZED, 1, 2] });
    client.end();
  });

  it('drops a message for one subscriber when authorizeDeliver says no, and only for that one', async () => {
    const picky = await RawClient.connect(server.port, { clientId: 'picky' });
    const other = await RawClient.connect(server.port, { clientId: 'other' });
    for (const { client } of [picky, other]) {
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'deliver/#', qos: 1 }] });
      await client.next('suback');
    }
    const { client: pub } = await RawClient.connect(server.port, { clientId: 'h5-pub' });
    pub.send(publish('deliver/private', 'p', 1, 1));
    pub.send(publish('deliver/public', 'q', 1, 2));
    await pub.next('puback');
    await pub.next('puback');
    expect((await settled(picky.client)).map((p) => p.topic)).toEqual(['deliver/public']);
    expect((await settled(other.client)).map((p) => p.topic)).toEqual(['deliver/private', 'deliver/public']);
    [picky.client, other.client, pub].forEach((client) => client.end());
  });

  it('tells the published hook of every routed message and who published it', async () => {
    published.length = 0;
    const { client } = await RawClient.connect(server.port, { clientId: 'h6' });
    client.send(publish('told/a', 'x', 1, 1));
    await client.next('puback');
    await server.broker.publish({ topic: 'told/b', payload: 'y' });
    expect(published).toEqual(['h6:told/a', 'in-process:told/b']);
    client.end();
  });

  it('refuses a CONNECT whose will the client may not publish, with 0x87', async () => {
    const { connack } = await RawClient.connect(server.port, { clientId: 'h7', will: { topic: 'forbidden/will', payload: Buffer.from('x'), qos: 0, retain: false } });
    expect(connack.reasonCode).toBe(ReasonCode.NOT_AUTHORIZED);
  });
});

describe('enhanced authentication (section 4.12)', () => {
  /** A challenge-response: the server asks for the reverse of a challenge. */
  const authenticate = (request: AuthenticateRequest): AuthenticateResult => {
    if (request.method === undefined) return { outcome: 'accept' };
    if (request.method !== 'REVERSE') return { outcome: 'refuse', reasonCode: ReasonCode.BAD_AUTHENTICATION_METHOD };
    const data = request.data?.toString();
    if (request.step === 'connect' || request.step === 'reauthenticate') return { outcome: 'continue', data: Buffer.from('abc') };
    return data === 'cba' ? { outcome: 'accept', principal: 'reverser', data: Buffer.from('welcome') } : { outcome: 'refuse', reasonCode: ReasonCode.NOT_AUTHORIZED };
  };
  const server = useBroker({ hooks: { authenticate } });

  it('[MQTT-4.12.0-2] [MQTT-4.12.0-3] [MQTT-4.12.0-5] exchanges AUTH 0x18 before a CONNACK that names the method', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'e1', clean: true, keepalive: 0, properties: { authenticationMethod: 'REVERSE' } });
    const challenge = (await client.next()) as IAuthPacket;
    expect(challenge).toMatchObject({ cmd: 'auth', reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('abc') } });
    client.send({ cmd: 'auth', reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('cba') } });
    expect(await client.next()).toMatchObject({ cmd: 'connack', reasonCode: 0, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('welcome') } });
    client.end();
  });

  it('[MQTT-4.12.0-4] refuses a wrong answer with a CONNACK of 0x80 or above and closes', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'e2', clean: true, keepalive: 0, properties: { authenticationMethod: 'REVERSE' } });
    await client.next('auth');
    client.send({ cmd: 'auth', reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('abc') } });
    expect(await client.next('connack')).toMatchObject({ reasonCode: ReasonCode.NOT_AUTHORIZED });
    await client.closed;
  });

  it('[MQTT-3.1.2-30] refuses any packet but AUTH or DISCONNECT before the CONNACK', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'e3', clean: true, keepalive: 0, properties: { authenticationMethod: 'REVERSE' } });
    await client.next('auth');
    client.send(publish('early', 'x', 0));
    expect(await client.next('connack')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
    await client.closed;
  });

  it('[MQTT-4.12.1-1] re-authenticates on AUTH 0x19 after the CONNACK, ending with AUTH 0x00', async () => {
    const client = await RawClient.open(server.port);
    client.send({ cmd: 'connect', protocolVersion: 5, clientId: 'e4', clean: true, keepalive: 0, properties: { authenticationMethod: 'REVERSE' } });
    await client.next('auth');
    client.send({ cmd: 'auth', reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('cba') } });
    await client.next('connack');
    client.send({ cmd: 'auth', reasonCode: ReasonCode.REAUTHENTICATE, properties: { authenticationMethod: 'REVERSE' } });
    expect(await client.next('auth')).toMatchObject({ reasonCode: ReasonCode.CONTINUE_AUTHENTICATION });
    client.send({ cmd: 'auth', reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties: { authenticationMethod: 'REVERSE', authenticationData: Buffer.from('cba') } });
    expect(await client.next('auth')).toMatchObject({ reasonCode: ReasonCode.SUCCESS, properties: { authenticationMethod: 'REVERSE' } });
    client.end();
  });

  it('[MQTT-4.12.0-1] refuses an authentication method it does not know with 0x8C', async () => {
    const { connack } = await RawClient.connect(server.port, { clientId: 'e5', properties: { authenticationMethod: 'KERBEROS' } });
    expect(connack.reasonCode).toBe(ReasonCode.BAD_AUTHENTICATION_METHOD);
  });

  it('[MQTT-4.12.0-6] [MQTT-4.12.0-7] sends no AUTH to a client without a method, and takes its AUTH as a Protocol Error', async () => {
    const { client, connack } = await RawClient.connect(server.port, { clientId: 'e6' });
    expect(connack.reasonCode).toBe(0);
    expect((connack as IConnackPacket).properties?.authenticationMethod).toBeUndefined();
    client.send({ cmd: 'auth', reasonCode: ReasonCode.REAUTHENTICATE, properties: { authenticationMethod: 'REVERSE' } });
    expect(await client.next('disconnect')).toMatchObject({ reasonCode: ReasonCode.PROTOCOL_ERROR });
  });

  it('refuses every authentication method when the broker has no authenticate hook', async () => {
    const plain = await startBroker();
    const { connack } = await RawClient.connect(plain.port, { clientId: 'e7', properties: { authenticationMethod: 'REVERSE' } });
    expect(connack.reasonCode).toBe(ReasonCode.BAD_AUTHENTICATION_METHOD);
    await plain.close();
  });
});

describe('hooks that throw', () => {
  it('refuses what a throwing hook was asked about, and the broker carries on', async () => {
    const server = await startBroker({
      hooks: {
        authorizePublish: () => {
          throw new Error('hook bug');
        },
        published: () => {
          throw new Error('hook bug');
        },
      },
    });
    const { client } = await RawClient.connect(server.port, { clientId: 'thrower' });
    client.send(publish('any', 'x', 1, 1));
    expect(await client.next('puback')).toMatchObject({ reasonCode: ReasonCode.NOT_AUTHORIZED });
    const seen: ApplicationMessage[] = [];
    server.broker.subscribe('inproc', (message) => seen.push(message));
    await server.broker.publish({ topic: 'inproc', payload: 'still routed' });
    expect(seen.map((m) => m.payload.toString())).toEqual(['still routed']);
    client.end();
    await server.close();
  });
});
