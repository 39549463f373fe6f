import { Buffer } from 'node:buffer';
import { ReturnCode, type SnReturnCode } from '../constants.js';
import { decode } from '../decode.js';
import { encode, SnEncodeError } from '../encode.js';
import type {
  SnConnect,
  SnDisconnect,
  SnPlainMessage,
  SnPublish,
  SnPublishTopic,
  SnQosLevel,
  SnSubscribe,
  SnSubscribeTopic,
  SnUnsubscribe,
  SnWillSettings,
} from '../messages.js';
import {
  systemClock,
  type SnBrokerMessage,
  type SnBrokerPort,
  type SnBrokerSession,
  type SnClock,
  type SnGatewayStore,
  type SnLink,
  type SnLogger,
  type SnPredefinedTopic,
  type SnStoredSession,
  type SnWill,
} from './ports.js';
import { isValidTopicFilter, isValidTopicName } from '@hearth/mqtt-topics';
import { hasWildcard, isShortTopicName, PredefinedTopics, TopicRegistry } from './topics.js';

export interface SnGatewayOptions {
  gatewayId: number;
  broker: SnBrokerPort;
  store: SnGatewayStore;
  clock?: SnClock;
  log?: SnLogger;
  /** Predefined topic ids from configuration; they win over the store's. */
  predefined?: readonly SnPredefinedTopic[];
  /** Tretry: ms before an unanswered REGISTER, PUBLISH or PUBREL is sent again. Default 10 s. */
  retryInterval?: number;
  /** Nretry: resends before the client is taken for lost. Default 3. */
  maxRetries?: number;
  /** Seconds between ADVERTISE broadcasts; 0 = never. Default 900. */
  advertiseInterval?: number;
  /** Sessions (awake or asleep); a CONNECT beyond is answered with the congestion code. Default 1000. */
  maxClients?: number;
  /** Topic ids registered per client; a REGISTER beyond gets the congestion code. Default 1000. */
  maxTopicsPerClient?: number;
  /** Messages queued per client for delivery, or buffered while it sleeps; older ones are kept, newer dropped. Default 1000. */
  maxQueued?: number;
  /** Client QoS 1/2 publishes waiting for the broker; one beyond gets the congestion code. Default 20. */
  maxInflight?: number;
}

/** Counters for the health report. */
export interface SnGatewayStats {
  framesIn: number;
  framesOut: number;
  /** Frames that did not decode. */
  badFrames: number;
  /** PUBLISHes from clients handed to the broker. */
  publishesIn: number;
  /** PUBLISHes sent to clients. */
  publishesOut: number;
  retransmissions: number;
  /** Clients whose keep-alive or sleep lapsed, or that stopped answering: their will was published. */
  clientsLost: number;
  /** Requests refused with the congestion return code. */
  congestion: number;
  /** CONNECTs and wake-ups the broker did not admit (who the client claimed to be, from where). */
  refused: number;
  /** Messages that could not be delivered: queue full, unknown topic, rejected registration. */
  dropped: number;
}

const NO_LOGGER: SnLogger = { debug() {}, info() {}, warn() {} };
/** Keep-alive and sleep durations get the tolerance MQTT uses (3.1.1 section 3.1.2.10). */
const KEEP_ALIVE_TOLERANCE = 1.5;

interface Peer {
  link: SnLink;
  address: string;
  wirelessNodeId: Buffer | null;
  key: string;
}

type State = 'connecting' | 'active' | 'asleep' | 'awake';

/** A gateway-initiated exchange waiting for the client's answer; one at a time per client. */
interface Inflight {
  frame: SnPlainMessage;
  /** The message a PUBLISH carries, to buffer again if the client falls asleep before acknowledging. */
  message?: SnBrokerMessage;
  retries: number;
  timer: unknown;
}

class Client {
  state: State = 'connecting';
  broker: SnBrokerSession | undefined;
  /** Bumped per broker session so events of a replaced one are ignored. */
  generation = 0;
  readonly subscriptions = new Map<string, SnQosLevel>();
  /** Messages for the client while it is awake; while asleep they are in the store. */
  queue: SnBrokerMessage[] = [];
  buffered = 0;
  inflight: Inflight | undefined;
  /** QoS 2 publishes from the client: false while the broker takes it, true once PUBREC may be sent. */
  readonly awaitingRel = new Map<number, boolean>();
  pendingPublishes = 0;
  /** Deliveries wait while this is above 0, so SUBACK goes before the retained messages it triggers. */
  holds = 0;
  lastSeen = 0;
  supervision: unknown;
  private msgId = 0;
  closed = false;

  constructor(
    public peer: Peer,
    readonly clientId: string,
    readonly cleanSession: boolean,
    public keepAlive: number,
    public will: SnWill | null,
    public sleepDuration: number,
    readonly topics: TopicRegistry,
  ) {}

  nextMsgId(): number {
    this.msgId = this.msgId === 0xffff ? 1 : this.msgId + 1;
    return this.msgId;
  }
}

interface PendingConnect {
  message: SnConnect;
  will?: SnWillSettings | null;
  timer: unknown;
}

