import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { migrations } from '@hearth/migrations';
import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { DatabaseWrites } from './database-writes.js';
import { databaseFile, prepareDataDir } from './database-file.js';
import { SQLITE } from './database.tokens.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export { databaseFile };


/** How the hub (and the `hearth` CLI, beside a running hub) opens the database: WAL, migrated. */
export function dataSourceOptions(config: HubConfig) {
  return {
    type: 'better-sqlite3' as const,
    database: prepareDataDir(config),
    enableWAL: true,
    // WAL + NORMAL survives a killed process (commits are in the OS before they return);
    // only a power cut can lose the last transactions. Checkpoints run in WalCheckpointer's worker.
    prepareDatabase: (db: Database) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('wal_autocheckpoint = 0');
      db.pragma('busy_timeout = 5000');
    },
    migrations,
    migrationsRun: true,
    synchronize: false,
    logging: ['error' as const],
  };
}

/** The hub's single SQLite file (WAL), migrated at start; no `synchronize`. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: dataSourceOptions,
    }),
  ],
  providers: [
    WalCheckpointer,
    DatabaseWrites,
    {
      provide: SQLITE,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection,
    },
  ],
  exports: [SQLITE, DatabaseWrites, WalCheckpointer],
})
export class DatabaseModule {}
