import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../constants.js';
import type { SnMessage } from '../messages.js';
import { fixture, publish, TEST_RETRY_MS } from './test-support.js';

const PREDEFINED = [
  { clientId: '*', topicId: 1, topicName: 'house/alarm' },
  { clientId: 's', topicId: 2, topicName: 'garden/s/moisture' },
];

describe('SnGateway publishes from clients', () => {
  it('registers topic names once and publishes QoS 0 under the registered name', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 'garden/s/temp' });
    await f.from('a', { type: 'register', topicId: 0, msgId: 2, topicName: 'garden/s/temp' });
    expect(f.to('a')).toEqual([
      { type: 'regack', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED },
      { type: 'regack', topicId: 1, msgId: 2, returnCode: ReturnCode.ACCEPTED },
    ]);
    await f.from('a', publish(1, '21.5', 0, 0, { retain: true }));
    expect(f.broker.published).toEqual([{ clientId: 's', topic: 'garden/s/temp', payload: Buffer.from('21.5'), qos: 0, retain: true }]);
    expect(f.to('a')).toEqual([]);
  });

  it('acknowledges QoS 1 once the broker has it, and a repeat after a lost PUBACK too', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 't' });
    f.to('a');
    f.broker.holdPublishes = true;
    await f.from('a', publish(1, 'x', 1, 7));
    expect(f.to('a')).toEqual([]);
    f.broker.holdPublishes = false;
    f.broker.releaseHeld();
    await f.from('a', publish(1, 'x', 1, 7, { dup: true })); // the first PUBACK was lost on the air
    await f.from('a', { type: 'pingreq' });
    expect(f.to('a')).toEqual([
      { type: 'puback', topicId: 1, msgId: 7, returnCode: ReturnCode.ACCEPTED },
      { type: 'puback', topicId: 1, msgId: 7, returnCode: ReturnCode.ACCEPTED },
      { type: 'pingresp' },
    ]);
  });

  it('publishes QoS 2 exactly once however often the client repeats it', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 't' });
    f.to('a');
    await f.from('a', publish(1, 'once', 2, 9));
    await f.from('a', publish(1, 'once', 2, 9, { dup: true }));
    await f.from('a', { type: 'pubrel', msgId: 9 });
    expect(f.to('a')).toEqual([{ type: 'pubrec', msgId: 9 }, { type: 'pubrec', msgId: 9 }, { type: 'pubcomp', msgId: 9 }]);
    expect(f.broker.published.map((p) => [p.topic, p.qos])).toEqual([['t', 2]]);
  });

  it('rejects an unknown topic id with PUBACK "invalid topic id", also at QoS 0', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', publish(42, 'x', 0));
    await f.from('a', publish(9, 'x', 1, 3, { type: 'predefined' }));
    expect(f.to('a')).toEqual([
      { type: 'puback', topicId: 42, msgId: 0, returnCode: ReturnCode.INVALID_TOPIC_ID },
      { type: 'puback', topicId: 9, msgId: 3, returnCode: ReturnCode.INVALID_TOPIC_ID },
    ]);
    expect(f.broker.published).toEqual([]);
  });

  it('resolves predefined ids (the client own ones first) and short topic names', async () => {
    const f = await fixture({ predefined: PREDEFINED });
    await f.connect('a', 's');
    await f.from('a', publish(1, 'on', 0, 0, { type: 'predefined' }));
    await f.from('a', publish(2, '41', 0, 0, { type: 'predefined' }));
    await f.from('a', { type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'short', topicName: 'ab' }, msgId: 5, payload: Buffer.from('s') });
    expect(f.broker.published.map((p) => p.topic)).toEqual(['house/alarm', 'garden/s/moisture', 'ab']);
    expect(f.to('a')).toEqual([{ type: 'puback', topicId: 0x6162, msgId: 5, returnCode: ReturnCode.ACCEPTED }]);
  });

  it('lists the predefined ids in use: the store\'s and the configured ones, which win', async () => {
    const f = await fixture({ predefined: [{ clientId: 's', topicId: 2, topicName: 'garden/s/soil' }, { clientId: 'a', topicId: 5, topicName: 'a/x' }] }, {
      ...(await fixture({ predefined: PREDEFINED })),
    });
    expect(f.gateway.predefinedTopics()).toEqual([
      { clientId: '*', topicId: 1, topicName: 'house/alarm' },
      { clientId: 'a', topicId: 5, topicName: 'a/x' },
      { clientId: 's', topicId: 2, topicName: 'garden/s/soil' },
    ]);
  });

  it('takes QoS -1 publishes from clients that never connected, to predefined and short topics only', async () => {
    const f = await fixture({ predefined: PREDEFINED });
    await f.from('x', publish(1, 'smoke', -1, 0, { type: 'predefined' }));
    await f.from('x', { type: 'publish', dup: false, qos: -1, retain: false, topic: { topicIdType: 'short', topicName: 'zz' }, msgId: 0, payload: Buffer.from('1') });
    await f.from('x', publish(2, 'not for x', -1, 0, { type: 'predefined' })); // s's own id, x is not s
    const origin = { link: 'radio', address: 'x' };
    expect(f.broker.published).toEqual([
      { clientId: null, topic: 'house/alarm', payload: Buffer.from('smoke'), qos: 0, retain: false, sender: { origin, topicIdType: 'predefined' } },
      { clientId: null, topic: 'zz', payload: Buffer.from('1'), qos: 0, retain: false, sender: { origin, topicIdType: 'short' } },
    ]);
    expect(f.gateway.stats.dropped).toBe(1);
    expect(f.to('x')).toEqual([]);
  });

  it('sends a QoS -1 publish from an address that holds a session through that session, with its rights', async () => {
    const f = await fixture({ predefined: PREDEFINED });
    await f.connect('a', 's');
    await f.from('a', publish(2, '1', -1, 0, { type: 'predefined' }));
    expect(f.broker.published.at(-1)).toEqual({ clientId: 's', topic: 'garden/s/moisture', payload: Buffer.from('1'), qos: 0, retain: false });
  });

  it('answers with the congestion code when too many publishes wait for the broker or too many topics exist', async () => {
    const f = await fixture({ maxInflight: 1, maxTopicsPerClient: 1 });
    await f.connect('a', 's');
    await f.from('a', { type: 'register', topicId: 0, msgId: 1, topicName: 't' });
    await f.from('a', { type: 'register', topicId: 0, msgId: 2, topicName: 'u' });
    f.broker.holdPublishes = true;
    await f.from('a', publish(1, 'first', 1, 3));
    await f.from('a', publish(1, 'second', 1, 4));
    expect(f.to('a')).toEqual([
      { type: 'regack', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED },
      { type: 'regack', topicId: 0, msgId: 2, returnCode: ReturnCode.CONGESTION },
      { type: 'puback', topicId: 1, msgId: 4, returnCode: ReturnCode.CONGESTION },
    ]);
    expect(f.gateway.stats.congestion).toBe(2);
  });
});