/**
 * The MQTT-SN v1.2 gateway (transparent, spec 4.1): each client gets its own broker session. Transports
 * hand frames to `receive`; the gateway answers through the frame's link. Never throws on wire input.
 */
export class SnGateway {
  readonly stats: SnGatewayStats = {
    framesIn: 0,
    framesOut: 0,
    badFrames: 0,
    publishesIn: 0,
    publishesOut: 0,
    retransmissions: 0,
    clientsLost: 0,
    congestion: 0,
    refused: 0,
    dropped: 0,
  };
  private readonly broker: SnBrokerPort;
  private readonly store: SnGatewayStore;
  private readonly clock: SnClock;
  private readonly log: SnLogger;
  private readonly gatewayId: number;
  private readonly retryInterval: number;
  private readonly maxRetries: number;
  private readonly advertiseInterval: number;
  private readonly maxClients: number;
  private readonly maxTopics: number;
  private readonly maxQueued: number;
  private readonly maxInflight: number;
  private readonly links = new Map<string, SnLink>();
  private readonly clients = new Map<string, Client>();
  private readonly peers = new Map<string, Client>();
  private readonly connecting = new Map<string, PendingConnect>();
  private readonly configuredTopics: readonly SnPredefinedTopic[];
  private predefined = new PredefinedTopics([]);
  private advertiseTimer: unknown;
  private stopping = false;

  constructor(options: SnGatewayOptions) {
    this.broker = options.broker;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? NO_LOGGER;
    this.gatewayId = options.gatewayId;
    this.configuredTopics = options.predefined ?? [];
    this.retryInterval = options.retryInterval ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.advertiseInterval = options.advertiseInterval ?? 900;
    this.maxClients = options.maxClients ?? 1000;
    this.maxTopics = options.maxTopicsPerClient ?? 1000;
    this.maxQueued = options.maxQueued ?? 1000;
    this.maxInflight = options.maxInflight ?? 20;
  }

  /** The predefined topic ids in use: the store's and the configured ones (which win), as loaded at start. */
  predefinedTopics(): SnPredefinedTopic[] {
    return this.predefined.list();
  }

  addLink(link: SnLink): void {
    this.links.set(link.name, link);
  }

  /** Loads predefined topics, takes up the sessions of the last run and starts advertising. */
  async start(): Promise<void> {
    this.predefined = new PredefinedTopics([...this.store.predefinedTopics(), ...this.configuredTopics]);
    for (const stored of this.store.liveSessions()) await this.restore(stored);
    if (this.advertiseInterval > 0) this.scheduleAdvertise();
  }

  /**
   * Closes every broker session without publishing wills and keeps the sessions in the store, so the
   * next start takes them up again: to the sensors a restart looks like a short silence.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clock.clearTimeout(this.advertiseTimer);
    for (const pending of this.connecting.values()) this.clock.clearTimeout(pending.timer);
    this.connecting.clear();
    const closing: Promise<void>[] = [];
    for (const client of this.clients.values()) {
      this.stopTimers(client);
      this.bufferUnsent(client);
      closing.push(this.closeBroker(client, 'disconnect'));
    }
    this.clients.clear();
    this.peers.clear();
    await Promise.all(closing);
  }

  /** Clients by state, for the health report. */
  sessionCounts(): { active: number; asleep: number } {
    let asleep = 0;
    for (const client of this.clients.values()) if (client.state === 'asleep' || client.state === 'awake') asleep++;
    return { active: this.clients.size - asleep, asleep };
  }

  /** Broadcasts one ADVERTISE on a link, e.g. when its serial port has just opened. */
  advertise(link: SnLink): void {
    if (!link.broadcast || this.advertiseInterval === 0) return;
    const frame = this.frame({ type: 'advertise', gwId: this.gatewayId, duration: this.advertiseInterval });
    if (frame) link.broadcast(frame);
  }

  /** One frame from a link; `address` names the sender on that link. */
  receive(link: SnLink, address: string, frame: Buffer): void {
    if (this.stopping) return;
    this.stats.framesIn++;
    const result = decode(frame);
    if (!result.ok) {
      this.stats.badFrames++;
      this.log.debug({ link: link.name, address, error: result.error.message }, 'dropped a bad frame');
      return;
    }
    let message = result.message;
    if (link.discoveryOnly && message.type !== 'searchgw') {
      this.log.debug({ link: link.name, address, type: message.type }, 'ignored a message on a discovery link');
      return;
    }
    let wirelessNodeId: Buffer | null = null;
    if (message.type === 'encapsulated') {
      wirelessNodeId = Buffer.from(message.wirelessNodeId);
      message = message.message;
    }
    const key = wirelessNodeId ? `${link.name}|${address}|${wirelessNodeId.toString('hex')}` : `${link.name}|${address}`;
    this.handle({ link, address, wirelessNodeId, key }, message);
  }

