import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { migrations } from '@hearth/migrations';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { DatabaseWrites } from './database-writes.js';
import { databaseFile, prepareDataDir } from './database-file.js';
import { SQLITE } from './database.tokens.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export { databaseFile };

/**
 * Every connection to the hub's file: WAL + NORMAL survives a killed process (commits are in the OS
 * before they return), only a power cut can lose the last transactions; checkpoints run in
 * WalCheckpointer's worker. Foreign keys on, as TypeORM sets them for the migrations.
 */
export function prepareConnection(db: Database): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
}

/** How TypeORM opens the database to migrate it (the hub at start when a migration is pending, `hearth db migrate`). */
export function dataSourceOptions(config: HubConfig) {
  return {
    type: 'better-sqlite3' as const,
    database: prepareDataDir(config),
    enableWAL: true,
    prepareDatabase: prepareConnection,
    migrations,
    migrationsRun: true,
    synchronize: false,
    logging: ['error' as const],
  };
}

/**
 * The hub's database (and the `hearth` CLI's, beside a running hub), migrated. TypeORM runs the migrations
 * and is loaded only when one is pending: on an up-to-date database the hub opens the file itself, as
 * loading TypeORM took a tenth of a start.
 */
export async function openDatabase(config: HubConfig): Promise<Database> {
  const file = prepareDataDir(config);
  const db = connect(file);
  if (!pendingMigrations(db)) return db;
  db.close();
  const { DataSource } = await import('typeorm');
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  await dataSource.destroy();
  return connect(file);
}

function connect(file: string): Database {
  const db = new BetterSqlite3(file, { timeout: 5000 });
  prepareConnection(db);
  return db;
}

/** Whether a migration has not run on `db`, by the names TypeORM records in its `migrations` table. */
function pendingMigrations(db: Database): boolean {
  if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).get() === undefined) return true;
  const applied = new Set(db.prepare('SELECT name FROM migrations').pluck().all());
  return migrations.some((Migration) => !applied.has(new Migration().name ?? Migration.name));
}

/** The hub's single SQLite file (WAL), migrated at start; no `synchronize`. Closed when the hub stops. */
@Global()
@Module({
  providers: [
    WalCheckpointer,
    DatabaseWrites,
    {
      provide: SQLITE,
      inject: [HUB_CONFIG],
      useFactory: openDatabase,
    },
  ],
  exports: [SQLITE, DatabaseWrites, WalCheckpointer],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(SQLITE) private readonly db: Database) {}

  onApplicationShutdown(): void {
    this.db.close();
  }
}
