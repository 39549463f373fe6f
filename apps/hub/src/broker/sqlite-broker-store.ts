import type { BrokerStore, LoadedSession, LoadedState, MessageProperties, StoredMessage, StoredOutgoing, StoredSession, StoredSubscription, StoredWill } from '@hearth/broker';
import type { Database } from 'better-sqlite3';
import { WriteBatcher } from '../database/write-batcher.js';

/** Message properties as JSON; Buffers (Correlation Data) as { type: 'Buffer', data: [...] }. Null when there are none. */
export function propertiesJson(properties: MessageProperties): string | null {
  for (const _ in properties) return JSON.stringify(properties);
  return null;
}

/** JSON.parse reviver for Buffers, which JSON.stringify writes as { type: 'Buffer', data: [...] }. */
function reviveBuffers(_key: string, value: unknown): unknown {
  const json = value as { type?: unknown; data?: unknown } | null;
  return typeof json === 'object' && json !== null && json.type === 'Buffer' && Array.isArray(json.data) ? Buffer.from(json.data) : value;
}

const parseProperties = (json: string | null): MessageProperties => (json === null ? {} : (JSON.parse(json, reviveBuffers) as MessageProperties));

interface MessageRow {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: number;
  properties: string | null;
  expires_at: number;
}

interface SessionRow {
  client_id: string;
  expiry_interval: number;
  disconnected_at: number | null;
  will_topic: string | null;
  will_payload: Buffer | null;
  will_qos: 0 | 1 | 2 | null;
  will_retain: number | null;
  will_properties: string | null;
  will_delay_interval: number | null;
  will_expiry_interval: number | null;
}

interface SubscriptionRow {
  client_id: string;
  filter: string;
  qos: 0 | 1 | 2;
  no_local: number;
  retain_as_published: number;
  retain_handling: 0 | 1 | 2;
  identifier: number;
}

interface OutgoingRow {
  seq: number;
  client_id: string;
  /** Null until it was given one (a queue longer than 65,535). */
  packet_id: number | null;
  qos: 0 | 1 | 2;
  retain: number;
  subscription_identifiers: string | null;
  /** Null once the client's PUBREC released the message. */
  topic: string | null;
  payload: Buffer | null;
  message_qos: 0 | 1 | 2 | null;
  message_retain: number | null;
  properties: string | null;
  expires_at: number | null;
}

const messageOf = (row: MessageRow): StoredMessage => ({
  topic: row.topic,
  payload: row.payload,
  qos: row.qos,
  retain: row.retain === 1,
  properties: parseProperties(row.properties),
  expiresAt: row.expires_at,
});

function willOf(row: SessionRow): StoredWill | null {
  if (row.will_topic === null) return null;
  return {
    topic: row.will_topic,
    payload: row.will_payload!,
    qos: row.will_qos!,
    retain: row.will_retain === 1,
    properties: parseProperties(row.will_properties),
    delayInterval: row.will_delay_interval!,
    expiryInterval: row.will_expiry_interval!,
  };
}

/**
 * `$SYS` is the hub's own report, published afresh at every start and every `mqtt.sysInterval`: kept
 * retained in memory, not written to disk (a quiet hub would otherwise write every 10 s).
 */
const isSys = (topic: string): boolean => topic.startsWith('$SYS/');

/**
 * The broker core's BrokerStore on SQLite (tables of BrokerCore1765300000000). Writes go through a
 * WriteBatcher: those of one event-loop turn are one transaction, and each promise resolves after its
 * COMMIT, so what the broker acknowledges once a write resolved survives a crash.
 */
export class SqliteBrokerStore implements BrokerStore {
  readonly #db: Database;
  readonly #sql;
  readonly #batcher: WriteBatcher;
  /** The properties JSON of a message queued for many sessions is made once. */
  readonly #json = new WeakMap<StoredMessage, string | null>();

