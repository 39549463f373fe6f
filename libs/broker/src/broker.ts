import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { SubscriptionRequest, Will } from './codec/packets.js';
import { NO_PROPERTIES } from './codec/packets.js';
import { Connection } from './connection.js';
import { type QoS, ReasonCode, SESSION_EXPIRY_NEVER } from './constants.js';
import { Message, messageProperties } from './message.js';
import {
  type ApplicationMessage,
  type BrokerClient,
  type BrokerHooks,
  type BrokerLogger,
  type BrokerStore,
  type Clock,
  type ConnectionInfo,
  type LoadedSession,
  type PublishRequest,
  type StoredSession,
  type StoredWill,
  silentLogger,
  systemClock,
} from './ports.js';
import { RetainedIndex } from './retained.js';
import { NO_IDENTIFIERS, OutgoingEntry, queuedBytes, Session } from './session.js';
import { BrokerStats } from './stats.js';
import { MemoryBrokerStore } from './store/memory-store.js';
import { SharedGroup, Subscription, SubscriptionIndex, type Target } from './subscriptions.js';
import { type ParsedFilter, parseFilter } from './topics.js';

/** What the broker allows and offers; each has a default. */
export interface BrokerLimits {
  /** Largest packet accepted, in bytes, fixed header included; announced in CONNACK (MQTT 5). */
  maxPacketSize: number;
  /**
   * Largest packet accepted before the CONNACK (the CONNECT, AUTH packets), fixed header included: until
   * a client has signed in, this is all it can make the broker buffer. Above maxPacketSize, maxPacketSize holds.
   */
  maxConnectPacketSize: number;
  /** QoS 1 and 2 messages in flight per client, both ways (MQTT 5 Receive Maximum; Mosquitto's max_inflight_messages). */
  maxInflight: number;
  /** QoS 1 and 2 messages queued per session, in flight included; more are dropped. 0 = no limit. */
  maxQueued: number;
  /** Bytes of QoS 1 and 2 messages queued per session (topic, payload and QUEUED_OVERHEAD each); more are dropped. 0 = no limit. */
  maxQueuedBytes: number;
  maxClientIdLength: number;
  /** Milliseconds a new connection has to get through CONNECT, authentication included. */
  connectTimeout: number;
  /** Bytes waiting to be sent to one client before it is cut off; a quarter of it pauses its publishers. */
  maxBuffered: number;
  /** Milliseconds a client may stay behind (its publishers paused) before it is cut off. */
  stalledTimeout: number;
  /** Topic aliases a client may use (MQTT 5 Topic Alias Maximum); 0 = none. */
  topicAliasMaximum: number;
  /** Longest keep-alive, in seconds, the broker accepts; longer (or 0) is replaced (Server Keep Alive). 0 = no limit. */
  maxKeepAlive: number;
  /** Longest Session Expiry Interval granted, in seconds; also what MQTT 3.x persistent sessions get. */
  maxSessionExpiryInterval: number;
  /** Subscriptions per session; 0 = no limit. */
  maxSubscriptions: number;
  maximumQoS: QoS;
  retainAvailable: boolean;
  /** Response Information for clients that ask for it in CONNECT (MQTT 5); unset = none. */
  responseInformation: ((client: BrokerClient) => string) | undefined;
}

export const DEFAULT_LIMITS: Readonly<BrokerLimits> = {
  maxPacketSize: 2 * 1024 * 1024,
  maxConnectPacketSize: 64 * 1024,
  maxInflight: 20,
  maxQueued: 1000,
  maxQueuedBytes: 0,
  maxClientIdLength: 128,
  connectTimeout: 30_000,
  maxBuffered: 4 * 1024 * 1024,
  stalledTimeout: 30_000,
  topicAliasMaximum: 10,
  maxKeepAlive: 0,
  maxSessionExpiryInterval: SESSION_EXPIRY_NEVER,
  maxSubscriptions: 0,
  maximumQoS: 2,
  retainAvailable: true,
  responseInformation: undefined,
};

export interface MqttBrokerOptions<Info extends ConnectionInfo = ConnectionInfo> extends Partial<BrokerLimits> {
  /** Where sessions and retained messages survive restarts; default: in memory only. */
  store?: BrokerStore;
  hooks?: BrokerHooks<Info>;
  clock?: Clock;
  logger?: BrokerLogger;
}

