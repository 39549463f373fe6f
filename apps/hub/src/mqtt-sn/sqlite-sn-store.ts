import type {
  SnBrokerMessage,
  SnGatewayStore,
  SnPredefinedTopic,
  SnQosLevel,
  SnStoredSession,
  SnSubscriptionRecord,
  SnTopicRegistration,
} from '@hearth/mqtt-sn';
import type { Database, Statement } from 'better-sqlite3';

interface SessionRow {
  client_id: string;
  link: string;
  address: string;
  wireless_node_id: Buffer | null;
  clean_session: number;
  keep_alive: number;
  state: SnStoredSession['state'];
  sleep_duration: number;
  will_topic: string | null;
  will_payload: Buffer | null;
  will_qos: number | null;
  will_retain: number | null;
}

interface BufferedRow {
  topic: string;
  payload: Buffer;
  qos: SnQosLevel;
  retain: number;
}

const toSession = (row: SessionRow): SnStoredSession => ({
  clientId: row.client_id,
  link: row.link,
  address: row.address,
  wirelessNodeId: row.wireless_node_id,
  cleanSession: row.clean_session === 1,
  keepAlive: row.keep_alive,
  state: row.state,
  sleepDuration: row.sleep_duration,
  will:
    row.will_topic === null
      ? null
      : { topic: row.will_topic, payload: row.will_payload ?? Buffer.alloc(0), qos: (row.will_qos ?? 0) as SnQosLevel, retain: row.will_retain === 1 },
});

/** The gateway's state in the hub's SQLite file (tables of migration MqttSnGateway1764200000000). */
export class SqliteSnStore implements SnGatewayStore {
  private readonly statements: Record<string, Statement>;
  private readonly take: (clientId: string) => SnBrokerMessage[];
  private readonly remove: (clientId: string) => void;

  constructor(private readonly db: Database) {
    const s = (sql: string) => db.prepare(sql);
    this.statements = {
      live: s(`SELECT * FROM sn_session WHERE state != 'disconnected'`),
      session: s(`SELECT * FROM sn_session WHERE client_id = ?`),
      saveSession: s(
        `INSERT OR REPLACE INTO sn_session (client_id, link, address, wireless_node_id, clean_session, keep_alive, state, sleep_duration, will_topic, will_payload, will_qos, will_retain)
         VALUES (@clientId, @link, @address, @wirelessNodeId, @cleanSession, @keepAlive, @state, @sleepDuration, @willTopic, @willPayload, @willQos, @willRetain)`,
      ),
      deleteSession: s(`DELETE FROM sn_session WHERE client_id = ?`),
      topics: s(`SELECT topic_id AS topicId, topic_name AS topicName FROM sn_topic WHERE client_id = ?`),
      saveTopic: s(`INSERT OR REPLACE INTO sn_topic (client_id, topic_id, topic_name) VALUES (?, ?, ?)`),
      deleteTopic: s(`DELETE FROM sn_topic WHERE client_id = ? AND topic_id = ?`),
      deleteTopics: s(`DELETE FROM sn_topic WHERE client_id = ?`),
      subscriptions: s(`SELECT filter, qos FROM sn_subscription WHERE client_id = ?`),
      saveSubscription: s(`INSERT OR REPLACE INTO sn_subscription (client_id, filter, qos) VALUES (?, ?, ?)`),
      deleteSubscription: s(`DELETE FROM sn_subscription WHERE client_id = ? AND filter = ?`),
      deleteSubscriptions: s(`DELETE FROM sn_subscription WHERE client_id = ?`),
      buffer: s(`INSERT INTO sn_buffered (client_id, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?)`),
      bufferedCount: s(`SELECT count(*) AS count FROM sn_buffered WHERE client_id = ?`),
      buffered: s(`SELECT topic, payload, qos, retain FROM sn_buffered WHERE client_id = ? ORDER BY seq`),
      deleteBuffered: s(`DELETE FROM sn_buffered WHERE client_id = ?`),
      predefined: s(`SELECT client_id AS clientId, topic_id AS topicId, topic_name AS topicName FROM sn_predefined_topic`),
    };
    const st = this.statements;
    this.take = db.transaction((clientId: string) => {
      const rows = st.buffered.all(clientId) as BufferedRow[];
      st.deleteBuffered.run(clientId);
      return rows.map((row) => ({ topic: row.topic, payload: row.payload, qos: row.qos, retain: row.retain === 1 }));
    });
    this.remove = db.transaction((clientId: string) => {
      for (const statement of [st.deleteSession, st.deleteTopics, st.deleteSubscriptions, st.deleteBuffered]) statement.run(clientId);
    });
  }

  liveSessions(): SnStoredSession[] {
    return (this.statements.live.all() as SessionRow[]).map(toSession);
  }

  session(clientId: string): SnStoredSession | undefined {
    const row = this.statements.session.get(clientId) as SessionRow | undefined;
    return row && toSession(row);
  }

  saveSession(session: SnStoredSession): void {
    const { will } = session;
    this.statements.saveSession.run({
      clientId: session.clientId,
      link: session.link,
      address: session.address,
      wirelessNodeId: session.wirelessNodeId,
      cleanSession: session.cleanSession ? 1 : 0,
      keepAlive: session.keepAlive,
      state: session.state,
      sleepDuration: session.sleepDuration,
      willTopic: will?.topic ?? null,
      willPayload: will?.payload ?? null,
      willQos: will?.qos ?? null,
      willRetain: will ? (will.retain ? 1 : 0) : null,
    });
  }

  deleteSession(clientId: string): void {
    this.remove(clientId);
  }

  topics(clientId: string): SnTopicRegistration[] {
    return this.statements.topics.all(clientId) as SnTopicRegistration[];
  }

  saveTopic(clientId: string, { topicId, topicName }: SnTopicRegistration): void {
    this.statements.saveTopic.run(clientId, topicId, topicName);
  }

  deleteTopic(clientId: string, topicId: number): void {
    this.statements.deleteTopic.run(clientId, topicId);
  }

  subscriptions(clientId: string): SnSubscriptionRecord[] {
    return this.statements.subscriptions.all(clientId) as SnSubscriptionRecord[];
  }

  saveSubscription(clientId: string, { filter, qos }: SnSubscriptionRecord): void {
    this.statements.saveSubscription.run(clientId, filter, qos);
  }

  deleteSubscription(clientId: string, filter: string): void {
    this.statements.deleteSubscription.run(clientId, filter);
  }

  buffer(clientId: string, message: SnBrokerMessage): void {
    this.statements.buffer.run(clientId, message.topic, message.payload, message.qos, message.retain ? 1 : 0);
  }

  bufferedCount(clientId: string): number {
    return (this.statements.bufferedCount.get(clientId) as { count: number }).count;
  }

  takeBuffered(clientId: string): SnBrokerMessage[] {
    return this.take(clientId);
  }

  predefinedTopics(): SnPredefinedTopic[] {
    return this.statements.predefined.all() as SnPredefinedTopic[];
  }
}
