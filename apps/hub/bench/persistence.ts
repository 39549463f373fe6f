// Micro-benchmark: SqlitePersistence against aedes-persistence's in-memory implementation.
// Build, then: node apps/hub/dist/bench/persistence.js
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { migrations } from '@hearth/migrations';
import type { QueryRunner } from 'typeorm';
import { SqlitePersistence, type MqttPacket } from '../src/broker/sqlite-persistence.js';

type Persistence = Pick<
  SqlitePersistence,
  'setup' | 'storeRetained' | 'outgoingEnqueue' | 'outgoingUpdate' | 'outgoingClearMessageId' | 'destroy'
>;

const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new () => Persistence;

const OPERATIONS = 50_000;
// update+clear pairs run on queues this deep, like a reconnecting client's backlog, not on one 50k queue
const QUEUE_DEPTH = 1000;
const payload = Buffer.alloc(64, 'x');
const broker = { id: 'bench' };
const client = { id: 'subscriber' };

/** Milliseconds to run `operation(from..to-1)`, `concurrency` at a time. */
async function time(concurrency: number, from: number, to: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = from; i < to; i += concurrency) {
    const window: Array<Promise<unknown>> = [];
    for (let j = i; j < Math.min(i + concurrency, to); j++) window.push(operation(j));
    await Promise.all(window);
  }
  return performance.now() - start;
}

const perSecond = (milliseconds: number): number => Math.round(OPERATIONS / (milliseconds / 1000));

const publish = (i: number): MqttPacket => ({
  cmd: 'publish',
  topic: `home/sensor/${i % 1000}`,
  payload,
  qos: 1,
  retain: false,
  dup: false,
  brokerId: broker.id,
  brokerCounter: i + 1,
});

async function measure(create: () => Promise<Persistence>, concurrency: number): Promise<Record<string, number>> {
  const retained = await create();
  const storeRetained = await time(concurrency, 0, OPERATIONS, (i) => retained.storeRetained({ ...publish(i), retain: true }));
  await retained.destroy();

  const offline = await create();
  const enqueue = await time(concurrency, 0, OPERATIONS, (i) => offline.outgoingEnqueue({ clientId: client.id }, publish(i)));
  await offline.destroy();

  const online = await create();
  let updateAndClear = 0;
  for (let from = 0; from < OPERATIONS; from += QUEUE_DEPTH) {
    await time(QUEUE_DEPTH, from, from + QUEUE_DEPTH, (i) => online.outgoingEnqueue({ clientId: client.id }, publish(i)));
    updateAndClear += await time(concurrency, from, from + QUEUE_DEPTH, async (i) => {
      const packet = { ...publish(i), messageId: (i % 65535) + 1 };
      await online.outgoingUpdate(client, packet);
      await online.outgoingClearMessageId(client, packet);
    });
  }
  await online.destroy();
  return { storeRetained: perSecond(storeRetained), enqueue: perSecond(enqueue), updateAndClear: perSecond(updateAndClear) };
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
const databases: Database.Database[] = [];

async function memory(): Promise<Persistence> {
  const persistence = new MemoryPersistence();
  await persistence.setup(broker);
  return persistence;
}

async function sqlite(): Promise<Persistence> {
  const db = new Database(join(dir, `${databases.length}.db`));
  databases.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const Migration = migrations.find((migration) => migration.name === 'BrokerPersistence1764150000000')!;
  await new Migration().up({ query: async (sql: string) => db.exec(sql) } as unknown as QueryRunner);
  const persistence = new SqlitePersistence({ db });
  await persistence.setup(broker);
  return persistence;
}

try {
  for (const concurrency of [1, 64]) {
    const rows = { memory: await measure(memory, concurrency), sqlite: await measure(sqlite, concurrency) };
    console.log(`\n${OPERATIONS} operations, ${concurrency} in flight (ops/s; updateAndClear counts pairs)`);
    console.table(rows);
  }
} finally {
  databases.forEach((db) => db.close());
  rmSync(dir, { recursive: true, force: true });
}
