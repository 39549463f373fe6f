import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { migrations } from '@hearth/migrations';
import type { QueryRunner } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlitePersistence, type MqttPacket } from '../src/broker/sqlite-persistence.js';

// The suite run (a) and the crashing child (c) use the build: run `tsc -b` first.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const compiledPersistence = pathToFileURL(join(repoRoot, 'apps/hub/dist/src/broker/sqlite-persistence.js')).href;
const broker = { id: 'hub-1' };

function open(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

async function openMigrated(file: string): Promise<Database.Database> {
  const db = open(file);
  const Migration = migrations.find((migration) => migration.name === 'BrokerPersistence1764150000000');
  const queryRunner = { query: async (sql: string) => db.exec(sql) } as unknown as QueryRunner;
  await new Migration!().up(queryRunner);
  return db;
}

async function openPersistence(db: Database.Database): Promise<SqlitePersistence> {
  const persistence = new SqlitePersistence({ db });
  await persistence.setup(broker);
  return persistence;
}

async function list<T>(stream: Readable): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item as T);
  return items;
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('SqlitePersistence', () => {
  let dir: string;
  const databases: Database.Database[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-sqlite-persistence-'));
  });
  afterEach(() => {
    databases.splice(0).forEach((db) => db.close());
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes aedes-persistence's abstract suite", async () => {
    const { code, output } = await run(['--test', '--test-reporter=tap', 'apps/hub/test/persistence-abstract.mjs']);
    console.log(output.match(/^# (tests|pass|fail|cancelled|skipped|todo) \d+$/gm)?.join('\n'));
    expect(code, output).toBe(0);
    expect(Number(/^# pass (\d+)$/m.exec(output)?.[1])).toBeGreaterThan(0);
    expect(/^# fail (\d+)$/m.exec(output)?.[1]).toBe('0');
  });

  describe('after reopening the database', () => {
    const client = { id: 'thermostat' };
    const publish = (n: number): MqttPacket => ({
      cmd: 'publish',
      topic: `home/queue/${n}`,
      payload: Buffer.from(`m${n}`),
      qos: 1,
      retain: false,
      dup: false,
      brokerId: broker.id,
      brokerCounter: n,
    });

    /** Writes one of everything through a first connection, which stays open. */
    async function writeState(file: string): Promise<SqlitePersistence> {
      const db = await openMigrated(file);
      databases.push(db);
      const first = await openPersistence(db);
      await Promise.all([
        first.storeRetained({ ...publish(7), topic: 'home/kitchen/temp', payload: Buffer.from('21.5'), retain: true }),
        first.storeRetained({
          cmd: 'publish',
          topic: 'home/door',
          payload: 'open',
          qos: 0,
          retain: true,
          properties: { contentType: 'text/plain', correlationData: Buffer.from([1, 2]), userProperties: { room: ['hall', 'front'] } },
          messageExpiry: 1_900_000_000_000,
        }),
        first.addSubscriptions(client, [
          { topic: 'home/#', qos: 1, rh: 0, rap: true, nl: false, subscriptionIdentifier: 9 },
          { topic: 'alerts/+', qos: 2, rh: 1, rap: false, nl: true },
          { topic: 'debug', qos: 0 },
        ]),
        first.outgoingEnqueueCombi([{ clientId: client.id }, { clientId: 'lamp' }], publish(1)),
        first.outgoingEnqueue({ clientId: client.id }, publish(2)),
        first.outgoingEnqueue({ clientId: client.id }, publish(3)),
        first.incomingStorePacket(client, { cmd: 'publish', topic: 'home/in', payload: Buffer.from('q2'), qos: 2, messageId: 77 }),
        first.putWill(client, { topic: 'home/thermostat/status', payload: Buffer.from('offline'), qos: 1, retain: true }),
      ]);
      await first.outgoingUpdate(client, { ...publish(1), messageId: 101 });
      await first.outgoingUpdate(client, { ...publish(2), messageId: 102 });
      await first.outgoingUpdate(client, { cmd: 'pubrel', messageId: 102, reasonCode: 0 });
      return first;
    }

    /** Everything the persistence returns; retained messages and subscriptions come back in key order. */
    async function snapshot(persistence: SqlitePersistence) {
      const byTopic = (a: { topic?: string }, b: { topic?: string }) => String(a.topic).localeCompare(String(b.topic));
      return {
        retained: (await list<MqttPacket>(persistence.createRetainedStream('#'))).sort(byTopic),
        subscriptions: (await persistence.subscriptionsByClient(client)).sort(byTopic),
        matching: await persistence.subscriptionsByTopic('home/kitchen'),
        offline: await persistence.countOffline(),
        outgoing: await list<MqttPacket>(persistence.outgoingStream(client)),
        outgoingOther: await list<MqttPacket>(persistence.outgoingStream({ id: 'lamp' })),
        incoming: await persistence.incomingGetPacket(client, { messageId: 77 }),
        will: await persistence.getWill(client),
        wills: await list(persistence.streamWill()),
        counts: persistence.counts(),
      };
    }

    it('returns retained messages, subscriptions, queues, incoming packets and wills, in order', async () => {
      const file = join(dir, 'hearth.db');
      const first = await writeState(file);
      const written = await snapshot(first);

      const db = open(file);
      databases.push(db);
      const reread = await snapshot(await openPersistence(db));

      // toEqual: fields set to undefined (a queued packet's messageId) are not stored
      expect(reread).toEqual(written);
      expect(reread.retained.map((packet) => packet.payload)).toStrictEqual(['open', Buffer.from('21.5')]);
      expect(reread.retained[0].properties).toStrictEqual({
        contentType: 'text/plain',
        correlationData: Buffer.from([1, 2]),
        userProperties: { room: ['hall', 'front'] },
      });
      expect(reread.subscriptions).toStrictEqual([
        { topic: 'alerts/+', qos: 2, rh: 1, rap: false, nl: true },
        { topic: 'debug', qos: 0, rh: undefined, rap: undefined, nl: undefined },
        { topic: 'home/#', qos: 1, rh: 0, rap: true, nl: false, subscriptionIdentifier: 9 },
      ]);
      expect(reread.matching).toStrictEqual([{ clientId: client.id, topic: 'home/#', qos: 1, rh: 0, rap: true, nl: false }]);
      expect(reread.offline).toStrictEqual({ subsCount: 2, clientsCount: 1 });
      expect(reread.outgoing.map(({ cmd, topic, messageId }) => [cmd, topic, messageId])).toStrictEqual([
        ['publish', 'home/queue/1', 101],
        ['pubrel', undefined, 102],
        ['publish', 'home/queue/3', undefined],
      ]);
      expect(reread.outgoingOther.map((packet) => packet.topic)).toStrictEqual(['home/queue/1']);
      expect(reread.incoming).toMatchObject({ topic: 'home/in', payload: Buffer.from('q2'), qos: 2, messageId: 77 });
      expect(reread.will).toStrictEqual({
        topic: 'home/thermostat/status',
        payload: Buffer.from('offline'),
        qos: 1,
        retain: true,
        brokerId: broker.id,
        clientId: client.id,
      });
      expect(reread.counts).toStrictEqual({ retained: 2, subscriptions: 3, queued: 4 });
    });

    it('keeps deleted state deleted', async () => {
      const file = join(dir, 'hearth.db');
      const first = await writeState(file);
      await Promise.all([
        first.storeRetained({ topic: 'home/door', payload: Buffer.alloc(0) }),
        first.removeSubscriptions(client, ['alerts/+']),
        first.outgoingClearMessageId(client, { messageId: 101 }),
        first.incomingDelPacket(client, { messageId: 77 }),
        first.delWill(client),
      ]);
      await first.cleanSubscriptions({ id: 'nobody' });

      const db = open(file);
      databases.push(db);
      const reread = await openPersistence(db);
      expect((await list<MqttPacket>(reread.createRetainedStream('#'))).map((packet) => packet.topic)).toStrictEqual(['home/kitchen/temp']);
      expect((await reread.subscriptionsByClient(client)).map((sub) => sub.topic).sort()).toStrictEqual(['debug', 'home/#']);
      expect((await list<MqttPacket>(reread.outgoingStream(client))).map((packet) => packet.messageId)).toStrictEqual([102, undefined]);
      await expect(reread.incomingGetPacket(client, { messageId: 77 })).rejects.toThrow('no such packet');
      expect(await reread.getWill(client)).toBeUndefined();
    });
  });

  it('replaces the right publish when PUBRELs of several QoS 2 deliveries are queued', async () => {
    const db = await openMigrated(join(dir, 'hearth.db'));
    databases.push(db);
    const persistence = await openPersistence(db);
    const client = { id: 'dimmer' };
    const publish = (n: number): MqttPacket => ({ cmd: 'publish', topic: 'home/dim', payload: Buffer.from('50%'), qos: 2, brokerId: broker.id, brokerCounter: n });
    for (const n of [1, 2]) {
      await persistence.outgoingEnqueue({ clientId: client.id }, publish(n));
      await persistence.outgoingUpdate(client, { ...publish(n), messageId: 10 + n });
    }
    // PUBRECs of both arrive before the PUBCOMP of the first
    await persistence.outgoingUpdate(client, { cmd: 'pubrel', messageId: 11 });
    await persistence.outgoingUpdate(client, { cmd: 'pubrel', messageId: 12 });
    const queue = await list<MqttPacket>(persistence.outgoingStream(client));
    expect(queue.map(({ cmd, messageId }) => [cmd, messageId])).toStrictEqual([
      ['pubrel', 11],
      ['pubrel', 12],
    ]);
  });

  it('takes a journaled publish out of the journal in the commit that queues it, so a crash cannot deliver it twice', async () => {
    const db = await openMigrated(join(dir, 'hearth.db'));
    databases.push(db);
    const persistence = await openPersistence(db);
    const journalRows = () => (db.prepare('SELECT count(*) AS n FROM mqtt_journal').get() as { n: number }).n;
    await persistence.addSubscriptions({ id: 'meter-log' }, [{ topic: 'meter/#', qos: 1 }]);
    const received: MqttPacket = { cmd: 'publish', topic: 'meter/power', payload: Buffer.from('1200'), qos: 1, retain: false, messageId: 3 };
    expect(persistence.needsJournal({ qos: 1, retain: false, topic: 'meter/power' })).toBe(true);
    await persistence.journal('meter', received);
    expect(journalRows()).toBe(1);
    // Aedes queues its own copy of the publish, which keeps brokerId and brokerCounter (aedes-packet).
    await persistence.outgoingEnqueueCombi([{ clientId: 'meter-log' }], { ...received, messageId: undefined });
    expect(journalRows()).toBe(0);
    expect((await list<MqttPacket>(persistence.outgoingStream({ id: 'meter-log' }))).map((packet) => String(packet.payload))).toEqual(['1200']);
    // Restarted, there is nothing to replay: the message is in its queue, once.
    expect((await openPersistence(db)).takeJournal()).toEqual([]);
  });

  describe('on the connection it shares with TypeORM', () => {
    async function shared(): Promise<{ db: Database.Database; file: string; persistence: SqlitePersistence }> {
      const file = join(dir, 'hearth.db');
      const db = await openMigrated(file);
      databases.push(db);
      return { db, file, persistence: await openPersistence(db) };
    }

    it('lets another transaction begin while writes are pending, commits them after it, and stays out of it', async () => {
      const { db, file, persistence } = await shared();
      db.exec('CREATE TABLE device (name TEXT)');
      let stored = false;
      const write = persistence
        .storeRetained({ topic: 'home/lamp', payload: Buffer.from('on'), qos: 0, retain: true })
        .then(() => (stored = true));
      db.exec('BEGIN TRANSACTION'); // what TypeORM runs for save()
      db.exec("INSERT INTO device VALUES ('lamp')");
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stored).toBe(false);
      db.exec('ROLLBACK'); // the other transaction fails: its row goes, the broker's write must not
      await write;

      const other = open(file);
      databases.push(other);
      expect(other.prepare('SELECT topic FROM mqtt_retained').all()).toStrictEqual([{ topic: 'home/lamp' }]);
      expect(other.prepare('SELECT count(*) AS n FROM device').get()).toStrictEqual({ n: 0 });
    });

    it('rejects every write of a batch that fails to commit, and forgets them', async () => {
      const { db, persistence } = await shared();
      await persistence.storeRetained({ topic: 'home/kept', payload: Buffer.from('1'), qos: 0, retain: true });
      db.exec(`CREATE TRIGGER refuse_wills BEFORE INSERT ON mqtt_will BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
      const results = await Promise.allSettled([
        persistence.storeRetained({ topic: 'home/lost', payload: Buffer.from('2'), qos: 0, retain: true }),
        persistence.putWill({ id: 'plug' }, { topic: 'home/plug/status', payload: Buffer.from('gone'), qos: 0, retain: false }),
      ]);
      expect(results).toMatchObject([
        { status: 'rejected', reason: { message: 'disk on fire' } },
        { status: 'rejected', reason: { message: 'disk on fire' } },
      ]);
      expect((await list<MqttPacket>(persistence.createRetainedStream('#'))).map((packet) => packet.topic)).toStrictEqual(['home/kept']);
      expect(await persistence.getWill({ id: 'plug' })).toBeUndefined();
    });
  });

  it('keeps every acknowledged write when the process is killed', async () => {
    const file = join(dir, 'hearth.db');
    (await openMigrated(file)).close();
    // Acknowledges a fixed state, then enqueues 50 messages per turn, printing the total after each commit.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const [file, persistenceUrl] = process.argv.slice(1);
        const { default: Database } = await import('better-sqlite3');
        const { SqlitePersistence } = await import(persistenceUrl);
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        const persistence = new SqlitePersistence({ db });
        await persistence.setup({ id: 'crashing-hub' });
        const client = { id: 'sensor' };
        await Promise.all([
          persistence.storeRetained({ cmd: 'publish', topic: 'garden/moisture', payload: Buffer.from('41'), qos: 1, retain: true }),
          persistence.addSubscriptions(client, [{ topic: 'garden/#', qos: 1 }]),
          persistence.incomingStorePacket(client, { cmd: 'publish', topic: 'garden/pump', payload: Buffer.from('on'), qos: 2, messageId: 5 }),
          persistence.putWill(client, { topic: 'garden/sensor/status', payload: Buffer.from('lost'), qos: 1, retain: false }),
        ]);
        console.log('acked');
        for (let n = 0; ; ) {
          const writes = [];
          for (const end = n + 50; n < end; n++) {
            const payload = Buffer.from(String(n));
            const packet = { cmd: 'publish', topic: 'garden/log', payload, qos: 1, brokerId: 'crashing-hub', brokerCounter: n + 1 };
            writes.push(persistence.outgoingEnqueue({ clientId: client.id }, packet));
          }
          await Promise.all(writes);
          console.log('acked ' + n);
        }
        `,
        file,
        compiledPersistence,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    let ackedState = false;
    let ackedQueue = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'acked') ackedState = true;
      else if (line.startsWith('acked ')) ackedQueue = Number(line.slice(6));
      if (ackedQueue >= 500) break;
    }
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    expect(ackedState, stderr).toBe(true);

    const db = open(file);
    databases.push(db);
    const reread = await openPersistence(db);
    const client = { id: 'sensor' };
    const retained = await list<MqttPacket>(reread.createRetainedStream('garden/#'));
    expect(retained.map((packet) => packet.payload)).toStrictEqual([Buffer.from('41')]);
    expect(await reread.subscriptionsByTopic('garden/log')).toMatchObject([{ clientId: 'sensor', topic: 'garden/#', qos: 1 }]);
    expect(await reread.incomingGetPacket(client, { messageId: 5 })).toMatchObject({ topic: 'garden/pump', payload: Buffer.from('on') });
    expect(await reread.getWill(client)).toMatchObject({ topic: 'garden/sensor/status', clientId: 'sensor' });
    // Every acknowledged message is there, in order; a batch in progress at the kill is there whole or not at all.
    const payloads = (await list<MqttPacket>(reread.outgoingStream(client))).map((packet) => String(packet.payload));
    expect(payloads.length).toBeGreaterThanOrEqual(ackedQueue);
    expect(payloads.length % 50).toBe(0);
    expect(payloads).toStrictEqual(Array.from({ length: payloads.length }, (_, n) => String(n)));
  });
});