  /** `db` is migrated and owned by the caller, who closes it after close(). */
  constructor(db: Database) {
    this.#db = db;
    this.#batcher = new WriteBatcher(db);
    this.#sql = {
      saveSession: db.prepare(
        `REPLACE INTO mqtt_session (client_id, expiry_interval, disconnected_at, will_topic, will_payload, will_qos, will_retain, will_properties, will_delay_interval, will_expiry_interval)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteSession: db.prepare('DELETE FROM mqtt_session WHERE client_id = ?'),
      deleteSubscriptions: db.prepare('DELETE FROM mqtt_subscription WHERE client_id = ?'),
      deleteAllOutgoing: db.prepare('DELETE FROM mqtt_outgoing WHERE client_id = ?'),
      deleteAllIncoming: db.prepare('DELETE FROM mqtt_incoming WHERE client_id = ?'),
      saveSubscription: db.prepare(
        'REPLACE INTO mqtt_subscription (client_id, filter, qos, no_local, retain_as_published, retain_handling, identifier) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteSubscription: db.prepare('DELETE FROM mqtt_subscription WHERE client_id = ? AND filter = ?'),
      addOutgoing: db.prepare(
        `INSERT INTO mqtt_outgoing (seq, client_id, packet_id, qos, retain, subscription_identifiers, topic, payload, message_qos, message_retain, properties, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      identifyOutgoing: db.prepare('UPDATE mqtt_outgoing SET packet_id = ? WHERE seq = ?'),
      releaseOutgoing: db.prepare(
        'UPDATE mqtt_outgoing SET topic = NULL, payload = NULL, message_qos = NULL, message_retain = NULL, properties = NULL, expires_at = NULL WHERE seq = ?',
      ),
      deleteOutgoing: db.prepare('DELETE FROM mqtt_outgoing WHERE seq = ?'),
      addIncoming: db.prepare('INSERT OR IGNORE INTO mqtt_incoming (client_id, packet_id) VALUES (?, ?)'),
      deleteIncoming: db.prepare('DELETE FROM mqtt_incoming WHERE client_id = ? AND packet_id = ?'),
      putRetained: db.prepare('REPLACE INTO mqtt_retained (topic, payload, qos, retain, properties, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteRetained: db.prepare('DELETE FROM mqtt_retained WHERE topic = ?'),
    };
  }

  async load(): Promise<LoadedState> {
    const db = this.#db;
    const sessions = new Map<string, LoadedSession>();
    for (const row of db.prepare('SELECT * FROM mqtt_session').iterate() as Iterable<SessionRow>) {
      sessions.set(row.client_id, { clientId: row.client_id, expiryInterval: row.expiry_interval, disconnectedAt: row.disconnected_at, will: willOf(row), subscriptions: [], outgoing: [], incoming: [] });
    }
    for (const row of db.prepare('SELECT * FROM mqtt_subscription').iterate() as Iterable<SubscriptionRow>) {
      sessions.get(row.client_id)?.subscriptions.push({
        filter: row.filter,
        qos: row.qos,
        noLocal: row.no_local === 1,
        retainAsPublished: row.retain_as_published === 1,
        retainHandling: row.retain_handling,
        identifier: row.identifier,
      });
    }
    for (const row of db.prepare('SELECT * FROM mqtt_outgoing ORDER BY seq').iterate() as Iterable<OutgoingRow>) {
      const message =
        row.topic === null
          ? null
          : messageOf({ topic: row.topic, payload: row.payload!, qos: row.message_qos!, retain: row.message_retain!, properties: row.properties, expires_at: row.expires_at! });
      sessions.get(row.client_id)?.outgoing.push({
        seq: row.seq,
        packetId: row.packet_id ?? 0,
        message,
        qos: row.qos,
        retain: row.retain === 1,
        subscriptionIdentifiers: row.subscription_identifiers === null ? [] : (JSON.parse(row.subscription_identifiers) as number[]),
      });
    }
    for (const row of db.prepare('SELECT client_id, packet_id FROM mqtt_incoming').iterate() as Iterable<{ client_id: string; packet_id: number }>) {
      sessions.get(row.client_id)?.incoming.push(row.packet_id);
    }
    const retained = (db.prepare('SELECT * FROM mqtt_retained').all() as MessageRow[]).map(messageOf);
    return { sessions: [...sessions.values()], retained };
  }

  saveSession({ clientId, expiryInterval, disconnectedAt, will }: StoredSession): Promise<void> {
    if (will === null) return this.#batcher.write(this.#sql.saveSession, clientId, expiryInterval, disconnectedAt, null, null, null, null, null, null, null);
    return this.#batcher.write(
      this.#sql.saveSession,
      clientId,
      expiryInterval,
      disconnectedAt,
      will.topic,
      will.payload,
      will.qos,
      Number(will.retain),
      propertiesJson(will.properties),
      will.delayInterval,
      will.expiryInterval,
    );
  }

  deleteSession(clientId: string): Promise<void> {
    const sql = this.#sql;
    this.#batcher.write(sql.deleteSubscriptions, clientId);
    this.#batcher.write(sql.deleteAllOutgoing, clientId);
    this.#batcher.write(sql.deleteAllIncoming, clientId);
    return this.#batcher.write(sql.deleteSession, clientId);
  }

  saveSubscription(clientId: string, s: StoredSubscription): Promise<void> {
    return this.#batcher.write(this.#sql.saveSubscription, clientId, s.filter, s.qos, Number(s.noLocal), Number(s.retainAsPublished), s.retainHandling, s.identifier);
  }

  deleteSubscription(clientId: string, filter: string): Promise<void> {
    return this.#batcher.write(this.#sql.deleteSubscription, clientId, filter);
  }

  addOutgoing(clientId: string, { seq, packetId, message, qos, retain, subscriptionIdentifiers }: StoredOutgoing): Promise<void> {
    const identifiers = subscriptionIdentifiers.length === 0 ? null : JSON.stringify(subscriptionIdentifiers);
    const id = packetId === 0 ? null : packetId;
    if (message === null) return this.#batcher.write(this.#sql.addOutgoing, seq, clientId, id, qos, Number(retain), identifiers, null, null, null, null, null, null);
    return this.#batcher.write(
      this.#sql.addOutgoing,
      seq,
      clientId,
      id,
      qos,
      Number(retain),
      identifiers,
      message.topic,
      message.payload,
      message.qos,
      Number(message.retain),
      this.#propertiesOf(message),
      message.expiresAt,
    );
  }

