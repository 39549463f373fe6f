import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';
import type { DeviceKind } from '@hearth/api-types';
import type { AclRule } from './acl.js';

export interface DeviceCredential {
  id: number;
  username: string;
  passwordHash: string;
  kind: DeviceKind;
  topic: string;
  topicPrefix: string | null;
  source: 'hearth' | 'mosquitto';
  createdAt: number;
  revokedAt: number | null;
}

const COLUMNS = `"id", "username", "password_hash" AS passwordHash, "kind", "topic", "topic_prefix" AS topicPrefix, "source", "created_at" AS createdAt, "revoked_at" AS revokedAt`;

/** MQTT device credentials (table `device_credential`) and imported Mosquitto ACL rules (`mqtt_acl_rule`). */
@Injectable()
export class DeviceCredentialsRepository {
  // Prepared once: every device sign-in, and every MQTT-SN CONNECT, looks a name up.
  private readonly byName: Statement<[string], DeviceCredential>;
  private readonly byId: Statement<[number], DeviceCredential>;
  private readonly addressesOf: Statement<[number], { address: string }>;

  constructor(@Inject(SQLITE) private readonly db: Database) {
    this.byName = db.prepare(`SELECT ${COLUMNS} FROM "device_credential" WHERE "username" = ?`);
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM "device_credential" WHERE "id" = ?`);
    this.addressesOf = db.prepare(`SELECT "address" FROM "device_sn_address" WHERE "credential_id" = ? ORDER BY "address"`);
  }

  findByName(username: string): DeviceCredential | undefined {
    return this.byName.get(username);
  }

  findById(id: number): DeviceCredential | undefined {
    return this.byId.get(id);
  }

  list(): DeviceCredential[] {
    return this.db.prepare<[], DeviceCredential>(`SELECT ${COLUMNS} FROM "device_credential" ORDER BY "username"`).all();
  }

  /** Inserts, or replaces the hash (and un-revokes) of an existing username: re-importing a password file updates it. */
  upsert(credential: Pick<DeviceCredential, 'username' | 'passwordHash' | 'kind' | 'topic' | 'topicPrefix' | 'source'>): DeviceCredential {
    this.db
      .prepare(
        `INSERT INTO "device_credential" ("username", "password_hash", "kind", "topic", "topic_prefix", "source", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT ("username") DO UPDATE SET "password_hash" = excluded."password_hash", "revoked_at" = NULL`,
      )
      .run(credential.username, credential.passwordHash, credential.kind, credential.topic, credential.topicPrefix, credential.source, Date.now());
    return this.findByName(credential.username)!;
  }

  setPassword(id: number, passwordHash: string): void {
    this.db.prepare(`UPDATE "device_credential" SET "password_hash" = ? WHERE "id" = ?`).run(passwordHash, id);
  }

  revoke(id: number): void {
    this.db.prepare(`UPDATE "device_credential" SET "revoked_at" = ? WHERE "id" = ? AND "revoked_at" IS NULL`).run(Date.now(), id);
  }

  delete(id: number): void {
    const credential = this.findById(id);
    if (!credential) return;
    this.db.prepare(`DELETE FROM "mqtt_acl_rule" WHERE "username" = ?`).run(credential.username);
    this.db.prepare(`DELETE FROM "device_sn_address" WHERE "credential_id" = ?`).run(id);
    this.db.prepare(`DELETE FROM "device_credential" WHERE "id" = ?`).run(id);
  }

  /** The addresses an MQTT-SN sensor may prove it is this device from (table `device_sn_address`). */
  snAddresses(id: number): string[] {
    return this.addressesOf.all(id).map((row) => row.address);
  }

  addSnAddresses(id: number, addresses: string[]): void {
    const insert = this.db.prepare(`INSERT OR IGNORE INTO "device_sn_address" ("credential_id", "address", "created_at") VALUES (?, ?, ?)`);
    for (const address of addresses) insert.run(id, address, Date.now());
  }

  removeSnAddress(id: number, address: string): boolean {
    return this.db.prepare(`DELETE FROM "device_sn_address" WHERE "credential_id" = ? AND "address" = ?`).run(id, address).changes > 0;
  }

  /** A device's own rules plus every pattern rule. */
  rulesFor(username: string): AclRule[] {
    return this.db
      .prepare<[string], AclRule>(`SELECT "username", "access", "filter" FROM "mqtt_acl_rule" WHERE "username" = ? OR "username" IS NULL ORDER BY "id"`)
      .all(username);
  }

  allRules(): AclRule[] {
    return this.db.prepare<[], AclRule>(`SELECT "username", "access", "filter" FROM "mqtt_acl_rule" ORDER BY "id"`).all();
  }

  /** Replaces the rules of the users named in `rules` (and all patterns, if it has any): an import is a sync, not an append. */
  replaceRules(rules: AclRule[]): void {
    const users = new Set(rules.map((rule) => rule.username));
    for (const username of users) {
      if (username === null) this.db.prepare(`DELETE FROM "mqtt_acl_rule" WHERE "username" IS NULL`).run();
      else this.db.prepare(`DELETE FROM "mqtt_acl_rule" WHERE "username" = ?`).run(username);
    }
    const insert = this.db.prepare(`INSERT INTO "mqtt_acl_rule" ("username", "access", "filter") VALUES (?, ?, ?)`);
    for (const rule of rules) insert.run(rule.username, rule.access, rule.filter);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }
}