  private handle(peer: Peer, m: SnPlainMessage): void {
    switch (m.type) {
      case 'searchgw':
        return this.answerSearch(peer);
      case 'connect':
        return this.onConnect(peer, m);
      case 'willtopic':
      case 'willmsg':
        return this.onWillFlow(peer, m);
      case 'pingreq':
        if (m.clientId) return this.onWakeUp(peer, m.clientId);
        break;
      case 'publish':
        if (m.qos === -1) return this.onAnonymousPublish(peer, m);
        break;
      // Another gateway's or a client's broadcast, or a gateway-to-client type: not for us.
      case 'advertise':
      case 'gwinfo':
      case 'connack':
      case 'willtopicreq':
      case 'willmsgreq':
      case 'suback':
      case 'unsuback':
      case 'pingresp':
      case 'willtopicresp':
      case 'willmsgresp':
        return;
    }
    const client = this.peers.get(peer.key);
    if (!client || client.state === 'connecting') {
      // The client thinks it has a session the gateway does not know: tell it to connect again.
      if (m.type !== 'disconnect') this.send(peer, { type: 'disconnect' });
      return;
    }
    client.lastSeen = this.clock.now();
    switch (m.type) {
      case 'register':
        return this.onRegister(client, m.msgId, m.topicName);
      case 'regack':
        return this.onRegack(client, m.msgId, m.topicId, m.returnCode);
      case 'publish':
        return this.onPublish(client, m);
      case 'puback':
        return this.onPuback(client, m.msgId, m.topicId, m.returnCode);
      case 'pubrec':
        return this.onPubrec(client, m.msgId);
      case 'pubrel':
        client.awaitingRel.delete(m.msgId);
        return this.send(client.peer, { type: 'pubcomp', msgId: m.msgId });
      case 'pubcomp':
        return this.onPubcomp(client, m.msgId);
      case 'subscribe':
        return void this.onSubscribe(client, m);
      case 'unsubscribe':
        return void this.onUnsubscribe(client, m);
      case 'pingreq':
        // Without a client id (Paho's MQTT-SN client wakes this way): known by its address.
        return this.onPing(client);
      case 'disconnect':
        return this.onDisconnect(client, m);
      case 'willtopicupd':
        return void this.updateWill(client, m.will && { ...m.will, payload: client.will?.payload ?? Buffer.alloc(0) }, 'willtopicresp');
      case 'willmsgupd':
        return void this.updateWill(client, client.will && { ...client.will, payload: Buffer.from(m.willMsg) }, 'willmsgresp');
    }
  }

  // --- discovery ---

  private answerSearch(peer: Peer): void {
    const frame = this.frame({ type: 'gwinfo', gwId: this.gatewayId });
    if (!frame) return;
    // Broadcast where the link can, so every client that searched learns of the gateway (spec 6.1).
    if (peer.link.broadcast && !peer.wirelessNodeId) peer.link.broadcast(frame);
    else this.send(peer, { type: 'gwinfo', gwId: this.gatewayId });
  }

  private scheduleAdvertise(): void {
    for (const link of this.links.values()) this.advertise(link);
    this.advertiseTimer = this.clock.setTimeout(() => this.scheduleAdvertise(), this.advertiseInterval * 1000);
  }

  // --- connection (spec 6.3) ---

  private onConnect(peer: Peer, m: SnConnect): void {
    const previous = this.connecting.get(peer.key);
    if (previous) this.clock.clearTimeout(previous.timer);
    this.connecting.delete(peer.key);
    if (!this.admitted(peer, m.clientId)) return this.send(peer, { type: 'connack', returnCode: ReturnCode.NOT_SUPPORTED });
    if (!this.clients.has(m.clientId) && this.clients.size >= this.maxClients) {
      this.stats.congestion++;
      this.log.warn({ clientId: m.clientId, limit: this.maxClients }, 'refused a connection: too many MQTT-SN clients');
      return this.send(peer, { type: 'connack', returnCode: ReturnCode.CONGESTION });
    }
    if (!m.will) return void this.completeConnect(peer, m, null);
    // The client repeats CONNECT if the flow stalls; a flow it abandons is dropped after the usual retries.
    const timer = this.clock.setTimeout(() => this.connecting.delete(peer.key), this.retryInterval * (this.maxRetries + 1));
    this.connecting.set(peer.key, { message: m, timer });
    this.send(peer, { type: 'willtopicreq' });
  }

  private onWillFlow(peer: Peer, m: Extract<SnPlainMessage, { type: 'willtopic' | 'willmsg' }>): void {
    const pending = this.connecting.get(peer.key);
    if (!pending) return;
    if (m.type === 'willtopic') {
      if (m.will === null) {
        // An empty WILLTOPIC: the client has no will after all.
        this.finishWillFlow(peer, pending, null);
        return;
      }
      pending.will = m.will;
      return this.send(peer, { type: 'willmsgreq' });
    }
    if (!pending.will) return;
    this.finishWillFlow(peer, pending, { ...pending.will, payload: Buffer.from(m.willMsg) });
  }

  private finishWillFlow(peer: Peer, pending: PendingConnect, will: SnWill | null): void {
    this.clock.clearTimeout(pending.timer);
    this.connecting.delete(peer.key);
    void this.completeConnect(peer, pending.message, will);
  }

