import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeBrokerStore } from '@hearth/broker/store-suite';
import { migrations } from '@hearth/migrations';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBrokerStore } from '../src/broker/sqlite-broker-store.js';

// The crashing child uses the build: run `tsc -b` first.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const compiledStore = pathToFileURL(join(repoRoot, 'apps/hub/dist/src/broker/sqlite-broker-store.js')).href;

function open(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** Runs the migrations up to and including `last` (all by default) on a new database file, as the hub does. */
async function migrate(file: string, last = migrations.at(-1)!): Promise<void> {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: file, migrations: migrations.slice(0, migrations.indexOf(last) + 1) });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
}

describeBrokerStore('SqliteBrokerStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-broker-store-'));
  const file = join(dir, 'hearth.db');
  await migrate(file);
  const opened: Array<{ db: Database.Database; store: SqliteBrokerStore }> = [];
  const openStore = () => {
    const db = open(file);
    const store = new SqliteBrokerStore(db);
    opened.push({ db, store });
    return store;
  };
  return {
    store: openStore(),
    reopen: async () => openStore(),
    dispose: async () => {
      for (const { db, store } of opened) {
        await store.close();
        db.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteBrokerStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-broker-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps $SYS retained messages out of the file: the hub publishes them afresh', async () => {
    const file = join(dir, 'hearth.db');
    await migrate(file);
    const db = open(file);
    const store = new SqliteBrokerStore(db);
    const retained = (topic: string, payload: string) => ({ topic, payload: Buffer.from(payload), qos: 0 as const, retain: true, properties: {}, expiresAt: 0 });
    await Promise.all([store.putRetained(retained('$SYS/broker/uptime', '10 seconds')), store.putRetained(retained('garden/moisture', '41'))]);
    await store.deleteRetained('$SYS/broker/version');
    expect((await store.load()).retained.map((message) => message.topic)).toEqual(['garden/moisture']);
    await store.close();
    db.close();
  });

  it('keeps every acknowledged write when the process is killed', async () => {
    const file = join(dir, 'hearth.db');
    await migrate(file);
    // Acknowledges a fixed state, then queues 50 messages per turn, printing the total after each commit.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const [file, storeUrl] = process.argv.slice(1);
        const { default: Database } = await import('better-sqlite3');
        const { SqliteBrokerStore } = await import(storeUrl);
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        const store = new SqliteBrokerStore(db);
        const message = (topic, payload, qos) => ({ topic, payload: Buffer.from(payload), qos, retain: false, properties: {}, expiresAt: 0 });
        await Promise.all([
          store.putRetained({ ...message('garden/moisture', '41', 1), retain: true }),
          store.saveSession({ clientId: 'sensor', expiryInterval: 0xffffffff, disconnectedAt: null, will: { ...message('garden/sensor/status', 'lost', 1), delayInterval: 0, expiryInterval: 0 } }),
          store.saveSubscription('sensor', { filter: 'garden/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, identifier: 0 }),
          store.addIncoming('sensor', 5),
        ]);
        console.log('acked');
        for (let n = 0; ; ) {
          const writes = [];
          for (const end = n + 50; n < end; n++) {
            writes.push(store.addOutgoing('sensor', { packetId: (n % 65535) + 1, message: message('garden/log', String(n), 1), qos: 1, retain: false, subscriptionIdentifiers: [] }));
          }
          await Promise.all(writes);
          console.log('acked ' + n);
        }
        `,
        file,
        compiledStore,
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
    const { sessions, retained } = await new SqliteBrokerStore(db).load();
    db.close();
    expect(retained.map((message) => message.payload)).toStrictEqual([Buffer.from('41')]);
    const [sensor] = sessions;
    expect(sensor).toMatchObject({ clientId: 'sensor', will: { topic: 'garden/sensor/status' }, subscriptions: [{ filter: 'garden/#', qos: 1 }], incoming: [5] });
    // Every acknowledged message is there, in order; a batch in progress at the kill is there whole or not at all.
    const payloads = sensor.outgoing.map((entry) => String(entry.message!.payload));
    expect(payloads.length).toBeGreaterThanOrEqual(ackedQueue);
    expect(payloads.length % 50).toBe(0);
    expect(payloads).toStrictEqual(Array.from({ length: payloads.length }, (_, n) => String(n)));
  });

  it('loads what Aedes kept, after the upgrade migration: retained, sessions, queues, QoS 2 awaiting PUBREL, wills, the journal', async () => {
    const file = join(dir, 'hearth.db');
    const upgrade = migrations.find((migration) => migration.name === 'BrokerCore1765300000000')!;
    await migrate(file, migrations[migrations.indexOf(upgrade) - 1]);
    const db = open(file);
    const packet = `cmd, broker_id, broker_counter, topic, payload, qos, retain, dup, message_id, extra`;
    db.prepare(`INSERT INTO mqtt_retained (${packet}) VALUES ('publish', 'b', 1, 'house/mode', ?, 1, 1, 0, NULL, ?)`).run(
      Buffer.from('away'),
      JSON.stringify({ properties: { contentType: 'text/plain', userProperties: { by: ['alice', 'bob'] } } }),
    );
    // A string payload is stored as TEXT.
    db.prepare(`INSERT INTO mqtt_retained (${packet}) VALUES ('publish', 'b', 2, 'house/temp', '21.5', 0, 1, 0, NULL, NULL)`).run();
    db.prepare(`INSERT INTO mqtt_subscription VALUES ('logger', 'garden/#', 1, 0, 1, 0, 4), ('logger', 'house/+', 0, NULL, NULL, NULL, NULL)`).run();
    // In flight under Packet Identifier 7, queued without one, and a QoS 2 delivery the client PUBRECed (only PUBREL left).
    db.prepare(`INSERT INTO mqtt_outgoing (seq, client_id, ${packet}) VALUES (1, 'logger', 'publish', 'b', 3, 'garden/a', ?, 1, 0, 0, 7, NULL)`).run(Buffer.from('a'));
    db.prepare(`INSERT INTO mqtt_outgoing (seq, client_id, ${packet}) VALUES (2, 'logger', 'publish', 'b', 4, 'garden/b', ?, 2, 0, 0, NULL, NULL)`).run(Buffer.from('b'));
    db.prepare(`INSERT INTO mqtt_outgoing (seq, client_id, ${packet}) VALUES (3, 'logger', 'pubrel', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 8, NULL)`).run();
    // Acknowledged, not yet routed: a QoS 2 message awaiting PUBREL, a journaled QoS 1 one.
    db.prepare(`INSERT INTO mqtt_incoming (client_id, ${packet}) VALUES ('pump', 'publish', 'b', 5, 'garden/pump', ?, 2, 0, 0, 3, NULL)`).run(Buffer.from('on'));
    db.prepare(`INSERT INTO mqtt_journal (seq, client_id, ${packet}) VALUES (9, 'rain', 'publish', 'b', 6, 'garden/rain', ?, 1, 1, 0, 9, NULL)`).run(Buffer.from('12mm'));
    db.prepare(`INSERT INTO mqtt_will (client_id, ${packet}) VALUES ('plug', NULL, 'b', NULL, 'devices/plug/status', ?, 1, 1, NULL, NULL, ?)`).run(
      Buffer.from('offline'),
      JSON.stringify({ properties: { willDelayInterval: 30 } }),
    );
    db.close();

    await migrate(file);
    const reopened = open(file);
    const { sessions, retained } = await new SqliteBrokerStore(reopened).load();
    reopened.close();
    expect([...retained].sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'garden/rain', payload: Buffer.from('12mm'), qos: 1, retain: true, properties: {}, expiresAt: 0 },
      { topic: 'house/mode', payload: Buffer.from('away'), qos: 1, retain: true, properties: { contentType: 'text/plain', userProperties: [['by', 'alice'], ['by', 'bob']] }, expiresAt: 0 },
      { topic: 'house/temp', payload: Buffer.from('21.5'), qos: 0, retain: true, properties: {}, expiresAt: 0 },
    ]);
    const byId = new Map(sessions.map((session) => [session.clientId, session]));
    const logger = byId.get('logger')!;
    expect(logger).toMatchObject({ expiryInterval: 0xffff_ffff, disconnectedAt: null, will: null, incoming: [] });
    expect([...logger.subscriptions].sort((a, b) => a.filter.localeCompare(b.filter))).toEqual([
      { filter: 'garden/#', qos: 1, noLocal: false, retainAsPublished: true, retainHandling: 0, identifier: 4 },
      { filter: 'house/+', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, identifier: 0 },
    ]);
    expect(logger.outgoing.map(({ packetId, message, qos }) => [packetId, message && String(message.payload), qos])).toEqual([
      [7, 'a', 1],
      [1, 'b', 2],
      [8, null, 2],
      [2, '12mm', 1],
      [3, 'on', 1],
    ]);
    expect(byId.get('pump')).toMatchObject({ expiryInterval: 0, incoming: [3] });
    expect(byId.get('plug')).toMatchObject({ expiryInterval: 0, will: { topic: 'devices/plug/status', payload: Buffer.from('offline'), qos: 1, retain: true, delayInterval: 30, expiryInterval: 0 } });
    expect(byId.has('rain')).toBe(false);
  });
});
