import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';

export type Role = 'admin' | 'user';

export interface User {
  id: number;
  username: string;
  passwordHash: string;
  role: Role;
  /** Areas the person is restricted to; null = every area. */
  areas: string[] | null;
  createdAt: number;
}

interface Row {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  areas: string | null;
  created_at: number;
}

const toUser = (row: Row): User => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  role: row.role,
  areas: row.areas === null ? null : (JSON.parse(row.areas) as string[]),
  createdAt: row.created_at,
});

/** People who sign in to the dashboard and API (table `user`); usernames compare case-insensitively. */
@Injectable()
export class UsersRepository {
  // Prepared once: every sign-in, over MQTT too, looks a name up.
  private readonly byName: Statement<[string], Row>;
  private readonly byId: Statement<[number], Row>;

  constructor(@Inject(SQLITE) private readonly db: Database) {
    this.byName = db.prepare(`SELECT * FROM "user" WHERE "username" = ?`);
    this.byId = db.prepare(`SELECT * FROM "user" WHERE "id" = ?`);
  }

  findByName(username: string): User | undefined {
    const row = this.byName.get(username);
    return row && toUser(row);
  }

  findById(id: number): User | undefined {
    const row = this.byId.get(id);
    return row && toUser(row);
  }

  list(): User[] {
    return this.db.prepare<[], Row>(`SELECT * FROM "user" ORDER BY "username"`).all().map(toUser);
  }

  countAdmins(): number {
    return this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "user" WHERE "role" = 'admin'`).get()!.n;
  }

  insert(user: Pick<User, 'username' | 'passwordHash' | 'role' | 'areas'>): User {
    const now = Date.now();
    const { lastInsertRowid } = this.db
      .prepare(`INSERT INTO "user" ("username", "password_hash", "role", "areas", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?)`)
      .run(user.username, user.passwordHash, user.role, user.areas === null ? null : JSON.stringify(user.areas), now, now);
    return this.findById(Number(lastInsertRowid))!;
  }

  update(id: number, changes: Partial<Pick<User, 'passwordHash' | 'role' | 'areas'>>): void {
    const current = this.findById(id);
    if (!current) return;
    const next = { ...current, ...changes };
    this.db
      .prepare(`UPDATE "user" SET "password_hash" = ?, "role" = ?, "areas" = ?, "updated_at" = ? WHERE "id" = ?`)
      .run(next.passwordHash, next.role, next.areas === null ? null : JSON.stringify(next.areas), Date.now(), id);
  }

  delete(id: number): void {
    this.db.prepare(`DELETE FROM "session" WHERE "user_id" = ?`).run(id);
    this.db.prepare(`DELETE FROM "user" WHERE "id" = ?`).run(id);
  }

  /** Runs `work` in one transaction (a check and the write it guards, e.g. "not the last admin"). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }
}