  private async completeConnect(peer: Peer, m: SnConnect, will: SnWill | null): Promise<void> {
    const existing = this.clients.get(m.clientId);
    if (existing) await this.retire(existing);
    // Another client id from the same address: that device now goes by a new id, its old session ends.
    const replaced = this.peers.get(peer.key);
    if (replaced && replaced !== existing) this.end(replaced, 'disconnect');

    if (m.cleanSession) this.store.deleteSession(m.clientId);
    // Spec 6.3: CleanSession extends to the will, so without it and without the Will flag the will stays
    // (a sleeping sensor's CONNECT back to active must not lose it).
    const keptWill = will ?? (!m.will && !m.cleanSession ? (existing?.will ?? null) : null);
    const client = new Client(peer, m.clientId, m.cleanSession, m.duration, keptWill, 0, new TopicRegistry(m.cleanSession ? [] : this.store.topics(m.clientId)));
    if (!m.cleanSession) {
      for (const { filter, qos } of this.store.subscriptions(m.clientId)) client.subscriptions.set(filter, qos);
      client.queue = this.store.takeBuffered(m.clientId);
    }
    this.clients.set(client.clientId, client);
    this.peers.set(peer.key, client);
    // A session that was clean had its broker subscriptions dropped with it: a sleeping sensor's CONNECT back to
    // active (no clean session) after a clean boot must subscribe again, or it hears no command after this wake.
    const resubscribe = !m.cleanSession && existing?.cleanSession === true;
    if (!(await this.openBroker(client, resubscribe))) {
      if (client.closed) return; // a repeated CONNECT took over meanwhile
      this.forget(client);
      this.send(peer, { type: 'connack', returnCode: ReturnCode.NOT_SUPPORTED });
      return;
    }
    client.state = 'active';
    client.lastSeen = this.clock.now();
    this.save(client);
    this.log.info({ clientId: client.clientId, link: peer.link.name, address: peer.address, keepAlive: m.duration, cleanSession: m.cleanSession }, 'MQTT-SN client connected');
    this.send(peer, { type: 'connack', returnCode: ReturnCode.ACCEPTED });
    this.supervise(client);
    this.pump(client);
  }

  /** Ends a session that a new CONNECT replaces: no will, the client is still there. */
  private async retire(client: Client): Promise<void> {
    this.stopTimers(client);
    this.bufferUnsent(client);
    this.forget(client);
    await this.closeBroker(client, 'disconnect');
  }

  /** Opens the client's broker session; `resubscribe` where the broker cannot have kept its subscriptions. */
  private async openBroker(client: Client, resubscribe: boolean): Promise<boolean> {
    const generation = ++client.generation;
    client.holds++;
    try {
      const session = await this.broker.open(
        { clientId: client.clientId, origin: { link: client.peer.link.name, address: client.peer.address }, cleanSession: client.cleanSession, will: client.will },
        {
          onMessage: (message) => {
            if (client.generation === generation) this.deliver(client, message);
          },
          onClose: () => {
            if (client.generation !== generation || client.closed || this.stopping) return;
            this.log.info({ clientId: client.clientId }, 'the broker ended an MQTT-SN session (client id taken over?)');
            this.stopTimers(client);
            this.forget(client);
            this.send(client.peer, { type: 'disconnect' });
          },
        },
      );
      if (client.closed || client.generation !== generation) {
        void session.close('disconnect');
        return false;
      }
      client.broker = session;
      if (resubscribe) {
        for (const [filter, qos] of client.subscriptions) await session.subscribe(filter, qos);
      }
      return true;
    } catch (error) {
      this.log.warn({ clientId: client.clientId, reason: (error as Error).message }, 'the broker refused an MQTT-SN session');
      return false;
    } finally {
      client.holds--;
    }
  }

  private async closeBroker(client: Client, mode: 'disconnect' | 'drop'): Promise<void> {
    const session = client.broker;
    client.broker = undefined;
    client.generation++;
    await session?.close(mode);
  }

  /** Takes up a session of the last run; a clean one lost its broker subscriptions with the restart. */
  private async restore(stored: SnStoredSession): Promise<void> {
    const link = this.links.get(stored.link);
    if (!link) {
      this.log.warn({ clientId: stored.clientId, link: stored.link }, 'kept a stored MQTT-SN session whose link is not configured');
      return;
    }
    const key = stored.wirelessNodeId
      ? `${link.name}|${stored.address}|${stored.wirelessNodeId.toString('hex')}`
      : `${link.name}|${stored.address}`;
    const peer: Peer = { link, address: stored.address, wirelessNodeId: stored.wirelessNodeId, key };
    const client = new Client(peer, stored.clientId, stored.cleanSession, stored.keepAlive, stored.will, stored.sleepDuration, new TopicRegistry(this.store.topics(stored.clientId)));
    for (const { filter, qos } of this.store.subscriptions(stored.clientId)) client.subscriptions.set(filter, qos);
    if (stored.state === 'asleep') client.buffered = this.store.bufferedCount(stored.clientId);
    else client.queue = this.store.takeBuffered(stored.clientId);
    this.clients.set(client.clientId, client);
    this.peers.set(key, client);
    if (!(await this.openBroker(client, stored.cleanSession))) return this.forget(client);
    client.state = stored.state === 'asleep' ? 'asleep' : 'active';
    client.lastSeen = this.clock.now();
    this.supervise(client);
    this.pump(client);
  }

