import { topicMatches } from '@hearth/mqtt-topics';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Session Expiry Interval of a session that never expires (MQTT 3.x persistent sessions, as Aedes kept them). */
const NEVER = 0xffff_ffff;
const MAX_PACKET_ID = 65_535;

/** A packet as Aedes' SqlitePersistence stored it: common fields in columns, the rest as JSON in `extra`. */
interface AedesRow {
  client_id?: string;
  cmd: string | null;
  topic: string | null;
  payload: Buffer | string | null;
  qos: number | null;
  retain: number | null;
  message_id: number | null;
  extra: string | null;
}

interface Properties {
  payloadFormatIndicator?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: unknown;
  userProperties?: Record<string, string | string[]>;
  willDelayInterval?: number;
  messageExpiryInterval?: number;
  subscriptionIdentifier?: number | number[];
}

const extraOf = (row: AedesRow): { properties?: Properties } => (row.extra === null ? {} : JSON.parse(row.extra));

const bytes = (payload: Buffer | string | null): Buffer => (payload === null ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(payload));

/** What an application message carries from publisher to subscriber, in the broker core's form (user properties as pairs). */
function messageProperties(properties: Properties | undefined): string | null {
  if (properties === undefined) return null;
  const kept: Record<string, unknown> = {};
  if (properties.payloadFormatIndicator !== undefined) kept.payloadFormatIndicator = properties.payloadFormatIndicator;
  if (properties.contentType !== undefined) kept.contentType = properties.contentType;
  if (properties.responseTopic !== undefined) kept.responseTopic = properties.responseTopic;
  if (properties.correlationData !== undefined) kept.correlationData = properties.correlationData;
  if (properties.userProperties !== undefined) {
    kept.userProperties = Object.entries(properties.userProperties).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => [name, v]));
  }
  return Object.keys(kept).length === 0 ? null : JSON.stringify(kept);
}

interface Subscription {
  clientId: string;
  filter: string;
  qos: number;
}

/**
 * The broker core (libs/broker) replaces Aedes: its own tables for sessions, their subscriptions, their
 * outgoing QoS 1/2 messages (Packet Identifiers given when queued), the QoS 2 Packet Identifiers awaiting
 * PUBREL, and retained messages. What Aedes kept is carried over:
 * - retained messages and persistent sessions with their subscriptions and queues (a session Aedes kept
 *   never expires, as MQTT 3.1.1 persistent sessions do not);
 * - a will left by a crash is published at the next start, as Aedes would have;
 * - QoS 2 messages received and acknowledged (PUBREC) but not yet released, and QoS 1 messages Aedes
 *   acknowledged before storing them (its journal), are routed now, to the retained store and the queues
 *   of the persistent sessions they match; a QoS 2 one keeps its Packet Identifier awaiting PUBREL.
 */
export class BrokerCore1765300000000 implements MigrationInterface {
  name = 'BrokerCore1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string, params?: unknown[]) => queryRunner.query(sql, params);
    for (const table of ['retained', 'subscription', 'outgoing', 'incoming', 'journal', 'will']) await q(`ALTER TABLE "mqtt_${table}" RENAME TO "aedes_${table}"`);
    await createTables(q);

    const sessions = new Map<string, { will: AedesRow | null; persistent: boolean; nextId: number; usedIds: Set<number> }>();
    const session = (clientId: string) => {
      let found = sessions.get(clientId);
      if (found === undefined) sessions.set(clientId, (found = { will: null, persistent: false, nextId: 1, usedIds: new Set() }));
      return found;
    };
    const packetId = (clientId: string, wanted: number | null): number => {
      const s = session(clientId);
      if (wanted !== null && wanted > 0 && !s.usedIds.has(wanted)) {
        s.usedIds.add(wanted);
        return wanted;
      }
      while (s.usedIds.has(s.nextId) && s.nextId <= MAX_PACKET_ID) s.nextId++;
      s.usedIds.add(s.nextId);
      return s.nextId;
    };

