// aedes-persistence's shared test suite against the compiled SqlitePersistence, each instance on a fresh
// SQLite file migrated like the hub's. Run with `node --test` after building (migrations and hub).
import { after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '@hearth/migrations';
import { SqlitePersistence } from '../dist/src/broker/sqlite-persistence.js';

const require = createRequire(import.meta.url);
const abstractPersistence = require('aedes-persistence/abstract.js');
const BrokerPersistence = migrations.find((Migration) => Migration.name === 'BrokerPersistence1764150000000');

const dir = mkdtempSync(join(tmpdir(), 'hearth-persistence-'));
const databases = [];
after(() => {
  for (const db of databases) db.close();
  rmSync(dir, { recursive: true, force: true });
});

abstractPersistence({
  test,
  testAsync: true,
  persistence: async () => {
    const db = new Database(join(dir, `${databases.length}.db`));
    databases.push(db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    await new BrokerPersistence().up({ query: async (sql) => db.exec(sql) });
    return new SqlitePersistence({ db });
  },
});
