import type {
  BrokerStore,
  LoadedSession,
  LoadedState,
  StoredMessage,
  StoredOutgoing,
  StoredSession,
  StoredSubscription,
} from '../ports.js';

interface SessionRecord {
  session: StoredSession;
  subscriptions: Map<string, StoredSubscription>;
  /** By seq, in the order added. */
  outgoing: Map<number, StoredOutgoing>;
  incoming: Set<number>;
}

/** The committed state of a MemoryBrokerStore; hand it to a new store to "reopen" it. */
export interface MemoryStoreData {
  sessions: Map<string, SessionRecord>;
  retained: Map<string, StoredMessage>;
}

export interface MemoryBrokerStoreOptions {
  /** Committed state to start from (what a previous store left). */
  data?: MemoryStoreData;
  /**
   * Writes wait for `commit()` instead of committing at once: tests use it to see what the broker
   * holds back until a commit, and to lose uncommitted writes as a crash would.
   */
  manualCommit?: boolean;
}

interface PendingWrite {
  apply(): void;
  resolve(): void;
}

/** BrokerStore in memory: for tests, and for brokers that need nothing to survive a restart. */
export class MemoryBrokerStore implements BrokerStore {
  readonly data: MemoryStoreData;
  private readonly manualCommit: boolean;
  private pending: PendingWrite[] = [];

  constructor({ data, manualCommit = false }: MemoryBrokerStoreOptions = {}) {
    this.data = data ?? { sessions: new Map(), retained: new Map() };
    this.manualCommit = manualCommit;
  }

  /** Writes waiting for commit() (manual commit only). */
  get uncommitted(): number {
    return this.pending.length;
  }

  /** Commits every write made so far, in order, and resolves their promises. */
  commit(): void {
    const writes = this.pending;
    this.pending = [];
    for (const write of writes) write.apply();
    for (const write of writes) write.resolve();
  }

  private write(apply: () => void): Promise<void> {
    if (!this.manualCommit) {
      apply();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.pending.push({ apply, resolve }));
  }

  private record(clientId: string): SessionRecord | undefined {
    return this.data.sessions.get(clientId);
  }

  async load(): Promise<LoadedState> {
    const sessions: LoadedSession[] = [...this.data.sessions.values()].map((record) => ({
      ...copySession(record.session),
      subscriptions: [...record.subscriptions.values()].map((subscription) => ({ ...subscription })),
      outgoing: [...record.outgoing.values()].map(copyOutgoing),
      incoming: [...record.incoming],
    }));
    return { sessions, retained: [...this.data.retained.values()].map(copyMessage) };
  }

  saveSession(session: StoredSession): Promise<void> {
    const copy = copySession(session);
    return this.write(() => {
      const record = this.record(session.clientId);
      if (record) record.session = copy;
      else this.data.sessions.set(session.clientId, { session: copy, subscriptions: new Map(), outgoing: new Map(), incoming: new Set() });
    });
  }

  deleteSession(clientId: string): Promise<void> {
    return this.write(() => this.data.sessions.delete(clientId));
  }

  saveSubscription(clientId: string, subscription: StoredSubscription): Promise<void> {
    const copy = { ...subscription };
    return this.write(() => this.record(clientId)?.subscriptions.set(copy.filter, copy));
  }

  deleteSubscription(clientId: string, filter: string): Promise<void> {
    return this.write(() => this.record(clientId)?.subscriptions.delete(filter));
  }

  addOutgoing(clientId: string, outgoing: StoredOutgoing): Promise<void> {
    const copy = copyOutgoing(outgoing);
    return this.write(() => {
      this.record(clientId)?.outgoing.set(copy.seq, copy);
    });
  }

  identifyOutgoing(clientId: string, seq: number, packetId: number): Promise<void> {
    return this.write(() => {
      const entry = this.record(clientId)?.outgoing.get(seq);
      if (entry) entry.packetId = packetId;
    });
  }

  releaseOutgoing(clientId: string, seq: number): Promise<void> {
    return this.write(() => {
      const entry = this.record(clientId)?.outgoing.get(seq);
      if (entry) entry.message = null;
    });
  }

  deleteOutgoing(clientId: string, seq: number): Promise<void> {
    return this.write(() => this.record(clientId)?.outgoing.delete(seq));
  }

  addIncoming(clientId: string, packetId: number): Promise<void> {
    return this.write(() => this.record(clientId)?.incoming.add(packetId));
  }

  deleteIncoming(clientId: string, packetId: number): Promise<void> {
    return this.write(() => this.record(clientId)?.incoming.delete(packetId));
  }

  putRetained(message: StoredMessage): Promise<void> {
    const copy = copyMessage(message);
    return this.write(() => this.data.retained.set(copy.topic, copy));
  }

  deleteRetained(topic: string): Promise<void> {
    return this.write(() => this.data.retained.delete(topic));
  }
}

function copyMessage(message: StoredMessage): StoredMessage {
  const { userProperties, ...rest } = message.properties;
  return { ...message, properties: userProperties ? { ...rest, userProperties: userProperties.map(([name, value]) => [name, value]) } : rest };
}

function copyOutgoing(outgoing: StoredOutgoing): StoredOutgoing {
  return { ...outgoing, message: outgoing.message && copyMessage(outgoing.message), subscriptionIdentifiers: [...outgoing.subscriptionIdentifiers] };
}

function copySession(session: StoredSession): StoredSession {
  const { will } = session;
  return { ...session, will: will && { ...will, properties: { ...will.properties } } };
}