    const subscriptions: Subscription[] = [];
    for (const row of (await q('SELECT * FROM "aedes_subscription"')) as Array<{ client_id: string; topic: string; qos: number; rh: number | null; rap: number | null; nl: number | null; subscription_identifier: number | null }>) {
      session(row.client_id).persistent = true;
      subscriptions.push({ clientId: row.client_id, filter: row.topic, qos: row.qos });
      await q(`INSERT INTO "mqtt_subscription" VALUES (?, ?, ?, ?, ?, ?, ?)`, [row.client_id, row.topic, row.qos, row.nl ?? 0, row.rap ?? 0, row.rh ?? 0, row.subscription_identifier ?? 0]);
    }
    // Packet Identifiers Aedes had given (in flight) stay theirs; the others are given next.
    const outgoing = (await q('SELECT * FROM "aedes_outgoing" ORDER BY seq')) as AedesRow[];
    for (const row of outgoing) {
      session(row.client_id!).persistent = true;
      if (row.message_id !== null) session(row.client_id!).usedIds.add(row.message_id);
    }
    const given = new Map<AedesRow, number>();
    for (const row of outgoing) {
      const s = session(row.client_id!);
      if (row.message_id !== null) s.usedIds.delete(row.message_id);
      given.set(row, packetId(row.client_id!, row.message_id));
    }
    const queue = async (clientId: string, id: number, row: AedesRow | null, qos: number, retain: boolean, identifiers: number[]) => {
      const properties = row === null ? undefined : extraOf(row).properties;
      await q(`INSERT INTO "mqtt_outgoing" (client_id, packet_id, qos, retain, subscription_identifiers, topic, payload, message_qos, message_retain, properties, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        clientId,
        id,
        qos,
        Number(retain),
        identifiers.length === 0 ? null : JSON.stringify(identifiers),
        row?.topic ?? null,
        row === null ? null : bytes(row.payload),
        row === null ? null : row.qos,
        row === null ? null : row.retain ?? 0,
        row === null ? null : messageProperties(properties),
        row === null ? null : 0,
      ]);
    };
    for (const row of outgoing) {
      const released = row.cmd === 'pubrel';
      const identifier = extraOf(row).properties?.subscriptionIdentifier;
      const identifiers = identifier === undefined ? [] : Array.isArray(identifier) ? identifier : [identifier];
      await queue(row.client_id!, given.get(row)!, released ? null : row, released ? 2 : (row.qos ?? 1), !released && row.retain === 1, identifiers);
    }

    // Acknowledged to their publishers, not yet routed: routed now (retained, and to the persistent sessions they match).
    const route = async (row: AedesRow) => {
      const topic = row.topic!;
      if (row.retain === 1) {
        if (bytes(row.payload).length === 0) await q(`DELETE FROM "mqtt_retained" WHERE topic = ?`, [topic]);
        else await putRetained(q, row);
      }
      const best = new Map<string, number>();
      for (const s of subscriptions) if (topicMatches(s.filter, topic)) best.set(s.clientId, Math.max(best.get(s.clientId) ?? 0, s.qos));
      for (const [clientId, subscriptionQos] of best) {
        const qos = Math.min(subscriptionQos, row.qos ?? 0);
        if (qos > 0) await queue(clientId, packetId(clientId, null), row, qos, false, []);
      }
    };
    for (const row of (await q('SELECT * FROM "aedes_retained"')) as AedesRow[]) await putRetained(q, row);
    for (const row of (await q('SELECT * FROM "aedes_journal" ORDER BY seq')) as AedesRow[]) await route(row);
    for (const row of (await q('SELECT * FROM "aedes_incoming"')) as AedesRow[]) {
      await route(row);
      session(row.client_id!);
      await q(`INSERT OR IGNORE INTO "mqtt_incoming" VALUES (?, ?)`, [row.client_id, row.message_id]);
    }
    for (const row of (await q('SELECT * FROM "aedes_will"')) as AedesRow[]) session(row.client_id!).will = row;

    for (const [clientId, s] of sessions) {
      const will = s.will;
      const properties = will === null ? undefined : extraOf(will).properties;
      await q(`INSERT INTO "mqtt_session" VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`, [
        clientId,
        // A will alone (a clean session the crash ended) is published at start, and its session ends.
        s.persistent ? NEVER : 0,
        will?.topic ?? null,
        will === null ? null : bytes(will.payload),
        will === null ? null : will.qos ?? 0,
        will === null ? null : will.retain ?? 0,
        will === null ? null : messageProperties(properties),
        will === null ? null : properties?.willDelayInterval ?? 0,
        will === null ? null : properties?.messageExpiryInterval ?? 0,
      ]);
    }
    for (const table of ['retained', 'subscription', 'outgoing', 'incoming', 'journal', 'will']) await q(`DROP TABLE "aedes_${table}"`);
  }

  /** Back to Aedes' tables: retained messages and the subscriptions of persistent sessions; queues and pending wills are dropped. */
  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string, params?: unknown[]) => queryRunner.query(sql, params);
    const packet = `"cmd" text, "broker_id" text, "broker_counter" integer, "topic" text, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text`;
    for (const table of ['session', 'retained', 'subscription', 'outgoing', 'incoming']) await q(`ALTER TABLE "mqtt_${table}" RENAME TO "core_${table}"`);
    await q(`CREATE TABLE "mqtt_retained" ("topic" text PRIMARY KEY NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text) WITHOUT ROWID`);
    await q(`CREATE TABLE "mqtt_subscription" ("client_id" text NOT NULL, "topic" text NOT NULL, "qos" integer NOT NULL, "rh" integer, "rap" integer, "nl" integer, "subscription_identifier" integer, PRIMARY KEY ("client_id", "topic")) WITHOUT ROWID`);
    await q(`CREATE TABLE "mqtt_outgoing" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, ${packet})`);
    await q(`CREATE TABLE "mqtt_incoming" ("client_id" text NOT NULL, ${packet.replace('"message_id" integer', '"message_id" integer NOT NULL')}, PRIMARY KEY ("client_id", "message_id")) WITHOUT ROWID`);
    await q(`CREATE TABLE "mqtt_journal" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, ${packet})`);
    await q(`CREATE TABLE "mqtt_will" ("client_id" text PRIMARY KEY NOT NULL, ${packet}) WITHOUT ROWID`);
    await q(`INSERT INTO "mqtt_retained" (topic, cmd, payload, qos, retain, dup) SELECT topic, 'publish', payload, qos, 1, 0 FROM "core_retained"`);
    await q(
      `INSERT INTO "mqtt_subscription" SELECT client_id, filter, qos, retain_handling, retain_as_published, no_local, NULLIF(identifier, 0) FROM "core_subscription" WHERE filter NOT LIKE '$share/%'`,
    );
    for (const table of ['session', 'retained', 'subscription', 'outgoing', 'incoming']) await q(`DROP TABLE "core_${table}"`);
  }
}

async function putRetained(q: (sql: string, params?: unknown[]) => Promise<unknown>, row: AedesRow): Promise<void> {
  await q(`REPLACE INTO "mqtt_retained" VALUES (?, ?, ?, 1, ?, 0)`, [row.topic, bytes(row.payload), row.qos ?? 0, messageProperties(extraOf(row).properties)]);
}

async function createTables(q: (sql: string) => Promise<unknown>): Promise<void> {
  // A will is part of the session record: a crash leaves it to the next start.
  await q(
    `CREATE TABLE "mqtt_session" ("client_id" text PRIMARY KEY NOT NULL, "expiry_interval" integer NOT NULL, "disconnected_at" integer, "will_topic" text, "will_payload" blob, "will_qos" integer, "will_retain" integer, "will_properties" text, "will_delay_interval" integer, "will_expiry_interval" integer) WITHOUT ROWID`,
  );
  await q(
    `CREATE TABLE "mqtt_subscription" ("client_id" text NOT NULL, "filter" text NOT NULL, "qos" integer NOT NULL, "no_local" integer NOT NULL, "retain_as_published" integer NOT NULL, "retain_handling" integer NOT NULL, "identifier" integer NOT NULL, PRIMARY KEY ("client_id", "filter")) WITHOUT ROWID`,
  );
  // seq orders each session's queue; a message released by PUBREC keeps its row with the message columns NULL.
  await q(
    `CREATE TABLE "mqtt_outgoing" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, "packet_id" integer NOT NULL, "qos" integer NOT NULL, "retain" integer NOT NULL, "subscription_identifiers" text, "topic" text, "payload" blob, "message_qos" integer, "message_retain" integer, "properties" text, "expires_at" integer, UNIQUE ("client_id", "packet_id"))`,
  );
  await q(`CREATE TABLE "mqtt_incoming" ("client_id" text NOT NULL, "packet_id" integer NOT NULL, PRIMARY KEY ("client_id", "packet_id")) WITHOUT ROWID`);
  await q(`CREATE TABLE "mqtt_retained" ("topic" text PRIMARY KEY NOT NULL, "payload" blob NOT NULL, "qos" integer NOT NULL, "retain" integer NOT NULL, "properties" text, "expires_at" integer NOT NULL) WITHOUT ROWID`);
}