  #propertiesOf(message: StoredMessage): string | null {
    let json = this.#json.get(message);
    if (json === undefined) {
      json = propertiesJson(message.properties);
      this.#json.set(message, json);
    }
    return json;
  }

  identifyOutgoing(_clientId: string, seq: number, packetId: number): Promise<void> {
    return this.#batcher.write(this.#sql.identifyOutgoing, packetId, seq);
  }

  releaseOutgoing(_clientId: string, seq: number): Promise<void> {
    return this.#batcher.write(this.#sql.releaseOutgoing, seq);
  }

  deleteOutgoing(_clientId: string, seq: number): Promise<void> {
    return this.#batcher.write(this.#sql.deleteOutgoing, seq);
  }

  addIncoming(clientId: string, packetId: number): Promise<void> {
    return this.#batcher.write(this.#sql.addIncoming, clientId, packetId);
  }

  deleteIncoming(clientId: string, packetId: number): Promise<void> {
    return this.#batcher.write(this.#sql.deleteIncoming, clientId, packetId);
  }

  putRetained(message: StoredMessage): Promise<void> {
    if (isSys(message.topic)) return Promise.resolve();
    return this.#batcher.write(this.#sql.putRetained, message.topic, message.payload, message.qos, Number(message.retain), this.#propertiesOf(message), message.expiresAt);
  }

  deleteRetained(topic: string): Promise<void> {
    if (isSys(topic)) return Promise.resolve();
    return this.#batcher.write(this.#sql.deleteRetained, topic);
  }

  /** Commits what is pending, then refuses further writes. The database stays open: its owner closes it. */
  close(): Promise<void> {
    return this.#batcher.close();
  }
}
