import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../constants.js';
import { encode } from '../encode.js';
import { settle } from '@hearth/fake-clock';
import { FakeLink, fixture, TEST_RETRY_MS } from './test-support.js';

describe('SnGateway discovery', () => {
  it('answers SEARCHGW with a GWINFO broadcast, or a unicast on links that cannot broadcast', async () => {
    const f = await fixture();
    await f.from('a', { type: 'searchgw', radius: 1 });
    expect(f.link.broadcasts).toEqual([{ type: 'gwinfo', gwId: 7 }]);
    expect(f.to('a')).toEqual([]);

    const udp = new FakeLink('udp', false);
    f.gateway.addLink(udp);
    f.gateway.receive(udp, '10.0.0.1:5000', encode({ type: 'searchgw', radius: 0 }));
    expect(udp.take('10.0.0.1:5000')).toEqual([{ type: 'gwinfo', gwId: 7 }]);
  });

  it('answers SEARCHGW on a discovery-only link (a multicast group) with a GWINFO to the group, and ignores every other message there', async () => {
    const f = await fixture({ advertiseInterval: 60, predefined: [{ clientId: '*', topicId: 5, topicName: 'house/smoke' }] });
    const group = Object.assign(new FakeLink('group'), { discoveryOnly: true });
    f.gateway.addLink(group);
    const from = (message: Parameters<typeof encode>[0]) => f.gateway.receive(group, '10.0.0.1:5000', encode(message));
    from({ type: 'searchgw', radius: 1 });
    expect(group.broadcasts).toEqual([{ type: 'gwinfo', gwId: 7 }]);

    // Anyone may send to a group: no session, no publish comes from it.
    from({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId: 'intruder' });
    from({ type: 'publish', dup: false, qos: -1, retain: false, topic: { topicIdType: 'predefined', topicId: 5 }, msgId: 0, payload: Buffer.from('fire') });
    from({ type: 'pingreq', clientId: 'intruder' });
    await settle();
    expect(group.sent).toEqual([]);
    expect(f.broker.sessions.size).toBe(0);
    expect(f.broker.published).toEqual([]);

    await f.clock.advance(60_000);
    expect(group.broadcasts).toEqual([{ type: 'gwinfo', gwId: 7 }, { type: 'advertise', gwId: 7, duration: 60 }]);
  });

  it('broadcasts ADVERTISE at start and then every interval', async () => {
    const f = await fixture({ advertiseInterval: 60 });
    expect(f.link.broadcasts).toEqual([{ type: 'advertise', gwId: 7, duration: 60 }]);
    await f.clock.advance(60_000);
    expect(f.link.broadcasts).toHaveLength(2);
    await f.gateway.stop();
    await f.clock.advance(120_000);
    expect(f.link.broadcasts).toHaveLength(2);
  });
});

