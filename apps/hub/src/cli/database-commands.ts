import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { HubConfig } from '../config/config.schema.js';
import { databaseFile } from '../database/database.module.js';
import type { Command } from './command.js';
import { print } from './io.js';

// Loaded on use: `--help` should not wait for the native module.
const openSqlite = async (file: string, options?: { timeout?: number }): Promise<SqliteDatabase> => {
  const { default: Database } = await import('better-sqlite3');
  return new Database(file, { fileMustExist: true, ...options });
};

/** `hearth db migrate`, `hearth backup`, `hearth restore`: the SQLite file in HEARTH_DATA_DIR. */
export function databaseCommands(config: HubConfig): Command[] {
  const database = databaseFile(config);
  return [
    {
      name: 'db migrate',
      summary: 'Apply pending migrations to the database in HEARTH_DATA_DIR (the hub also does at start).',
      args: [],
      details: ['Creates the database when there is none. Prints each migration it ran.'],
      async run() {
        const [{ DataSource }, { dataSourceOptions }] = await Promise.all([import('typeorm'), import('../database/database.module.js')]);
        const dataSource = new DataSource({ ...dataSourceOptions(config), migrationsRun: false });
        await dataSource.initialize();
        try {
          const ran = await dataSource.runMigrations({ transaction: 'each' });
          for (const migration of ran) print(`applied ${migration.name}`);
          print(ran.length === 0 ? `${database} is up to date` : `${database}: ${ran.length} migrations applied`);
        } finally {
          await dataSource.destroy();
        }
      },
    },
    {
      name: 'backup',
      summary: 'Write a consistent copy of the database to a file; safe while the hub runs.',
      args: ['<file>'],
      details: ['Prints the path and size of the copy. An existing file is replaced.'],
      async run({ positionals: [file] }) {
        const target = resolve(file);
        if (!existsSync(database)) throw new Error(`no database at ${database}`);
        const db = await openSqlite(database, { timeout: 5000 });
        // VACUUM INTO reads one snapshot (WAL: the hub keeps writing meanwhile) into a fresh file; it refuses
        // an existing one, so it writes beside the target and the rename replaces it whole.
        const partial = `${target}.partial-${process.pid}`;
        try {
          rmSync(partial, { force: true });
          db.prepare('VACUUM INTO ?').run(partial);
          // A backup holds what the database holds (password hashes): the owner's alone, as the original.
          chmodSync(partial, 0o600);
        } finally {
          db.close();
        }
        renameSync(partial, target);
        print(`${target} ${statSync(target).size} bytes`);
      },
    },
    {
      name: 'restore',
      summary: 'Replace the database with a backup; only while the hub is stopped.',
      args: ['<file>'],
      details: [
        'The file must be a Hearth database (it has the migrations table). The current database is kept',
        'as hearth.db.bak-<time> beside it. Refused while the hub or any other program has the database open.',
      ],
      async run({ positionals: [file] }) {
        mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
        // A copy next to the database: checked there, then renamed into place in one step.
        const incoming = `${database}.restore-${process.pid}`;
        copyFileSync(resolve(file), incoming);
        chmodSync(incoming, 0o600);
        try {
          const migrations = await checkHearthDatabase(incoming, file);
          const kept = existsSync(database) ? await setAside(database) : null;
          renameSync(incoming, database);
          print(`restored ${resolve(file)} (${migrations} migrations) to ${database}`);
          if (kept) print(`the previous database is ${kept}`);
        } finally {
          rmSync(incoming, { force: true });
        }
      },
    },
  ];
}

/** Resolves with the number of migrations the file has applied; rejects when it is not a sound Hearth database. */
async function checkHearthDatabase(copy: string, name: string): Promise<number> {
  const db = await openSqlite(copy);
  try {
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).get();
    if (!hasTable) throw new Error(`${name} is not a Hearth database: it has no migrations table`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${name} is damaged: ${String(check)}`);
    return (db.prepare('SELECT count(*) AS n FROM migrations').get() as { n: number }).n;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    throw code === 'SQLITE_NOTADB' ? new Error(`${name} is not a Hearth database: ${message}`) : error;
  } finally {
    db.close();
  }
}

/**
 * Moves the database aside as hearth.db.bak-<time>, complete (its WAL folded in), under an exclusive
 * lock. Every open WAL connection holds a shared lock on the file for as long as it is open, idle or
 * not, and the system drops it when the process ends, even by kill -9: so a refused exclusive lock
 * means a running hub (or another program using the database), and a granted one keeps a hub from
 * opening it until the backup is in place.
 */
async function setAside(database: string): Promise<string> {
  const db = await openSqlite(database, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      throw new Error(`the hub (or another program) has ${database} open: stop it first`);
    }
    db.pragma('journal_mode = DELETE');
    const kept = `${database}.bak-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`;
    renameSync(database, kept);
    // What a killed hub left: its shared-memory index would not match the restored file.
    for (const suffix of ['-wal', '-shm']) rmSync(database + suffix, { force: true });
    return kept;
  } finally {
    db.close();
  }
}
