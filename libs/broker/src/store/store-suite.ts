import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerStore, LoadedSession, StoredMessage, StoredOutgoing, StoredSession, StoredSubscription } from '../ports.js';

/** A store under test, and a way to open another store on what it committed (a restart). */
export interface StoreUnderTest {
  store: BrokerStore;
  /** A new store on the same durable data, as the broker would open it after a restart. */
  reopen(): Promise<BrokerStore>;
  /** Releases what the test opened (database files...). */
  dispose?(): Promise<void>;
}

const message = (topic: string, fields: Partial<StoredMessage> = {}): StoredMessage => ({
  topic,
  payload: Buffer.from(`payload of ${topic}`),
  qos: 1,
  retain: false,
  properties: {},
  expiresAt: 0,
  ...fields,
});

const session = (clientId: string, fields: Partial<StoredSession> = {}): StoredSession => ({ clientId, expiryInterval: 3600, disconnectedAt: null, will: null, ...fields });

const subscription = (filter: string, fields: Partial<StoredSubscription> = {}): StoredSubscription => ({
  filter,
  qos: 1,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
  identifier: 0,
  ...fields,
});

const outgoing = (seq: number, fields: Partial<StoredOutgoing> = {}): StoredOutgoing => ({
  seq,
  packetId: seq,
  message: message(`queue/${seq}`),
  qos: 1,
  retain: false,
  subscriptionIdentifiers: [],
  ...fields,
});

const sortSessions = (sessions: LoadedSession[]) => [...sessions].sort((a, b) => a.clientId.localeCompare(b.clientId));

/**
 * The contract every BrokerStore keeps (see BrokerStore in ports.ts), as tests any implementation runs:
 * `describeBrokerStore('SqliteBrokerStore', async () => ({ store, reopen }))`. What a write's resolved
 * promise promises is checked by reopening: the reopened store must load it.
 */