  // --- keep-alive and sleep (spec 6.10, 6.14) ---

  /** Arms the timer that takes the client for lost once it has been silent too long. */
  private supervise(client: Client): void {
    this.clock.clearTimeout(client.supervision);
    const seconds = client.state === 'active' ? client.keepAlive : client.sleepDuration;
    if (seconds === 0) return;
    const period = seconds * 1000 * KEEP_ALIVE_TOLERANCE;
    // Activity only moves lastSeen; the timer re-arms itself for what is left, so no timer churn per message.
    const check = () => {
      const silent = this.clock.now() - client.lastSeen;
      if (silent >= period) this.lose(client, client.state === 'active' ? 'keep-alive lapsed' : 'sleep duration lapsed');
      else client.supervision = this.clock.setTimeout(check, period - silent);
    };
    client.supervision = this.clock.setTimeout(check, period);
  }

  /** The client is gone without DISCONNECT: the broker publishes its will. */
  private lose(client: Client, reason: string): void {
    this.stats.clientsLost++;
    this.log.info({ clientId: client.clientId, reason }, 'MQTT-SN client lost; publishing its will');
    this.end(client, 'drop');
  }

  private end(client: Client, mode: 'disconnect' | 'drop'): void {
    this.stopTimers(client);
    this.forget(client);
    void this.closeBroker(client, mode);
    if (client.cleanSession) {
      this.store.deleteSession(client.clientId);
      return;
    }
    this.bufferUnsent(client);
    this.save(client, 'disconnected');
  }

  private onDisconnect(client: Client, m: SnDisconnect): void {
    if (m.duration === undefined || m.duration === 0) {
      this.send(client.peer, { type: 'disconnect' });
      this.log.info({ clientId: client.clientId }, 'MQTT-SN client disconnected');
      return this.end(client, 'disconnect');
    }
    this.bufferUnsent(client);
    client.state = 'asleep';
    client.sleepDuration = m.duration;
    this.save(client);
    this.send(client.peer, { type: 'disconnect' });
    this.log.debug({ clientId: client.clientId, duration: m.duration }, 'MQTT-SN client asleep');
    this.supervise(client);
  }

  /** PINGREQ with a client id: the client may come back from another address (spec 6.14). */
  private onWakeUp(peer: Peer, clientId: string): void {
    const client = this.clients.get(clientId);
    if (!client || client.state === 'connecting') return this.send(peer, { type: 'disconnect' });
    if (client.peer.key !== peer.key && !this.admitted(peer, clientId)) return this.send(peer, { type: 'disconnect' });
    client.lastSeen = this.clock.now();
    if (client.peer.key !== peer.key) {
      // Sensors may come back with another network address (a new UDP port, a rejoined radio).
      this.peers.delete(client.peer.key);
      client.peer = peer;
      this.peers.set(peer.key, client);
      this.save(client);
    }
    this.onPing(client);
  }

  /** PINGREQ from a known client: an active one gets PINGRESP; a sleeping one wakes for what was buffered, then PINGRESP (spec 6.14). */
  private onPing(client: Client): void {
    if (client.state === 'active') return this.send(client.peer, { type: 'pingresp' });
    if (client.state === 'awake') return; // a repeated PINGREQ while the delivery is still running
    client.state = 'awake';
    client.queue = this.store.takeBuffered(client.clientId);
    client.buffered = 0;
    this.pump(client);
  }

  private admitted(peer: Peer, clientId: string): boolean {
    const refused = this.broker.admit(clientId, { link: peer.link.name, address: peer.address });
    if (refused === null) return true;
    this.stats.refused++;
    this.log.warn({ clientId, link: peer.link.name, address: peer.address, reason: refused }, 'refused an MQTT-SN client');
    return false;
  }

  private stopTimers(client: Client): void {
    this.clock.clearTimeout(client.supervision);
    if (client.inflight) this.clock.clearTimeout(client.inflight.timer);
  }

  private forget(client: Client): void {
    client.closed = true;
    if (this.clients.get(client.clientId) === client) this.clients.delete(client.clientId);
    if (this.peers.get(client.peer.key) === client) this.peers.delete(client.peer.key);
  }

  /** What was not yet delivered goes to the store, to be sent when the client is back. */
  private bufferUnsent(client: Client): void {
    const unsent = client.inflight?.message ? [client.inflight.message, ...client.queue] : client.queue;
    if (client.inflight) this.clock.clearTimeout(client.inflight.timer);
    client.inflight = undefined;
    client.queue = [];
    for (const message of unsent) this.bufferOne(client, message);
  }

  private bufferOne(client: Client, message: SnBrokerMessage): void {
    if (client.buffered >= this.maxQueued) {
      this.stats.dropped++;
      return;
    }
    this.store.buffer(client.clientId, message);
    client.buffered++;
  }

