import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeDataDir, tempDataDir } from '../../test/support/test-hub.js';
import { loadConfig } from '../config/load-config.js';
import { databaseFile, prepareConnection } from './database.module.js';
import { WalCheckpointer } from './wal-checkpointer.js';

describe('WalCheckpointer', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
  });

  it('runs its thread while there are writes to checkpoint, and ends it once the hub is quiet', async () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ env: { HEARTH_DATA_DIR: dataDir, HEARTH_DB_CHECKPOINT_INTERVAL: '50' }, cwd: dataDir });
    // The hub's own connection settings: WAL, no automatic checkpoints.
    const db = new Database(databaseFile(config));
    prepareConnection(db);
    db.exec('CREATE TABLE t (n INTEGER)');
    const checkpointer = new WalCheckpointer(config, pino({ level: 'silent' }));
    cleanup.push(() => removeDataDir(dataDir), () => db.close(), () => checkpointer.stop());
    checkpointer.start();
    // Frames in the log, from the WAL index header (mxFrame), as broker.durability.test.ts reads them.
    const frames = () => readFileSync(`${databaseFile(config)}-shm`).readUInt32LE(16);

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(checkpointer.running).toBe(false); // what came before its first look waits

    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let n = 0; n < 1500; n++) insert.run(n);
    await vi.waitFor(() => expect(checkpointer.running).toBe(true), { timeout: 10_000 });
    // Checkpointed and restarted (over 1000 frames): the next commit starts the log afresh.
    await vi.waitFor(
      () => {
        insert.run(-1);
        expect(frames()).toBeLessThan(50);
      },
      { timeout: 10_000, interval: 100 },
    );
    await vi.waitFor(() => expect(checkpointer.running).toBe(false), { timeout: 10_000 });
    insert.run(-2);
    await vi.waitFor(() => expect(checkpointer.running).toBe(true), { timeout: 10_000 });
  });
});