describe('SnGateway subscriptions and deliveries', () => {
  const subscribe = (topicName: string, qos: 0 | 1 | 2, msgId = 1): SnMessage => ({ type: 'subscribe', dup: false, qos, msgId, topic: { topicIdType: 'normal', topicName } });

  it('gives a full topic name its id in SUBACK and publishes under it', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', subscribe('garden/s/valve', 1));
    expect(f.to('a')).toEqual([{ type: 'suback', qos: 1, topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED }]);
    f.broker.route('garden/s/valve', 'open', 0);
    expect(f.to('a')).toEqual([{ type: 'publish', dup: false, qos: 0, retain: false, topic: { topicIdType: 'normal', topicId: 1 }, msgId: 0, payload: Buffer.from('open') }]);
  });

  it('REGISTERs a topic a wildcard matched before its first PUBLISH', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', subscribe('cmd/#', 0));
    expect(f.to('a')).toEqual([{ type: 'suback', qos: 0, topicId: 0, msgId: 1, returnCode: ReturnCode.ACCEPTED }]);
    f.broker.route('cmd/valve', 'open');
    f.broker.route('cmd/valve', 'close');
    expect(f.to('a')).toEqual([{ type: 'register', topicId: 1, msgId: 1, topicName: 'cmd/valve' }]);
    await f.from('a', { type: 'regack', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED });
    expect(f.to('a').map((m) => m.type === 'publish' && [m.topic, m.payload.toString()])).toEqual([
      [{ topicIdType: 'normal', topicId: 1 }, 'open'],
      [{ topicIdType: 'normal', topicId: 1 }, 'close'],
    ]);
  });

  it('retransmits an unacknowledged QoS 1 PUBLISH with DUP, and takes the client for lost after Nretry', async () => {
    const f = await fixture();
    await f.from('a', { type: 'connect', will: true, cleanSession: true, duration: 0, clientId: 's' });
    await f.from('a', { type: 'willtopic', will: { topic: 's/status', qos: 0, retain: false } });
    await f.from('a', { type: 'willmsg', willMsg: Buffer.from('lost') });
    await f.from('a', subscribe('s/cmd', 1));
    f.to('a');
    f.broker.route('s/cmd', 'go', 1);
    const first = f.to('a');
    expect(first).toMatchObject([{ type: 'publish', dup: false, qos: 1, msgId: 1 }]);
    await f.clock.advance(TEST_RETRY_MS);
    expect(f.to('a')).toMatchObject([{ type: 'publish', dup: true, qos: 1, msgId: 1 }]);
    await f.from('a', { type: 'puback', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED });
    await f.clock.advance(TEST_RETRY_MS * 5);
    expect(f.to('a')).toEqual([]);
    expect(f.gateway.stats.retransmissions).toBe(1);

    f.broker.route('s/cmd', 'again', 1);
    await f.clock.advance(TEST_RETRY_MS * 3); // maxRetries 2: two resends, then lost
    expect(f.to('a').map((m) => m.type === 'publish' && m.dup)).toEqual([false, true, true]);
    expect(f.broker.published).toMatchObject([{ topic: 's/status', will: true }]);
  });

  it('delivers QoS 2 through PUBREC, PUBREL and PUBCOMP', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', subscribe('s/cmd', 2));
    f.to('a');
    f.broker.route('s/cmd', 'x', 2);
    f.broker.route('s/cmd', 'y', 0);
    expect(f.to('a')).toMatchObject([{ type: 'publish', qos: 2, msgId: 1 }]);
    await f.from('a', { type: 'pubrec', msgId: 1 });
    expect(f.to('a')).toEqual([{ type: 'pubrel', msgId: 1 }]);
    await f.from('a', { type: 'pubcomp', msgId: 1 });
    expect(f.to('a')).toMatchObject([{ type: 'publish', qos: 0, payload: Buffer.from('y') }]);
  });

  it('subscribes by predefined id and short name, and refuses an unknown predefined id', async () => {
    const f = await fixture({ predefined: PREDEFINED });
    await f.connect('a', 's');
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'predefined', topicId: 1 } });
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 2, topic: { topicIdType: 'short', topicName: 'zz' } });
    await f.from('a', { type: 'subscribe', dup: false, qos: 0, msgId: 3, topic: { topicIdType: 'predefined', topicId: 99 } });
    expect(f.to('a')).toEqual([
      { type: 'suback', qos: 0, topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED },
      { type: 'suback', qos: 0, topicId: 0, msgId: 2, returnCode: ReturnCode.ACCEPTED },
      { type: 'suback', qos: 0, topicId: 0, msgId: 3, returnCode: ReturnCode.INVALID_TOPIC_ID },
    ]);
    f.broker.route('house/alarm', 'fire');
    f.broker.route('zz', 'z');
    expect(f.to('a').map((m) => m.type === 'publish' && m.topic)).toEqual([
      { topicIdType: 'predefined', topicId: 1 },
      { topicIdType: 'short', topicName: 'zz' },
    ]);
  });

  it('unsubscribes', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    await f.from('a', subscribe('t/#', 0));
    await f.from('a', { type: 'unsubscribe', msgId: 2, topic: { topicIdType: 'normal', topicName: 't/#' } });
    expect(f.to('a')).toEqual([{ type: 'suback', qos: 0, topicId: 0, msgId: 1, returnCode: 0 }, { type: 'unsuback', msgId: 2 }]);
    expect(f.broker.sessions.get('s')?.subscriptions.size).toBe(0);
    expect(f.store.subscriptions('s')).toEqual([]);
  });

  it('refuses a bad filter and a subscription the broker refuses', async () => {
    const f = await fixture();
    await f.connect('a', 's');
    f.broker.refuseFilters.add('secret/#');
    await f.from('a', subscribe('a/#/b', 0, 1));
    await f.from('a', subscribe('secret/#', 0, 2));
    expect(f.to('a')).toEqual([
      { type: 'suback', qos: 0, topicId: 0, msgId: 1, returnCode: ReturnCode.INVALID_TOPIC_ID },
      { type: 'suback', qos: 0, topicId: 0, msgId: 2, returnCode: ReturnCode.NOT_SUPPORTED },
    ]);
  });
});