  private save(client: Client, state: SnStoredSession['state'] = client.state === 'active' ? 'active' : 'asleep'): void {
    this.store.saveSession({
      clientId: client.clientId,
      link: client.peer.link.name,
      address: client.peer.address,
      wirelessNodeId: client.peer.wirelessNodeId,
      cleanSession: client.cleanSession,
      keepAlive: client.keepAlive,
      will: client.will,
      state,
      sleepDuration: client.sleepDuration,
    });
  }

  private async updateWill(client: Client, will: SnWill | null, answer: 'willtopicresp' | 'willmsgresp'): Promise<void> {
    client.will = will;
    this.save(client);
    // MQTT fixes the will at CONNECT: the broker session is opened again with the new one.
    await this.closeBroker(client, 'disconnect');
    const ok = await this.openBroker(client, client.cleanSession);
    if (!ok) {
      if (client.closed) return;
      this.send(client.peer, { type: answer, returnCode: ReturnCode.NOT_SUPPORTED });
      return this.end(client, 'disconnect');
    }
    this.send(client.peer, { type: answer, returnCode: ReturnCode.ACCEPTED });
    this.pump(client);
  }

  // --- topics and publishes from clients (spec 6.5, 6.6, 6.8) ---

  private onRegister(client: Client, msgId: number, topicName: string): void {
    const answer = (topicId: number, returnCode: SnReturnCode) => this.send(client.peer, { type: 'regack', topicId, msgId, returnCode });
    if (!isValidTopicName(topicName)) return answer(0, ReturnCode.NOT_SUPPORTED);
    const known = client.topics.id(topicName);
    if (known !== undefined) return answer(known, ReturnCode.ACCEPTED);
    if (client.topics.size >= this.maxTopics) {
      this.stats.congestion++;
      return answer(0, ReturnCode.CONGESTION);
    }
    answer(this.register(client, topicName), ReturnCode.ACCEPTED);
  }

  private register(client: Client, topicName: string): number {
    const topicId = client.topics.add(topicName);
    this.store.saveTopic(client.clientId, { topicId, topicName });
    return topicId;
  }

  /** The topic name a client's PUBLISH refers to, or undefined when the id is unknown. */
  private inboundTopic(clientId: string | undefined, client: Client | undefined, topic: SnPublishTopic): string | undefined {
    const name =
      topic.topicIdType === 'short'
        ? topic.topicName
        : topic.topicIdType === 'predefined'
          ? this.predefined.name(clientId ?? '*', topic.topicId)
          : client?.topics.name(topic.topicId);
    return name !== undefined && isValidTopicName(name) ? name : undefined;
  }

  private onPublish(client: Client, m: SnPublish): void {
    const topicId = topicIdField(m.topic);
    const topic = this.inboundTopic(client.clientId, client, m.topic);
    if (topic === undefined) {
      this.stats.dropped++;
      return this.send(client.peer, { type: 'puback', topicId, msgId: m.msgId, returnCode: ReturnCode.INVALID_TOPIC_ID });
    }
    const qos = m.qos as SnQosLevel;
    if (qos === 2) {
      const stored = client.awaitingRel.get(m.msgId);
      // A repeat of a QoS 2 publish the broker already has: acknowledge again, publish once.
      if (stored) return this.send(client.peer, { type: 'pubrec', msgId: m.msgId });
      if (stored === false) return;
    }
    const session = client.broker;
    if (!session || (qos > 0 && client.pendingPublishes >= this.maxInflight)) {
      this.stats.congestion++;
      return this.send(client.peer, { type: 'puback', topicId, msgId: m.msgId, returnCode: ReturnCode.CONGESTION });
    }
    this.stats.publishesIn++;
    const published = session.publish({ topic, payload: m.payload, qos, retain: m.retain });
    if (qos === 0) {
      published.catch((error: Error) => this.log.warn({ clientId: client.clientId, topic, reason: error.message }, 'the broker did not take a publish'));
      return;
    }
    client.pendingPublishes++;
    if (qos === 2) client.awaitingRel.set(m.msgId, false);
    published.then(
      () => {
        client.pendingPublishes--;
        if (qos === 1) return this.send(client.peer, { type: 'puback', topicId, msgId: m.msgId, returnCode: ReturnCode.ACCEPTED });
        client.awaitingRel.set(m.msgId, true);
        this.send(client.peer, { type: 'pubrec', msgId: m.msgId });
      },
      (error: Error) => {
        client.pendingPublishes--;
        client.awaitingRel.delete(m.msgId);
        this.log.warn({ clientId: client.clientId, topic, reason: error.message }, 'the broker did not take a publish');
        this.stats.congestion++;
        this.send(client.peer, { type: 'puback', topicId, msgId: m.msgId, returnCode: ReturnCode.CONGESTION });
      },
    );
  }

