import { stat } from 'node:fs/promises';
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
/** Checks that found no write after which the worker ends (a thread costs ~10 MB); the next write starts one. */
const IDLE_CHECKS = 12;

// Runs in the worker: its own connection, so a checkpoint (which writes and syncs the database file)
// never blocks the hub's event loop the way SQLite's automatic checkpoint inside a COMMIT does.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('node:module').createRequire(workerData.from)('better-sqlite3');
const db = new Database(workerData.file, { timeout: 5000 });
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    process.exit(0);
  }
  try {
    // PASSIVE copies the log without holding up the hub's writes; but under steady writes there is always
    // a commit during it, so the log would never start over. Once it is large, a RESTART, with only the
    // last frames left to copy, briefly holds writers off and lets the next commit start the log afresh.
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
});
`;

/**
 * Checkpoints the write-ahead log in a worker thread. The hub's connections have automatic checkpoints
 * off (`wal_autocheckpoint = 0`): one inside a COMMIT stalls every message for tens of milliseconds.
 * The event loop only looks at the log's modification time every interval: the worker runs while
 * there are writes to checkpoint, and a quiet hub has none.
 */
@Injectable()
export class WalCheckpointer {
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  /**
   * The log's modification time when a checkpoint was last asked for. The first look only notes it: what
   * the start wrote (migrations, settings) waits for the next write or the close, rather than holding a
   * thread in a hub that then stays quiet.
   */
  private checkpointedWrite?: number;
  private looked = false;
  /** A write in the same clock tick as the last look would not change the time: one more checkpoint follows a change. */
  private followUp = false;
  private idleChecks = 0;
  private readonly log: Logger;
  private readonly walFile: string;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'database' });
    this.walFile = `${databaseFile(config)}-wal`;
  }

  start(): void {
    this.timer = setInterval(() => (this.checking ??= this.check().finally(() => (this.checking = undefined))), this.config.database.checkpointInterval);
    this.timer.unref();
  }

  /** Whether the worker thread is running now (it is only while there are writes). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await this.stopWorker();
  }

  private async check(): Promise<void> {
    const written = (await stat(this.walFile).catch(() => undefined))?.mtimeMs;
    const changed = written !== undefined && written !== this.checkpointedWrite;
    if (!this.looked) {
      this.looked = true;
      this.checkpointedWrite = written;
    } else if (changed || this.followUp) {
      this.checkpointedWrite = written;
      this.followUp = changed;
      this.idleChecks = 0;
      (this.worker ??= this.startWorker()).postMessage('checkpoint');
    } else if (this.worker && ++this.idleChecks >= IDLE_CHECKS) await this.stopWorker();
  }

  private startWorker(): Worker {
    const workerData = { file: databaseFile(this.config), restartFrames: RESTART_FRAMES, from: fileURLToPath(import.meta.url) };
    const worker = new Worker(WORKER, { eval: true, workerData });
    worker.on('message', (reason: string) => this.log.warn({ reason }, 'a WAL checkpoint failed; the next one retries'));
    worker.on('error', (error) => this.log.error({ err: error }, 'the WAL checkpoint worker stopped'));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.unref();
    return worker;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Held by the worker alone, the event loop would end before the worker's exit arrives.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }
}