export type MessageHandler = (message: ApplicationMessage) => void;

/** An in-process subscriber: a handler in the broker's subscription index. */
class LocalSubscriber {
  constructor(readonly handler: MessageHandler) {}
}

/** How often connections are checked for keep-alive, CONNECT timeout and stalled subscribers. */
const SWEEP_INTERVAL_MS = 1000;
/** setTimeout takes at most 2^31 - 1 ms; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An MQTT 3.1, 3.1.1 and 5.0 broker over any duplex streams (`handle`), with in-process publish and
 * subscribe for the application around it. Durable state goes to a BrokerStore; an acknowledgement that
 * promises durability (PUBACK, PUBREC, SUBACK, CONNACK of a persistent session) leaves only once the
 * store has committed what it covers.
 */
export class MqttBroker<Info extends ConnectionInfo = ConnectionInfo> {
  readonly stats = new BrokerStats();
  readonly limits: Readonly<BrokerLimits>;
  readonly store: BrokerStore;
  readonly hooks: BrokerHooks<Info>;
  readonly clock: Clock;
  readonly log: BrokerLogger;
  private readonly sessions = new Map<string, Session>();
  private readonly index = new SubscriptionIndex();
  private readonly retained = new RetainedIndex<Message>();
  private readonly connections = new Set<Connection<Info>>();
  private readonly taps = new Set<MessageHandler>();
  private connectedCount = 0;
  /** The last OutgoingEntry.seq given. */
  private lastSeq = 0;
  private dirty: Connection<Info>[] = [];
  private flushing: Connection<Info>[] = [];
  private flushScheduled = false;
  private receiving = false;
  private sweepTimer: unknown = undefined;
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';
  /** Store writes issued so far: a caller compares it before and after a step to know whether to wait. */
  writeCount = 0;
  /** The latest store write; commits are ordered, so once it resolves, every earlier write is durable. */
  lastWrite: Promise<void> = Promise.resolve();