describe('SnGateway connection', () => {
  it('connects a client as its own broker session', async () => {
    const f = await fixture();
    await f.connect('a', 'garden-1', { cleanSession: false });
    expect(f.broker.sessions.get('garden-1')?.options).toEqual({ clientId: 'garden-1', origin: { link: 'radio', address: 'a' }, cleanSession: false, will: null });
    expect(f.gateway.sessionCounts()).toEqual({ active: 1, asleep: 0 });
    expect(f.store.session('garden-1')).toMatchObject({ link: 'radio', address: 'a', state: 'active', keepAlive: 60 });
  });

  it('runs the will flow before CONNACK and gives the session that will', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: true, duration: 30, clientId: 'garden-1' });
    expect(f.to('a')).toEqual([{ type: 'willtopicreq' }]);
    await f.from('a', { type: 'willtopic', will: { topic: 'garden/1/status', qos: 1, retain: true } });
    expect(f.to('a')).toEqual([{ type: 'willmsgreq' }]);
    await f.from('a', { type: 'willmsg', willMsg: Buffer.from('lost') });
    expect(f.to('a')).toEqual([{ type: 'connack', returnCode: ReturnCode.ACCEPTED }]);
    expect(f.broker.sessions.get('garden-1')?.options.will).toEqual({ topic: 'garden/1/status', qos: 1, retain: true, payload: Buffer.from('lost') });
  });

  it('keeps the will of a persistent session when the client connects again without the Will flag (spec 6.3)', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: false, duration: 30, clientId: 'garden-1' });
    await f.from('a', { type: 'willtopic', will: { topic: 'garden/1/status', qos: 1, retain: true } });
    await f.from('a', { type: 'willmsg', willMsg: Buffer.from('lost') });
    f.to('a');
    // A sleeping sensor comes back to active with a plain CONNECT: its will must survive.
    await f.from('a', { type: 'connect', will: false, cleanSession: false, duration: 30, clientId: 'garden-1' });
    expect(f.to('a')).toEqual([{ type: 'connack', returnCode: ReturnCode.ACCEPTED }]);
    expect(f.broker.sessions.get('garden-1')?.options.will).toMatchObject({ topic: 'garden/1/status', qos: 1, retain: true });
    // CleanSession drops it.
    await f.from('a', { type: 'connect', will: false, cleanSession: true, duration: 30, clientId: 'garden-1' });
    expect(f.broker.sessions.get('garden-1')?.options.will).toBeNull();
  });

  it('connects without a will when WILLTOPIC is empty', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: true, duration: 30, clientId: 'c' });
    await f.from('a', { type: 'willtopic', will: null });
    expect(f.to('a')).toEqual([{ type: 'willtopicreq' }, { type: 'connack', returnCode: ReturnCode.ACCEPTED }]);
    expect(f.broker.sessions.get('c')?.options.will).toBeNull();
  });

  it('answers the congestion code beyond maxClients, and not-supported when the broker refuses', async () => {
    const f = await fixture({ maxClients: 1 });
    await f.connect('a', 'one');
    await f.from('b', { type: 'connect', will: false, cleanSession: true, duration: 0, clientId: 'two' });
    expect(f.to('b')).toEqual([{ type: 'connack', returnCode: ReturnCode.CONGESTION }]);
    expect(f.gateway.stats.congestion).toBe(1);
    f.broker.refuseClients.add('one');
    await f.from('a', { type: 'disconnect' });
    await f.from('a', { type: 'connect', will: false, cleanSession: true, duration: 0, clientId: 'one' });
    expect(f.to('a')).toEqual([{ type: 'disconnect' }, { type: 'connack', returnCode: ReturnCode.NOT_SUPPORTED }]);
  });

  it('refuses a CONNECT the broker does not admit before it touches the session that holds the client id', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    f.broker.boundClients.set('s', 'a');
    await f.from('x', { type: 'connect', will: false, cleanSession: true, duration: 0, clientId: 's' });
    expect(f.to('x')).toEqual([{ type: 'connack', returnCode: ReturnCode.NOT_SUPPORTED }]);
    expect(f.gateway.stats.refused).toBe(1);
    // The real sensor's session goes on: no DISCONNECT to it, its broker session still open.
    expect(f.to('a')).toEqual([]);
    expect(f.broker.sessions.get('s')?.options.origin.address).toBe('a');
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toEqual([{ type: 'pingresp' }]);
  });

  it('publishes the will when the keep-alive lapses, and only then', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: true, duration: 10, clientId: 's' });
    await f.from('a', { type: 'willtopic', will: { topic: 's/status', qos: 0, retain: false } });
    await f.from('a', { type: 'willmsg', willMsg: Buffer.from('offline') });
    await f.clock.advance(14_000);
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a').at(-1)).toEqual({ type: 'pingresp' });
    await f.clock.advance(14_000);
    expect(f.broker.published).toEqual([]);
    await f.clock.advance(1_000); // 15 s = 1.5 x keep-alive since the PINGREQ
    expect(f.broker.published).toEqual([{ clientId: null, topic: 's/status', payload: Buffer.from('offline'), qos: 0, retain: false, will: true }]);
    expect(f.gateway.stats.clientsLost).toBe(1);
    expect(f.store.session('s')).toBeUndefined();
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toEqual([{ type: 'disconnect' }]);
  });

  it('ends the session without the will on DISCONNECT, keeping a persistent one for later', async () => {
    const f = await fixture();
    await f.connect('a', 's', { cleanSession: false });
    const session = f.broker.sessions.get('s');
    await f.from('a', { type: 'disconnect' });
    expect(f.to('a')).toEqual([{ type: 'disconnect' }]);
    expect(session?.closed).toBe('disconnect');
    expect(f.store.session('s')?.state).toBe('disconnected');
    expect(f.gateway.sessionCounts()).toEqual({ active: 0, asleep: 0 });
  });

  it('tells a client it does not know to connect again', async () => {
    const f = await fixture();
    await f.from('z', { type: 'register', topicId: 0, msgId: 1, topicName: 'a/b' });
    expect(f.to('z')).toEqual([{ type: 'disconnect' }]);
  });

  it('counts frames that do not decode and carries on', async () => {
    const f = await fixture();
    f.gateway.receive(f.link, 'a', Buffer.from([0x05, 0x04, 0x00]));
    f.gateway.receive(f.link, 'a', Buffer.from([0x02, 0x03]));
    await f.connect('a', 's');
    expect(f.gateway.stats.badFrames).toBe(2);
  });

  it('moves a client id to the address it connects from, closing the old session without its will', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    const first = f.broker.sessions.get('s');
    await f.connect('b', 's');
    expect(first?.closed).toBe('disconnect');
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toEqual([{ type: 'disconnect' }]);
    await f.from('b', { type: 'pingreq' });
    expect(f.to('b')).toEqual([{ type: 'pingresp' }]);
  });

  it('updates the will by reopening the broker session, keeping a clean session subscribed', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 'cmd/#' } });
    await f.from('a', { type: 'willtopicupd', will: { topic: 's/will', qos: 1, retain: false } });
    await f.from('a', { type: 'willmsgupd', willMsg: Buffer.from('gone') });
    expect(f.to('a').slice(1)).toEqual([
      { type: 'willtopicresp', returnCode: ReturnCode.ACCEPTED },
      { type: 'willmsgresp', returnCode: ReturnCode.ACCEPTED },
    ]);
    const session = f.broker.sessions.get('s');
    expect(session?.options.will).toEqual({ topic: 's/will', qos: 1, retain: false, payload: Buffer.from('gone') });
    expect([...(session?.subscriptions ?? [])]).toEqual([['cmd/#', 1]]);
  });

  it('answers a client behind a forwarder in the same encapsulation', async () => {
    const f = await fixture();
    const wirelessNodeId = Buffer.from([0xab, 0xcd]);
    const connect = encode({ type: 'encapsulated', radius: 0, wirelessNodeId, message: { type: 'connect', will: false, cleanSession: true, duration: 0, clientId: 'behind' } });
    f.gateway.receive(f.link, 'fwd', connect);
    await settle();
    expect(f.to('fwd')).toEqual([{ type: 'encapsulated', radius: 0, wirelessNodeId, message: { type: 'connack', returnCode: 0 } }]);
  });

  it('drops an abandoned will flow after the retries', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: true, duration: 30, clientId: 's' });
    await f.clock.advance(TEST_RETRY_MS * 3);
    await f.from('a', { type: 'willtopic', will: { topic: 't', qos: 0, retain: false } });
    expect(f.to('a')).toEqual([{ type: 'willtopicreq' }]);
  });
});
