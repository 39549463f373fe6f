import { Inject, Injectable } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';

export interface SessionRow {
  tokenHash: string;
  userId: number;
  lastUsedAt: number;
  expiresAt: number;
}

/** Server-side login sessions (table `session`), keyed by the SHA-256 of their token. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(SQLITE) private readonly db: Database) {}

  insert(session: SessionRow): void {
    this.db
      .prepare(`INSERT INTO "session" ("token_hash", "user_id", "created_at", "last_used_at", "expires_at") VALUES (?, ?, ?, ?, ?)`)
      .run(session.tokenHash, session.userId, session.lastUsedAt, session.lastUsedAt, session.expiresAt);
  }

  find(tokenHash: string): SessionRow | undefined {
    return this.db
      .prepare<[string], SessionRow>(`SELECT "token_hash" AS tokenHash, "user_id" AS userId, "last_used_at" AS lastUsedAt, "expires_at" AS expiresAt FROM "session" WHERE "token_hash" = ?`)
      .get(tokenHash);
  }

  touch(tokenHash: string, lastUsedAt: number, expiresAt: number): void {
    this.db.prepare(`UPDATE "session" SET "last_used_at" = ?, "expires_at" = ? WHERE "token_hash" = ?`).run(lastUsedAt, expiresAt, tokenHash);
  }

  delete(tokenHash: string): boolean {
    return this.db.prepare(`DELETE FROM "session" WHERE "token_hash" = ?`).run(tokenHash).changes > 0;
  }

  /** Every session of a person but `keep` (a password change signs out the other browsers). */
  deleteForUser(userId: number, keep: string | null = null): void {
    this.db.prepare(`DELETE FROM "session" WHERE "user_id" = ? AND "token_hash" IS NOT ?`).run(userId, keep);
  }

  deleteExpired(now: number): void {
    this.db.prepare(`DELETE FROM "session" WHERE "expires_at" <= ?`).run(now);
  }
}