  constructor(options: MqttBrokerOptions<Info> = {}) {
    const { store, hooks, clock, logger, ...limits } = options;
    this.limits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) };
    this.store = store ?? new MemoryBrokerStore();
    this.hooks = hooks ?? {};
    this.clock = clock ?? systemClock;
    this.log = logger ?? silentLogger;
  }

  /** Loads what the store kept (sessions, their queues, retained messages, pending wills) and starts the timers. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('the broker was already started');
    const { sessions, retained } = await this.store.load();
    const now = this.clock.now();
    for (const stored of retained) {
      if (stored.expiresAt !== 0 && stored.expiresAt <= now) this.storeWrite(this.store.deleteRetained(stored.topic));
      else this.retained.set(stored.topic, Message.fromStored(stored).retainedCopy());
    }
    const loaded = sessions.map((stored) => this.restore(stored, now));
    this.state = 'started';
    // Sessions whose connection ended with the last run, or whose time ran out meanwhile.
    for (const session of loaded) this.resumeTimers(session);
    this.sweep();
    this.log.info({ sessions: sessions.length, retained: this.retained.size }, 'broker started');
  }

  private restore(stored: LoadedSession, now: number): Session {
    const session = new Session(stored.clientId, stored.expiryInterval);
    session.stored = true;
    session.will = stored.will;
    // Connected when the last run ended: the connection ended then, which this run counts from now.
    session.disconnectedAt = stored.disconnectedAt ?? now;
    if (stored.disconnectedAt === null && session.persistent) this.storeWrite(this.store.saveSession(this.sessionRecord(session)));
    for (const record of stored.subscriptions) {
      const parsed = parseFilter(record.filter);
      if (parsed === undefined) continue;
      const subscription = this.newSubscription(session, record, parsed, record.qos, record.identifier);
      this.index.add(subscription);
      (session.subscriptions ??= new Map()).set(record.filter, subscription);
    }
    for (const record of stored.outgoing) {
      const message = record.message && Message.fromStored(record.message);
      const entry = new OutgoingEntry(record.seq, record.packetId, message, record.qos, record.retain, record.subscriptionIdentifiers, queuedBytes(message));
      if (record.seq > this.lastSeq) this.lastSeq = record.seq;
      // A released entry was sent and PUBRECed; the others go as first sent, the store does not say.
      entry.sent = record.message === null;
      session.queue().add(entry);
    }
    if (stored.incoming.length > 0) session.incoming = new Set(stored.incoming);
    this.sessions.set(session.clientId, session);
    return session;
  }

  /** Takes a client connection in: TCP, TLS, WebSocket or in-memory, anything that is a duplex byte stream. */
  handle(stream: Duplex, connection: Info): void {
    if (this.state !== 'started') {
      stream.destroy();
      return;
    }
    this.connections.add(new Connection(this, stream, connection));
  }

  /** Clients with an accepted CONNECT. */
  get connectedClients(): number {
    return this.connectedCount;
  }

  *clients(): IterableIterator<BrokerClient<Info>> {
    for (const connection of this.connections) if (connection.connected) yield connection;
  }

  get retainedCount(): number {
    return this.retained.size;
  }

  /** Subscriptions of every session and in-process subscriber. */
  get subscriptionCount(): number {
    return this.index.size;
  }

  /** Sessions, connected or kept for a disconnected client. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** QoS 1 and 2 messages queued or in flight over all sessions. */
  get queuedCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.outgoing?.size ?? 0;
    return count;
  }

  // ---------------------------------------------------------------- in-process API

  /**
   * Publishes from inside the process. Resolves once the message is routed and everything it made the
   * broker store (retained, queued for persistent sessions) is committed.
   */
  publish(request: PublishRequest): Promise<void> {
    const { topic } = request;
    if (topic === '' || /[+#\u0000]/.test(topic)) return Promise.reject(new TypeError(`"${topic}" is not a valid topic name`));
    const payload = typeof request.payload === 'string' ? Buffer.from(request.payload) : request.payload;
    const expiry = request.messageExpiryInterval;
    const qos = Math.min(request.qos ?? 0, this.limits.maximumQoS) as QoS;
    const properties = request.properties === undefined ? NO_PROPERTIES : messageProperties(request.properties, false);
    const message = new Message(topic, Buffer.byteLength(topic), payload, qos, request.retain ?? false, properties, !expiry ? 0 : this.clock.now() + expiry * 1000, request.publisher ?? null);
    const writes = this.writeCount;
    this.deliver(message, null);
    return this.writeCount === writes ? Promise.resolve() : this.lastWrite;
  }

  /**
   * Calls `handler` with every message published to a topic matching `filter`, synchronously, as the
   * broker routes it; with `retained`, first with the retained messages that match. Returns the function
   * that ends the subscription.
   */
  subscribe(filter: string, handler: MessageHandler, { retained = false } = {}): () => void {
    const parsed = parseFilter(filter);
    if (parsed === undefined || parsed.share !== null) throw new TypeError(`"${filter}" is not a topic filter an in-process subscriber can use`);
    const subscription = new Subscription(new LocalSubscriber(handler), filter, filter, 2, false, true, 0, 0, null);
    this.index.add(subscription);
    if (retained) this.forEachRetained(filter, handler);
    return () => void this.index.remove(subscription);
  }

  /** Calls `handler` with each retained message whose topic matches `filter`, now. */
  forEachRetained(filter: string, handler: MessageHandler): void {
    this.retained.forEachMatch(filter, (message) => this.hand(handler, message));
  }

  /**
   * Calls `handler` with every message the broker routes, `$SYS` included, without a subscription; with
   * `retained`, first with every retained message outside `$` topics.
   */
  tap(handler: MessageHandler, { retained = false } = {}): () => void {
    this.taps.add(handler);
    if (retained) this.forEachRetained('#', handler);
    return () => void this.taps.delete(handler);
  }

  /** Ends a client's connection (MQTT 5: DISCONNECT with `reasonCode`); false when it is not connected. */
  disconnect(clientId: string, reasonCode: number = ReasonCode.ADMINISTRATIVE_ACTION): boolean {
    const connection = this.sessions.get(clientId)?.connection;
    if (connection == null) return false;
    connection.disconnectWith(reasonCode, 'disconnected by the server');
    return true;
  }

  /**
   * Stops: MQTT 5 clients get DISCONNECT 0x8B (Server shutting down), every connection closes, and the
   * store's pending writes settle. Wills of connected clients are left to the next start, as after a crash.
   */
  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.clock.clearTimeout(this.sweepTimer);
    for (const session of this.sessions.values()) this.clock.clearTimeout(session.timer);
    for (const connection of this.connections) connection.disconnectWith(ReasonCode.SERVER_SHUTTING_DOWN, 'server shutting down');
    await this.lastWrite.catch(() => undefined);
    this.state = 'closed';
  }

  // ---------------------------------------------------------------- routing

  /** Routes a message to every matching subscriber; store writes it causes are counted in writeCount. */
  deliver(message: Message, publisher: Connection<Info> | null): void {
    if (message.expiresAt !== 0 && message.expiresAt <= this.clock.now()) return;
    const published = this.hooks.published;
    if (published !== undefined) {
      try {
        published(message, publisher);
      } catch (error) {
        this.log.error({ err: error, topic: message.topic }, 'the published hook failed');
      }
    }
    for (const tap of this.taps) this.hand(tap, message);
    if (message.retain) this.retain(message);
    const route = this.index.match(message.topic);
    const targets = route.targets;
    for (let i = 0; i < targets.length; i++) this.deliverToTarget(targets[i], message, publisher);
    const groups = route.groups;
    for (let i = 0; i < groups.length; i++) this.deliverToGroup(groups[i], message, publisher);
  }

  /** One copy per owner of matching subscriptions, with the highest QoS and every identifier of them [MQTT-3.3.4-2], [MQTT-3.3.4-3]. */
  private deliverToTarget(target: Target, message: Message, publisher: Connection<Info> | null): void {
    const owner = target.owner;
    if (owner instanceof LocalSubscriber) {
      this.hand(owner.handler, message);
      return;
    }
    const session = owner as Session;
    // [MQTT-3.8.3-3]: No Local leaves out the publisher's own session
    const local = message.publisher === session.clientId;
    const subscriptions = target.subscriptions;
    let qos = -1;
    let retainAsPublished = false;
    let identifiers: number[] | null = null;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i];
      if (local && subscription.noLocal) continue;
      if (subscription.qos > qos) qos = subscription.qos;
      if (subscription.retainAsPublished) retainAsPublished = true;
      if (subscription.identifier !== 0) (identifiers ??= []).push(subscription.identifier);
    }
    if (qos < 0) return;
    // [MQTT-3.8.4-8]; [MQTT-3.3.1-12], [MQTT-3.3.1-13]
    const granted = (qos < message.qos ? qos : message.qos) as QoS;
    this.deliverTo(session, message, granted, message.retain && retainAsPublished, identifiers ?? NO_IDENTIFIERS, publisher);
  }

  /**
   * One member of a share group gets the message (section 4.8.2): the next connected one that keeps up,
   * round robin; else any connected one; else, for QoS 1 and 2, a disconnected persistent session, to
   * have it when it reconnects [MQTT-4.8.2-4].
   */
  private deliverToGroup(group: SharedGroup, message: Message, publisher: Connection<Info> | null): void {
    const members = group.members;
    const count = members.length;
    const soft = this.limits.maxBuffered / 4;
    let chosen = -1;
    for (let pass = 0; pass < 3 && chosen < 0; pass++) {
      for (let i = 0; i < count; i++) {
        const index = (group.cursor + i) % count;
        const session = members[index].owner as Session;
        const connection = session.connection;
        const fits =
          pass === 0 ? connection !== null && connection.connected && connection.backlog <= soft
          : pass === 1 ? connection !== null && connection.connected
          : message.qos > 0 && session.persistent;
        if (fits) {
          chosen = index;
          break;
        }
      }
    }
    if (chosen < 0) return;
    group.cursor = (chosen + 1) % count;
    const subscription = members[chosen];
    const qos = (subscription.qos < message.qos ? subscription.qos : message.qos) as QoS;
    const identifiers = subscription.identifier === 0 ? NO_IDENTIFIERS : [subscription.identifier];
    this.deliverTo(subscription.owner as Session, message, qos, message.retain && subscription.retainAsPublished, identifiers, publisher);
  }

  /** QoS 0 goes straight to a connected client (and nowhere else); QoS 1 and 2 through the session's queue. */
  private deliverTo(session: Session, message: Message, qos: QoS, retain: boolean, identifiers: readonly number[], publisher: Connection<Info> | null): void {
    const connection = session.connection as unknown as Connection<Info> | null;
    if (qos === 0) {
      if (connection === null || !connection.connected) return;
      connection.sendPublish(message, 0, retain, 0, false, identifiers);
      this.checkBacklog(connection, publisher);
      return;
    }
    const queue = session.queue();
    const { maxQueued, maxQueuedBytes } = this.limits;
    const bytes = queuedBytes(message);
    if ((maxQueued > 0 && queue.size >= maxQueued) || (maxQueuedBytes > 0 && queue.bytes + bytes > maxQueuedBytes)) {
      this.stats.publishDropped++;
      this.notify('dropped', () => this.hooks.dropped?.(session.clientId, message));
      return;
    }
    const entry = new OutgoingEntry(++this.lastSeq, queue.idForNew(), message, qos, retain, identifiers, bytes);
    // [MQTT-4.5.0-1]: part of the session state, sent only once stored
    if (session.persistent) this.holdUntilStored(session, entry, this.store.addOutgoing(session.clientId, entry.toStored()));
    queue.add(entry);
    if (connection !== null) {
      connection.pump();
      this.checkBacklog(connection, publisher);
    }
  }

  /**
   * A subscriber falling behind pauses the publisher feeding it until it drained; one that fell behind by
   * more than maxBuffered is cut off, so it cannot hold everyone up or fill the memory.
   */
  private checkBacklog(connection: Connection<Info>, publisher: Connection<Info> | null): void {
    const backlog = connection.backlog;
    const limits = this.limits;
    if (backlog <= limits.maxBuffered / 4) return;
    if (backlog > limits.maxBuffered) {
      this.stats.publishDropped++;
      this.log.warn({ clientId: connection.clientId, backlog, limit: limits.maxBuffered }, 'disconnected a client that stopped reading');
      connection.destroy();
      return;
    }
    if (connection.congestedSince === 0) connection.congestedSince = this.clock.now();
    // Only a stream that will emit 'drain' can wake the publisher again.
    if (publisher !== null && publisher !== connection && connection.stream.writableNeedDrain) publisher.waitFor(connection);
  }

  private hand(handler: MessageHandler, message: ApplicationMessage): void {
    try {
      handler(message);
    } catch (error) {
      this.log.error({ err: error, topic: message.topic }, 'an in-process subscriber failed');
    }
  }

  /** [MQTT-3.3.1-5] to [MQTT-3.3.1-7]: replaces the topic's retained message; an empty payload removes it. */
  private retain(message: Message): void {
    if (message.payload.length === 0) {
      if (this.retained.delete(message.topic)) this.storeWrite(this.store.deleteRetained(message.topic));
      return;
    }
    const kept = message.retainedCopy();
    this.retained.set(message.topic, kept);
    this.storeWrite(this.store.putRetained(kept.toStored()));
  }

  /** The retained messages a new subscription gets, with RETAIN set (section 3.3.1.3). */
  sendRetained(session: Session, subscription: Subscription): void {
    const now = this.clock.now();
    const expired: string[] = [];
    const identifiers = subscription.identifier === 0 ? NO_IDENTIFIERS : [subscription.identifier];
    this.retained.forEachMatch(subscription.filter, (message) => {
      if (message.expiresAt !== 0 && message.expiresAt <= now) expired.push(message.topic);
      else this.deliverTo(session, message, (subscription.qos < message.qos ? subscription.qos : message.qos) as QoS, true, identifiers, null);
    });
    for (const topic of expired) {
      this.retained.delete(topic);
      this.storeWrite(this.store.deleteRetained(topic));
    }
  }

  // ---------------------------------------------------------------- hooks

  /** The authorizePublish verdict; a hook that throws or rejects refuses, so the promise never rejects. */
  mayPublish(client: Connection<Info>, message: Message): boolean | Promise<boolean> {
    const hook = this.hooks.authorizePublish;
    if (hook === undefined) return true;
    try {
      const verdict = hook(client, message);
      return verdict instanceof Promise ? verdict.catch((error) => this.hookFailed('authorizePublish', error)) : verdict;
    } catch (error) {
      return this.hookFailed('authorizePublish', error);
    }
  }

  mayDeliver(client: Connection<Info>, message: Message): boolean {
    const hook = this.hooks.authorizeDeliver;
    if (hook === undefined) return true;
    try {
      return hook(client, message);
    } catch (error) {
      return this.hookFailed('authorizeDeliver', error);
    }
  }

  /** Runs a notification hook; one that throws is logged, never takes the broker down. */
  notify(hook: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.hookFailed(hook, error);
    }
  }

  private hookFailed(hook: string, error: unknown): false {
    this.log.error({ err: error }, `the ${hook} hook failed`);
    return false;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Binds a connection to its session: takes over one still connected [MQTT-3.1.4-3], discards it on Clean
   * Start [MQTT-3.1.2-4], resumes it otherwise [MQTT-3.1.2-5]. `stored` resolves once the session is
   * durable, or is null when nothing had to be stored.
   */
  openSession(connection: Connection<Info>, cleanStart: boolean, expiryInterval: number, will: StoredWill | null): { session: Session; present: boolean; stored: Promise<void> | null } {
    const clientId = connection.clientId;
    this.sessions.get(clientId)?.connection?.takeOver();
    let session = this.sessions.get(clientId);
    const writes = this.writeCount;
    if (session !== undefined && cleanStart) {
      this.endSession(session);
      session = undefined;
    }
    const present = session !== undefined;
    if (session === undefined) {
      session = new Session(clientId, expiryInterval);
      this.sessions.set(clientId, session);
    } else {
      // [MQTT-3.1.3-9]: back before the will delay ran out, so no will
      this.clock.clearTimeout(session.timer);
      session.timer = undefined;
    }
    session.expiryInterval = expiryInterval;
    session.will = will;
    session.connection = connection;
    session.disconnectedAt = null;
    if (session.persistent || will !== null) {
      session.stored = true;
      this.storeWrite(this.store.saveSession(this.sessionRecord(session)));
    } else if (session.stored) {
      session.stored = false;
      this.storeWrite(this.store.deleteSession(clientId));
    }
    return { session, present, stored: this.writeCount === writes ? null : this.lastWrite };
  }

  clientConnected(connection: Connection<Info>): void {
    this.connectedCount++;
    if (this.connectedCount > this.stats.clientsMaximum) this.stats.clientsMaximum = this.connectedCount;
    this.notify('connected', () => this.hooks.connected?.(connection));
    if (this.debugging) this.log.debug({ clientId: connection.clientId, remote: connection.connection.remoteAddress }, 'client connected');
  }

  /** Whether debug records are wanted; those written for every connection are built only then. */
  get debugging(): boolean {
    return this.log.isLevelEnabled?.('debug') ?? true;
  }

  /** A connection ended: its session lives on (persistent) or ends; the will is published now or later. */
  connectionClosed(connection: Connection<Info>, publishWill: boolean, wasConnected: boolean): void {
    this.connections.delete(connection);
    if (wasConnected) {
      this.connectedCount--;
      this.notify('disconnected', () => this.hooks.disconnected?.(connection));
    }
    const session = connection.session;
    if (session === null || session.connection !== connection) return;
    session.connection = null;
    session.outgoing?.detach();
    // [MQTT-3.1.2-10]: a normal DISCONNECT deletes the will
    if (!publishWill) session.will = null;
    // A stopping broker leaves sessions as a crash would: the next start takes them from the store.
    if (this.state !== 'started') return;
    const now = this.clock.now();
    session.disconnectedAt = now;
    if (!session.persistent) {
      this.endSession(session);
      return;
    }
    const will = session.will;
    if (will !== null && Math.min(will.delayInterval, session.expiryInterval) === 0) this.publishWill(session);
    this.storeWrite(this.store.saveSession(this.sessionRecord(session)));
    this.scheduleSession(session);
  }

  /** The session ends (section 4.1): a pending will goes now [MQTT-3.1.2-8], and everything of it is forgotten. */
  private endSession(session: Session): void {
    this.clock.clearTimeout(session.timer);
    session.timer = undefined;
    if (session.subscriptions !== null) {
      for (const subscription of session.subscriptions.values()) this.index.remove(subscription);
      session.subscriptions = null;
    }
    this.sessions.delete(session.clientId);
    if (session.will !== null) this.publishWill(session);
    if (session.stored) {
      session.stored = false;
      this.storeWrite(this.store.deleteSession(session.clientId));
    }
  }

  private publishWill(session: Session): void {
    const will = session.will!;
    session.will = null;
    this.log.debug({ clientId: session.clientId, topic: will.topic }, 'publishing a will');
    this.deliver(this.willMessage(will, session.clientId), null);
  }

  /** A will as a message, published now: its expiry counts from now (section 3.1.3.2). */
  willMessage(will: StoredWill, clientId: string): Message {
    const expiresAt = will.expiryInterval === 0 ? 0 : this.clock.now() + will.expiryInterval * 1000;
    return new Message(will.topic, Buffer.byteLength(will.topic), will.payload, will.qos, will.retain, will.properties, expiresAt, clientId);
  }

  /** The will of a CONNECT as the session keeps it: Will Delay and Message Expiry apart, never sent in PUBLISH. */
  storedWill(will: Will): StoredWill {
    return {
      topic: will.topic,
      payload: Buffer.from(will.payload),
      qos: will.qos,
      retain: will.retain,
      properties: messageProperties(will.properties, true),
      delayInterval: will.properties.willDelayInterval ?? 0,
      expiryInterval: will.properties.messageExpiryInterval ?? 0,
    };
  }

  private sessionRecord(session: Session): StoredSession {
    return { clientId: session.clientId, expiryInterval: session.expiryInterval, disconnectedAt: session.disconnectedAt, will: session.will };
  }

  /** After a restart: a session without a connection runs its timers from when its last connection ended. */
  private resumeTimers(session: Session): void {
    if (!session.persistent) this.endSession(session);
    else this.scheduleSession(session);
  }

  /** Arms the timer of a disconnected session for its will delay or its expiry, whichever comes first. */
  private scheduleSession(session: Session): void {
    const endedAt = session.disconnectedAt!;
    const expiresAt = session.expiresNever ? Infinity : endedAt + session.expiryInterval * 1000;
    const will = session.will;
    const willAt = will === null ? Infinity : endedAt + Math.min(will.delayInterval, session.expiryInterval) * 1000;
    const next = Math.min(expiresAt, willAt);
    if (next === Infinity) return;
    const delay = Math.max(0, Math.min(next - this.clock.now(), MAX_TIMER_MS));
    session.timer = this.clock.setTimeout(() => this.sessionTimerFired(session), delay);
  }

  private sessionTimerFired(session: Session): void {
    session.timer = undefined;
    if (session.connection !== null || this.sessions.get(session.clientId) !== session) return;
    const now = this.clock.now();
    const endedAt = session.disconnectedAt!;
    // [MQTT-4.1.0-2]
    if (!session.expiresNever && now >= endedAt + session.expiryInterval * 1000) {
      this.log.debug({ clientId: session.clientId }, 'session expired');
      this.endSession(session);
      return;
    }
    const will = session.will;
    if (will !== null && now >= endedAt + will.delayInterval * 1000) {
      this.publishWill(session);
      this.storeWrite(this.store.saveSession(this.sessionRecord(session)));
    }
    this.scheduleSession(session);
  }

  // ---------------------------------------------------------------- subscriptions of sessions

  /** Adds or replaces [MQTT-3.8.4-3] a session's subscription; undefined when the session has too many. */
  addSubscription(session: Session, request: SubscriptionRequest, parsed: ParsedFilter, qos: QoS, identifier: number): { subscription: Subscription; existed: boolean } | undefined {
    const subscriptions = (session.subscriptions ??= new Map());
    const existing = subscriptions.get(request.filter);
    const max = this.limits.maxSubscriptions;
    if (existing === undefined && max > 0 && subscriptions.size >= max) return undefined;
    if (existing !== undefined) this.index.remove(existing);
    const subscription = this.newSubscription(session, { ...request, identifier }, parsed, qos, identifier);
    this.index.add(subscription);
    subscriptions.set(request.filter, subscription);
    if (session.persistent) this.storeWrite(this.store.saveSubscription(session.clientId, subscription.toStored()));
    return { subscription, existed: existing !== undefined };
  }

  private newSubscription(session: Session, request: Omit<SubscriptionRequest, 'qos'> & { identifier: number }, parsed: ParsedFilter, qos: QoS, identifier: number): Subscription {
    const group = parsed.share === null ? null : (this.index.group(parsed.share, parsed.filter) ?? new SharedGroup(parsed.share, parsed.filter));
    return new Subscription(session, request.filter, parsed.filter, qos, request.noLocal, request.retainAsPublished, request.retainHandling, identifier, group);
  }

  /** Removes a session's subscription to exactly `filter` [MQTT-3.10.4-1]; false when there was none. */
  removeSubscription(session: Session, filter: string): boolean {
    const subscription = session.subscriptions?.get(filter);
    if (subscription === undefined) return false;
    this.index.remove(subscription);
    session.subscriptions!.delete(filter);
    if (session.persistent) this.storeWrite(this.store.deleteSubscription(session.clientId, filter));
    return true;
  }

  /** A QoS 1 or 2 message is done with: acknowledged, expired, refused, or too large for the client. */
  outgoingDone(session: Session, entry: OutgoingEntry): void {
    session.outgoing!.delete(entry);
    if (session.persistent) this.storeWrite(this.store.deleteOutgoing(session.clientId, entry.seq));
  }

  /**
   * Gives a queued message that has no Packet Identifier one as it is about to be sent; false while all
   * are taken. A QoS 2 message leaves only once its identifier is stored: after a restart it must be sent
   * again under the same one, or the client could deliver it twice [MQTT-4.3.3-10]. A QoS 1
   * message may come under a new one, as a client treats every QoS 1 PUBLISH as new [MQTT-4.3.2-5].
   */
  identifyOutgoing(session: Session, entry: OutgoingEntry): boolean {
    if (!session.outgoing!.identify(entry)) return false;
    if (session.persistent && entry.qos === 2) this.holdUntilStored(session, entry, this.store.identifyOutgoing(session.clientId, entry.seq, entry.packetId));
    return true;
  }

  /** The entry waits in its queue until the write is committed (or failed, which storeWrite logs). */
  private holdUntilStored(session: Session, entry: OutgoingEntry, write: Promise<void>): void {
    entry.committed = false;
    const commit = () => {
      entry.committed = true;
      session.connection?.pump();
    };
    this.storeWrite(write).then(commit, commit);
  }

  /** A client identifier for a client that sent none [MQTT-3.2.2-16]: unused by any session. */
  assignClientId(): string {
    let id: string;
    do id = `auto-${randomUUID()}`;
    while (this.sessions.has(id));
    return id;
  }

  // ---------------------------------------------------------------- store and output

  /** Tracks a store write: failures are logged here, and waiting on lastWrite covers it. */
  storeWrite(write: Promise<void>): Promise<void> {
    this.writeCount++;
    this.lastWrite = write;
    write.catch((error) => this.log.error({ err: error }, 'a broker store write failed'));
    return write;
  }

  /**
   * A connection has output. What one received chunk causes goes out when the chunk is handled
   * (`received`), everything else at the end of the turn: either way one write per connection.
   */
  scheduleFlush(connection: Connection<Info>): void {
    this.dirty.push(connection);
    if (this.receiving || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushAll);
  }

  /** Runs `handle` (a received chunk's packets), then sends what it made the broker write. */
  receive(connection: Connection<Info>, chunk: Buffer): void {
    this.receiving = true;
    try {
      connection.receive(chunk);
    } finally {
      this.receiving = false;
    }
    this.flushAll();
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const batch = this.dirty;
    this.dirty = this.flushing;
    this.flushing = batch;
    for (let i = 0; i < batch.length; i++) if (batch[i].dirty) batch[i].flush();
    batch.length = 0;
  };

  /**
   * Keep-alive [MQTT-3.1.2-22]; connections not through CONNECT (and its authentication) within the
   * connect timeout; subscribers that held their publishers up too long.
   */
  private sweep(): void {
    const now = this.clock.now();
    const { connectTimeout, stalledTimeout } = this.limits;
    for (const connection of this.connections) {
      if (!connection.connected) {
        if (now - connection.openedAt > connectTimeout) connection.expire();
      } else if (connection.keepAliveExpired) {
        connection.expire();
      } else if (connection.congestedSince !== 0) {
        if (connection.backlog <= this.limits.maxBuffered / 4) connection.congestedSince = 0;
        else if (now - connection.congestedSince > stalledTimeout) {
          this.stats.publishDropped++;
          this.log.warn({ clientId: connection.clientId, backlog: connection.backlog, behindMs: now - connection.congestedSince }, 'disconnected a client that stopped reading');
          connection.destroy();
        }
      }
    }
    this.sweepTimer = this.clock.setTimeout(() => this.sweep(), SWEEP_INTERVAL_MS);
  }
}
