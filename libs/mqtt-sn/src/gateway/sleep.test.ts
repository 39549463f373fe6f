import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../constants.js';
import { fixture, publish } from './test-support.js';

describe('SnGateway sleeping clients', () => {
  it('buffers while asleep, then delivers on PINGREQ with the client id and ends with PINGRESP', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 's/cmd' } });
    await f.from('a', { type: 'disconnect', duration: 300 });
    expect(f.to('a')).toMatchObject([{ type: 'suback' }, { type: 'disconnect' }]);
    expect(f.gateway.sessionCounts()).toEqual({ active: 0, asleep: 1 });

    f.broker.route('s/cmd', 'water', 1);
    f.broker.route('s/cmd', 'stop', 0);
    expect(f.to('a')).toEqual([]);
    expect(f.store.bufferedCount('s')).toBe(2);

    await f.clock.advance(200_000);
    await f.from('b', { type: 'pingreq', clientId: 's' }); // woke up with another address
    expect(f.to('b')).toEqual([{ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId: 1 }, msgId: 1, payload: Buffer.from('water') }]);
    await f.from('b', { type: 'puback', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED });
    expect(f.to('b')).toMatchObject([{ type: 'publish', qos: 0, payload: Buffer.from('stop') }, { type: 'pingresp' }]);
    expect(f.store.bufferedCount('s')).toBe(0);
    expect(f.gateway.sessionCounts()).toEqual({ active: 0, asleep: 1 });

    await f.from('b', { type: 'pingreq', clientId: 's' });
    expect(f.to('b')).toEqual([{ type: 'pingresp' }]);
  });

  it('knows a sleeping client that wakes with a PINGREQ without its client id by its address (as Paho clients wake)', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 's/cmd' } });
    await f.from('a', { type: 'disconnect', duration: 300 });
    f.to('a');
    f.broker.route('s/cmd', 'water', 1);
    f.broker.route('s/cmd', 'stop', 0);

    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toEqual([{ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId: 1 }, msgId: 1, payload: Buffer.from('water') }]);
    await f.from('a', { type: 'pingreq' }); // repeated while the delivery runs: no early PINGRESP
    expect(f.to('a')).toEqual([]);
    await f.from('a', { type: 'puback', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED });
    expect(f.to('a')).toMatchObject([{ type: 'publish', qos: 0, payload: Buffer.from('stop') }, { type: 'pingresp' }]);
    expect(f.store.bufferedCount('s')).toBe(0);
    expect(f.gateway.sessionCounts()).toEqual({ active: 0, asleep: 1 });

    // Back asleep: the next message is buffered again, and the next wake-up by address delivers it.
    f.broker.route('s/cmd', 'later', 0);
    expect(f.to('a')).toEqual([]);
    expect(f.store.bufferedCount('s')).toBe(1);
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toMatchObject([{ type: 'publish', payload: Buffer.from('later') }, { type: 'pingresp' }]);
  });

  it('answers a PINGREQ without a client id from an address with no session by DISCONNECT, waking no one', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: 's/cmd' } });
    await f.from('a', { type: 'disconnect', duration: 300 });
    f.broker.route('s/cmd', 'water');
    await f.from('x', { type: 'pingreq' });
    expect(f.to('x')).toEqual([{ type: 'disconnect' }]);
    expect(f.store.bufferedCount('s')).toBe(1);
  });

  it('does not wake a sleeping client for a PINGREQ from an address the broker does not admit as it', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 's/cmd' } });
    await f.from('a', { type: 'disconnect', duration: 300 });
    f.broker.route('s/cmd', 'water', 1);
    f.broker.boundClients.set('s', 'a');
    await f.from('x', { type: 'pingreq', clientId: 's' });
    expect(f.to('x')).toEqual([{ type: 'disconnect' }]);
    expect(f.store.bufferedCount('s')).toBe(1);
    f.to('a');
    await f.from('a', { type: 'pingreq', clientId: 's' });
    expect(f.to('a')).toMatchObject([{ type: 'publish', payload: Buffer.from('water') }]);
  });

  it('publishes the will when a sleeping client misses its wake-up', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: false, duration: 10, clientId: 's' });
    await f.from('a', { type: 'willtopic', will: { topic: 's/status', qos: 1, retain: true } });
    await f.from('a', { type: 'willmsg', willMsg: Buffer.from('lost') });
    await f.from('a', { type: 'disconnect', duration: 100 });
    await f.clock.advance(149_000);
    expect(f.broker.published).toEqual([]);
    await f.clock.advance(1_000);
    expect(f.broker.published).toMatchObject([{ topic: 's/status', will: true }]);
    expect(f.store.session('s')?.state).toBe('disconnected');
  });

  it('keeps at most maxQueued buffered messages and counts the rest as dropped', async () => {
    const f = await fixture({ maxQueued: 2 });
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: 't' } });
    await f.from('a', { type: 'disconnect', duration: 60 });
    for (const n of ['1', '2', '3']) f.broker.route('t', n);
    expect(f.store.bufferedCount('s')).toBe(2);
    expect(f.gateway.stats.dropped).toBe(1);
  });

  it('delivers what was buffered when a sleeping persistent client reconnects with CONNECT', async () => {
    const f = await fixture();
    await f.connect('a', 's', { cleanSession: false });
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: 't' } });
    await f.from('a', { type: 'disconnect', duration: 60 });
    f.broker.route('t', 'while asleep');
    f.to('a');
    expect(await f.connect('a', 's', { cleanSession: false })).toMatchObject([{ type: 'publish', topic: { topicIdType: 'normal', topicId: 1 }, payload: Buffer.from('while asleep') }]);
  });
});