  /**
   * QoS -1 (spec 6.8): fire and forget, from clients that may not even be connected. One whose address
   * holds a session publishes through it, with that session's rights; the others are the broker's to judge.
   */
  private onAnonymousPublish(peer: Peer, m: SnPublish): void {
    const client = this.peers.get(peer.key);
    const topic = this.inboundTopic(client?.clientId, client, m.topic);
    if (topic === undefined) {
      this.stats.dropped++;
      this.log.debug({ link: peer.link.name, address: peer.address, topic: m.topic }, 'dropped a QoS -1 publish to an unknown topic');
      return;
    }
    this.stats.publishesIn++;
    const message = { topic, payload: m.payload, qos: 0 as const, retain: m.retain };
    const published = client?.broker
      ? client.broker.publish(message)
      : this.broker.publishAnonymous(message, { origin: { link: peer.link.name, address: peer.address }, topicIdType: m.topic.topicIdType });
    published.catch((error: Error) => this.log.warn({ topic, reason: error.message }, 'the broker did not take a QoS -1 publish'));
  }

  // --- subscriptions (spec 6.9) ---

  private subscriptionFilter(client: Client, topic: SnSubscribeTopic): string | undefined {
    const filter = topic.topicIdType === 'predefined' ? this.predefined.name(client.clientId, topic.topicId) : topic.topicName;
    return filter !== undefined && isValidTopicFilter(filter) ? filter : undefined;
  }

  private async onSubscribe(client: Client, m: SnSubscribe): Promise<void> {
    const answer = (qos: SnQosLevel, topicId: number, returnCode: SnReturnCode) =>
      this.send(client.peer, { type: 'suback', qos, topicId, msgId: m.msgId, returnCode });
    const filter = this.subscriptionFilter(client, m.topic);
    if (filter === undefined) return answer(0, 0, ReturnCode.INVALID_TOPIC_ID);
    let topicId = 0;
    if (m.topic.topicIdType === 'predefined') topicId = m.topic.topicId;
    else if (m.topic.topicIdType === 'normal' && !hasWildcard(filter)) {
      const known = client.topics.id(filter);
      if (known === undefined && client.topics.size >= this.maxTopics) {
        this.stats.congestion++;
        return answer(0, 0, ReturnCode.CONGESTION);
      }
      topicId = known ?? this.register(client, filter);
    }
    const session = client.broker;
    if (!session) return answer(0, 0, ReturnCode.CONGESTION);
    client.holds++;
    try {
      const granted = await session.subscribe(filter, m.qos);
      if (granted === null) return answer(0, 0, ReturnCode.NOT_SUPPORTED);
      client.subscriptions.set(filter, granted);
      this.store.saveSubscription(client.clientId, { filter, qos: granted });
      answer(granted, topicId, ReturnCode.ACCEPTED);
    } catch (error) {
      this.log.warn({ clientId: client.clientId, filter, reason: (error as Error).message }, 'the broker did not take a subscription');
      answer(0, 0, ReturnCode.NOT_SUPPORTED);
    } finally {
      client.holds--;
      this.pump(client);
    }
  }

  private async onUnsubscribe(client: Client, m: SnUnsubscribe): Promise<void> {
    const filter = this.subscriptionFilter(client, m.topic);
    if (filter !== undefined && client.broker) {
      try {
        await client.broker.unsubscribe(filter);
      } catch (error) {
        this.log.warn({ clientId: client.clientId, filter, reason: (error as Error).message }, 'the broker did not take an unsubscribe');
      }
      client.subscriptions.delete(filter);
      this.store.deleteSubscription(client.clientId, filter);
    }
    // UNSUBACK has no return code: an unknown topic is acknowledged all the same.
    this.send(client.peer, { type: 'unsuback', msgId: m.msgId });
  }

  // --- delivery to clients (spec 6.7, 6.13) ---

  private deliver(client: Client, message: SnBrokerMessage): void {
    if (client.state === 'asleep') return this.bufferOne(client, message);
    if (client.queue.length >= this.maxQueued) {
      this.stats.dropped++;
      return;
    }
    client.queue.push(message);
    this.pump(client);
  }

  /** How the client knows a topic: its own registration, a predefined id, a short name, or not yet. */
  private outboundTopic(client: Client, topicName: string): SnPublishTopic | undefined {
    const topicId = client.topics.id(topicName);
    if (topicId !== undefined) return { topicIdType: 'normal', topicId };
    const predefined = this.predefined.id(client.clientId, topicName);
    if (predefined !== undefined) return { topicIdType: 'predefined', topicId: predefined };
    if (isShortTopicName(topicName)) return { topicIdType: 'short', topicName };
    return undefined;
  }

  /** Sends queued messages, one acknowledged exchange at a time; an awake client then gets PINGRESP and sleeps again. */
  private pump(client: Client): void {
    while (!client.inflight && client.queue.length > 0 && client.holds === 0) {
      if (client.state !== 'active' && client.state !== 'awake') return;
      const message = client.queue[0];
      const topic = this.outboundTopic(client, message.topic);
      if (topic === undefined) {
        // A topic matched by a wildcard subscription: REGISTER it before the first PUBLISH (spec 6.10).
        if (client.topics.size >= this.maxTopics) {
          client.queue.shift();
          this.stats.dropped++;
          continue;
        }
        const topicId = this.register(client, message.topic);
        this.startInflight(client, { type: 'register', topicId, msgId: client.nextMsgId(), topicName: message.topic });
        return;
      }
      client.queue.shift();
      const publish: SnPublish = {
        type: 'publish',
        dup: false,
        qos: message.qos,
        retain: message.retain,
        topic,
        msgId: message.qos === 0 ? 0 : client.nextMsgId(),
        payload: message.payload,
      };
      const sent = message.qos === 0 ? this.transmit(client.peer, publish) : this.startInflight(client, publish, message);
      if (!sent) continue; // no frame can carry it: dropped and counted
      this.stats.publishesOut++;
      if (message.qos > 0) return;
    }
    if (client.state === 'awake' && !client.inflight && client.queue.length === 0 && client.holds === 0) {
      client.state = 'asleep';
      this.save(client);
      this.send(client.peer, { type: 'pingresp' });
      this.supervise(client);
    }
  }

