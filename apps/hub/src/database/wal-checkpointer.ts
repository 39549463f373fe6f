import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { databaseFile } from './database-file.js';

/** Log size (4 kB pages) above which a checkpoint also restarts the log: about 4 MB. */
const RESTART_FRAMES = 1000;

// Runs in the worker: its own connection, so a checkpoint (which writes and syncs the database file)
// never blocks the hub's event loop the way SQLite's automatic checkpoint inside a COMMIT does.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('node:module').createRequire(workerData.from)('better-sqlite3');
const db = new Database(workerData.file, { timeout: 5000 });
const timer = setInterval(() => {
  try {
    // PASSIVE copies the log without holding up the hub's writes; but under steady writes there is always
    // a commit during it, so the log would never start over. Once it is large, a RESTART, with only the
    // last frames left to copy, briefly holds writers off and lets the next commit start the log afresh.
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.interval);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

/**
 * Checkpoints the write-ahead log in a worker thread. The hub's connections have automatic checkpoints
 * off (`wal_autocheckpoint = 0`): one inside a COMMIT stalls every message for tens of milliseconds.
 */
@Injectable()
export class WalCheckpointer {
  private worker?: Worker;
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'database' });
  }

  start(): void {
    const workerData = { file: databaseFile(this.config), interval: this.config.database.checkpointInterval, restartFrames: RESTART_FRAMES, from: fileURLToPath(import.meta.url) };
    this.worker = new Worker(WORKER, { eval: true, workerData });
    this.worker.on('message', (reason: string) => this.log.warn({ reason }, 'a WAL checkpoint failed; the next one retries'));
    this.worker.on('error', (error) => this.log.error({ err: error }, 'the WAL checkpoint worker stopped'));
    this.worker.unref();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Held by the worker alone, the event loop would end before the worker's exit arrives.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }
}
