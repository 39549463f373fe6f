import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { SQLITE } from './database.tokens.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * Group commit for the hub's own tables (entities, states, history): every write of one event-loop turn
 * in one transaction, whichever repository queued it. Writes are fire-and-forget on the message path;
 * a batch that fails is logged and lost. (The broker's persistence has a batcher of its own: it must
 * reload its mirror when a batch fails.)
 */
@Injectable()
export class DatabaseWrites {
  private readonly batcher: WriteBatcher;

  constructor(@Inject(SQLITE) db: Database, @Inject(ROOT_LOGGER) root: Logger) {
    const log = root.child({ module: 'database' });
    this.batcher = new WriteBatcher(db, (error) => log.error({ err: error }, 'could not store a batch of writes; it is lost'));
  }

  write(statement: Statement, ...params: unknown[]): void {
    this.batcher.write(statement, ...params).catch(() => undefined);
  }

  /** What is queued commits now, so that a read in this turn sees it. */
  commitNow(): void {
    this.batcher.commitNow();
  }

  /** The last batch commits before the database closes. */
  async stop(): Promise<void> {
    await this.batcher.close();
  }
}
