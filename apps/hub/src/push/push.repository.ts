import { Inject, Injectable } from '@nestjs/common';
import type { PushSubscriptionJson, VapidKeys } from '@hearth/web-push';
import type { Database, Statement } from 'better-sqlite3';
import type { AuthUser } from '../auth/sessions.service.js';
import { SQLITE } from '../database/database.tokens.js';

export interface StoredSubscription extends PushSubscriptionJson {
  id: number;
  createdAt: number;
  /** The person it belongs to, with the areas they may see. */
  user: AuthUser;
}

interface Row {
  id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
  user_id: number;
  username: string;
  role: AuthUser['role'];
  areas: string | null;
}

const toSubscription = (row: Row): StoredSubscription => ({
  id: row.id,
  endpoint: row.endpoint,
  keys: { p256dh: row.p256dh, auth: row.auth },
  createdAt: row.created_at,
  user: { id: row.user_id, username: row.username, role: row.role, areas: row.areas === null ? null : (JSON.parse(row.areas) as string[]) },
});

const SELECT = `SELECT s.id, s.endpoint, s.p256dh, s.auth, s.created_at, u.id AS user_id, u.username, u.role, u.areas FROM push_subscription s JOIN "user" u ON u.id = s.user_id`;

/** The hub's VAPID keys (`web_push_key`) and people's push subscriptions (`push_subscription`). */
@Injectable()
export class PushRepository {
  private readonly sql: Record<'key' | 'insertKey' | 'all' | 'ofUser' | 'byEndpoint' | 'upsert' | 'remove' | 'removeEndpoint', Statement>;

  constructor(@Inject(SQLITE) db: Database) {
    this.sql = {
      key: db.prepare('SELECT public_key, private_key FROM web_push_key WHERE id = 1'),
      insertKey: db.prepare('INSERT INTO web_push_key (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      all: db.prepare(`${SELECT} ORDER BY s.id`),
      ofUser: db.prepare(`${SELECT} WHERE s.user_id = ? ORDER BY s.id`),
      byEndpoint: db.prepare(`${SELECT} WHERE s.endpoint = ?`),
      // A browser subscribing again (new keys, or another person signed in on it) replaces its old subscription.
      upsert: db.prepare(
        'INSERT INTO push_subscription (user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at',
      ),
      remove: db.prepare('DELETE FROM push_subscription WHERE id = ? AND user_id = ?'),
      removeEndpoint: db.prepare('DELETE FROM push_subscription WHERE endpoint = ?'),
    };
  }

  /** The stored keys, or `make()`'s, stored now: made once, on first use. */
  keys(make: () => VapidKeys): VapidKeys {
    const row = this.sql.key.get() as { public_key: string; private_key: string } | undefined;
    if (row) return { publicKey: row.public_key, privateKey: row.private_key };
    const made = make();
    this.sql.insertKey.run(made.publicKey, made.privateKey, Date.now());
    return this.keys(() => made);
  }

  all(): StoredSubscription[] {
    return (this.sql.all.all() as Row[]).map(toSubscription);
  }

  ofUser(userId: number): StoredSubscription[] {
    return (this.sql.ofUser.all(userId) as Row[]).map(toSubscription);
  }

  save(userId: number, subscription: PushSubscriptionJson): StoredSubscription {
    this.sql.upsert.run(userId, subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth, Date.now());
    return toSubscription(this.sql.byEndpoint.get(subscription.endpoint) as Row);
  }

  /** Removes one of the person's own subscriptions; false when they have none with that id. */
  remove(id: number, userId: number): boolean {
    return this.sql.remove.run(id, userId).changes > 0;
  }

  removeEndpoint(endpoint: string): void {
    this.sql.removeEndpoint.run(endpoint);
  }
}