export function describeBrokerStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} keeps the BrokerStore contract`, () => {
    let opened: StoreUnderTest | undefined;
    const start = async () => (opened = await open());
    const reopened = async () => (await opened!.reopen()).load();
    afterEach(async () => {
      await opened?.dispose?.();
      opened = undefined;
    });

    it('loads nothing when nothing was written', async () => {
      const { store } = await start();
      expect(await store.load()).toEqual({ sessions: [], retained: [] });
    });

    it('keeps a session record, replaced by a later save', async () => {
      const { store } = await start();
      await store.saveSession(session('sensor-1', { expiryInterval: 60, disconnectedAt: 1_700_000_000_000 }));
      await store.saveSession(session('sensor-2', { expiryInterval: 0xffff_ffff }));
      await store.saveSession(session('sensor-1', { expiryInterval: 120, disconnectedAt: null }));
      const { sessions } = await reopened();
      expect(sortSessions(sessions)).toEqual([
        { ...session('sensor-1', { expiryInterval: 120 }), subscriptions: [], outgoing: [], incoming: [] },
        { ...session('sensor-2', { expiryInterval: 0xffff_ffff }), subscriptions: [], outgoing: [], incoming: [] },
      ]);
    });

    it('keeps a will with its delay, expiry and properties', async () => {
      const { store } = await start();
      const will = {
        topic: 'devices/plug/status',
        payload: Buffer.from('offline'),
        qos: 1 as const,
        retain: true,
        properties: { payloadFormatIndicator: 1, contentType: 'text/plain', responseTopic: 'r', correlationData: Buffer.from([0, 255]), userProperties: [['a', '1'], ['a', '2']] as [string, string][] },
        delayInterval: 30,
        expiryInterval: 600,
      };
      await store.saveSession(session('plug', { will }));
      const [loaded] = (await reopened()).sessions;
      expect(loaded.will).toEqual(will);
    });

    it('keeps subscriptions with every option, replaces one of the same filter and deletes by filter', async () => {
      const { store } = await start();
      await store.saveSession(session('logger'));
      await store.saveSubscription('logger', subscription('garden/#', { qos: 2, identifier: 7 }));
      await store.saveSubscription('logger', subscription('$share/loggers/meter/+', { noLocal: false, retainAsPublished: true, retainHandling: 2 }));
      await store.saveSubscription('logger', subscription('house/+', { noLocal: true, retainHandling: 1 }));
      await store.saveSubscription('logger', subscription('garden/#', { qos: 0 }));
      await store.deleteSubscription('logger', 'house/+');
      const [loaded] = (await reopened()).sessions;
      expect([...loaded.subscriptions].sort((a, b) => a.filter.localeCompare(b.filter))).toEqual([
        subscription('$share/loggers/meter/+', { retainAsPublished: true, retainHandling: 2 }),
        subscription('garden/#', { qos: 0 }),
      ]);
    });

    it('keeps the outgoing queue in the order added; a released entry loses its message, a deleted one goes', async () => {
      const { store } = await start();
      await store.saveSession(session('phone'));
      const shared = message('alarm', { qos: 2, retain: true, expiresAt: 1_900_000_000_000, properties: { userProperties: [['zone', '1']] } });
      await store.addOutgoing('phone', outgoing(5, { message: shared, qos: 2, subscriptionIdentifiers: [3, 9] }));
      await store.addOutgoing('phone', outgoing(6, { packetId: 65_535 }));
      await store.addOutgoing('phone', outgoing(7));
      await store.addOutgoing('phone', outgoing(8));
      await store.releaseOutgoing('phone', 5);
      await store.deleteOutgoing('phone', 7);
      // An identifier used again after its entry was deleted: a new entry at the end of the queue.
      await store.addOutgoing('phone', outgoing(9, { packetId: 7, message: message('again') }));
      const [loaded] = (await reopened()).sessions;
      expect(loaded.outgoing).toEqual([
        outgoing(5, { message: null, qos: 2, subscriptionIdentifiers: [3, 9] }),
        outgoing(6, { packetId: 65_535 }),
        outgoing(8),
        outgoing(9, { packetId: 7, message: message('again') }),
      ]);
    });

    it('keeps queued messages that have no Packet Identifier yet, and the one given to them later', async () => {
      const { store } = await start();
      await store.saveSession(session('bridge'));
      for (const seq of [10, 11, 12, 13]) await store.addOutgoing('bridge', outgoing(seq, { packetId: 0, qos: 2 }));
      await store.identifyOutgoing('bridge', 10, 400);
      await store.identifyOutgoing('bridge', 11, 401);
      await store.releaseOutgoing('bridge', 11);
      await store.deleteOutgoing('bridge', 12);
      const [loaded] = (await reopened()).sessions;
      expect(loaded.outgoing).toEqual([
        outgoing(10, { packetId: 400, qos: 2 }),
        outgoing(11, { packetId: 401, qos: 2, message: null }),
        outgoing(13, { packetId: 0, qos: 2 }),
      ]);
    });

    it('keeps one message queued for many sessions apart per session', async () => {
      const { store } = await start();
      const fanned = message('meter/total', { payload: Buffer.alloc(64 * 1024, 7) });
      let seq = 0;
      for (const clientId of ['a', 'b', 'c']) {
        await store.saveSession(session(clientId));
        await store.addOutgoing(clientId, outgoing(++seq, { packetId: 1, message: fanned }));
      }
      await store.deleteOutgoing('b', 2);
      const sessions = sortSessions((await reopened()).sessions);
      expect(sessions.map((s) => s.outgoing.map((entry) => entry.message?.payload.length))).toEqual([[65_536], [], [65_536]]);
      expect(sessions[2].outgoing[0].message).toEqual(fanned);
    });

    it('keeps the Packet Identifiers of QoS 2 messages awaiting PUBREL', async () => {
      const { store } = await start();
      await store.saveSession(session('sensor'));
      for (const id of [7, 8, 9]) await store.addIncoming('sensor', id);
      await store.deleteIncoming('sensor', 8);
      const [loaded] = (await reopened()).sessions;
      expect([...loaded.incoming].sort((a, b) => a - b)).toEqual([7, 9]);
    });

    it('forgets a deleted session with everything below it, and starts the same id over empty', async () => {
      const { store } = await start();
      await store.saveSession(session('gone'));
      await store.saveSubscription('gone', subscription('a'));
      await store.addOutgoing('gone', outgoing(1));
      await store.addIncoming('gone', 4);
      await store.deleteSession('gone');
      expect((await reopened()).sessions).toEqual([]);
      await store.saveSession(session('gone', { expiryInterval: 5 }));
      expect((await reopened()).sessions).toEqual([{ ...session('gone', { expiryInterval: 5 }), subscriptions: [], outgoing: [], incoming: [] }]);
    });

    it('keeps retained messages per topic with their properties and expiry, replaced and deleted by topic', async () => {
      const { store } = await start();
      const config = message('garden/config', {
        retain: true,
        qos: 0,
        payload: Buffer.from([0, 1, 2, 255]),
        expiresAt: 1_800_000_000_000,
        properties: { payloadFormatIndicator: 0, contentType: 'application/octet-stream', responseTopic: 'garden/ack', correlationData: Buffer.from('c'), userProperties: [['v', '2']] },
      });
      await store.putRetained(message('garden/config', { retain: true }));
      await store.putRetained(config);
      await store.putRetained(message('house/light', { retain: true, qos: 2 }));
      await store.putRetained(message('house/door', { retain: true }));
      await store.deleteRetained('house/door');
      const { retained } = await reopened();
      expect([...retained].sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([config, message('house/light', { retain: true, qos: 2 })]);
    });

    it('commits writes in the order they were called and resolves them in that order', async () => {
      const { store } = await start();
      const order: string[] = [];
      const writes = [
        store.saveSession(session('ordered')).then(() => order.push('session')),
        store.saveSubscription('ordered', subscription('a')).then(() => order.push('subscription')),
        store.putRetained(message('r', { retain: true })).then(() => order.push('put')),
        store.deleteRetained('r').then(() => order.push('delete')),
        store.addOutgoing('ordered', outgoing(1)).then(() => order.push('outgoing')),
      ];
      await Promise.all(writes);
      expect(order).toEqual(['session', 'subscription', 'put', 'delete', 'outgoing']);
      const loaded = await reopened();
      expect(loaded.retained).toEqual([]);
      expect(loaded.sessions[0].subscriptions).toEqual([subscription('a')]);
    });

    it('keeps a payload of a megabyte byte for byte', async () => {
      const { store } = await start();
      const payload = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
      await store.putRetained(message('firmware', { retain: true, payload }));
      expect((await reopened()).retained[0].payload.equals(payload)).toBe(true);
    });
  });
}