  private startInflight(client: Client, frame: SnPlainMessage, message?: SnBrokerMessage): boolean {
    if (!this.transmit(client.peer, frame)) return false;
    const inflight: Inflight = { frame, message, retries: 0, timer: undefined };
    client.inflight = inflight;
    this.armRetry(client, inflight);
    return true;
  }

  private armRetry(client: Client, inflight: Inflight): void {
    inflight.timer = this.clock.setTimeout(() => {
      if (client.inflight !== inflight) return;
      if (++inflight.retries > this.maxRetries) return this.lose(client, `no answer to ${inflight.frame.type.toUpperCase()}`);
      this.stats.retransmissions++;
      if (inflight.frame.type === 'publish') inflight.frame = { ...inflight.frame, dup: true };
      this.send(client.peer, inflight.frame);
      this.armRetry(client, inflight);
    }, this.retryInterval);
  }

  /** Ends the exchange in flight if `matches` it; true when it did. */
  private settle(client: Client, matches: (frame: SnPlainMessage) => boolean): boolean {
    const inflight = client.inflight;
    if (!inflight || !matches(inflight.frame)) return false;
    this.clock.clearTimeout(inflight.timer);
    client.inflight = undefined;
    return true;
  }

  private onRegack(client: Client, msgId: number, topicId: number, returnCode: SnReturnCode): void {
    if (!this.settle(client, (f) => f.type === 'register' && f.msgId === msgId)) return;
    if (returnCode !== ReturnCode.ACCEPTED) {
      // The client will not take this topic: its message cannot be delivered.
      const dropped = client.queue.shift();
      if (dropped) {
        const id = client.topics.id(dropped.topic);
        if (id !== undefined) this.unregister(client, id);
      }
      this.stats.dropped++;
      this.log.debug({ clientId: client.clientId, topicId, returnCode }, 'MQTT-SN client rejected a REGISTER');
    }
    this.pump(client);
  }

  private unregister(client: Client, topicId: number): void {
    client.topics.remove(topicId);
    this.store.deleteTopic(client.clientId, topicId);
  }

  private onPuback(client: Client, msgId: number, topicId: number, returnCode: SnReturnCode): void {
    // A client that lost a registration says so; the next message on that topic registers it again.
    if (returnCode === ReturnCode.INVALID_TOPIC_ID && client.topics.name(topicId) !== undefined) this.unregister(client, topicId);
    if (this.settle(client, (f) => f.type === 'publish' && f.qos === 1 && f.msgId === msgId)) this.pump(client);
  }

  private onPubrec(client: Client, msgId: number): void {
    const inflight = client.inflight;
    if (!inflight) return;
    const { frame } = inflight;
    if (!((frame.type === 'publish' && frame.qos === 2) || frame.type === 'pubrel') || frame.msgId !== msgId) return;
    this.clock.clearTimeout(inflight.timer);
    client.inflight = undefined;
    this.startInflight(client, { type: 'pubrel', msgId });
  }

  private onPubcomp(client: Client, msgId: number): void {
    if (this.settle(client, (f) => f.type === 'pubrel' && f.msgId === msgId)) this.pump(client);
  }

  // --- output ---

  private frame(message: SnPlainMessage, wirelessNodeId: Buffer | null = null): Buffer | undefined {
    try {
      return encode(wirelessNodeId ? { type: 'encapsulated', radius: 0, wirelessNodeId, message } : message);
    } catch (error) {
      if (!(error instanceof SnEncodeError)) throw error;
      this.stats.dropped++;
      this.log.warn({ type: message.type, reason: error.message }, 'could not build an MQTT-SN frame');
      return undefined;
    }
  }

  private send(peer: Peer, message: SnPlainMessage): void {
    this.transmit(peer, message);
  }

  /** False when no frame can carry the message (it is dropped and counted). */
  private transmit(peer: Peer, message: SnPlainMessage): boolean {
    const frame = this.frame(message, peer.wirelessNodeId);
    if (!frame) return false;
    this.stats.framesOut++;
    peer.link.send(peer.address, frame);
    return true;
  }
}

/** The 16-bit TopicId field of a PUBLISH, echoed in PUBACK; a short name's two bytes read as one number. */
function topicIdField(topic: SnPublishTopic): number {
  return topic.topicIdType === 'short' ? Buffer.from(topic.topicName).readUInt16BE(0) : topic.topicId;
}