describe('SnGateway across a restart', () => {
  it('takes up sessions, topic ids, subscriptions and buffered messages again', async () => {
    const first = await fixture();
    await first.connect('a', 'awake-one');
    await first.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 'garden/temp' });
    await first.connect('b', 'sleeper');
    await first.from('b', { type: 'subscribe', dup: false, qos: 1, msgId: 1, topic: { topicIdType: 'normal', topicName: 'sleeper/cmd' } });
    await first.from('b', { type: 'disconnect', duration: 600 });
    first.broker.route('sleeper/cmd', 'before restart', 1);
    await first.gateway.stop();
    expect(first.broker.published).toEqual([]); // no will: a restart is not a lost client

    const second = await fixture({}, { store: first.store, broker: first.broker, clock: first.clock, link: first.link });
    first.link.sent.length = 0;
    expect(second.gateway.sessionCounts()).toEqual({ active: 1, asleep: 1 });
    await second.from('a', publish(1, '20', 1, 5));
    expect(second.to('a')).toEqual([{ type: 'puback', topicId: 1, msgId: 5, returnCode: ReturnCode.ACCEPTED }]);
    expect(second.broker.published).toMatchObject([{ clientId: 'awake-one', topic: 'garden/temp' }]);

    // The clean session's subscription was lost with the broker session, and restored from the store.
    second.broker.route('sleeper/cmd', 'after restart', 1);
    await second.from('b', { type: 'pingreq', clientId: 'sleeper' });
    expect(second.to('b')).toMatchObject([{ type: 'publish', msgId: 1, payload: Buffer.from('before restart') }]);
    await second.from('b', { type: 'puback', topicId: 1, msgId: 1, returnCode: 0 });
    expect(second.to('b')).toMatchObject([{ type: 'publish', payload: Buffer.from('after restart') }]);
    await second.from('b', { type: 'puback', topicId: 1, msgId: 2, returnCode: 0 });
    expect(second.to('b')).toEqual([{ type: 'pingresp' }]);
  });

  it('keeps topic ids of a persistent session for its next CONNECT, and a clean CONNECT forgets them', async () => {
    const f = await fixture();
    await f.connect('a', 's', { cleanSession: false });
    await f.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 'x' });
    await f.from('a', { type: 'disconnect' });
    f.to('a');
    await f.connect('a', 's', { cleanSession: false });
    await f.from('a', publish(1, 'kept', 0));
    expect(f.broker.published.map((p) => p.topic)).toEqual(['x']);
    await f.connect('a', 's', { cleanSession: true });
    await f.from('a', publish(1, 'gone', 0));
    expect(f.to('a')).toEqual([{ type: 'puback', topicId: 1, msgId: 0, returnCode: ReturnCode.INVALID_TOPIC_ID }]);
  });
});
