import type { Buffer } from 'node:buffer';
import type { SnQosLevel } from '../messages.js';

/**
 * A transport as the gateway sees it: it hands frames in through SnGateway.receive and carries frames
 * out to an address it chose (UDP "host:port", XBee 64-bit address, a serial line's one peer).
 */
export interface SnLink {
  /** Unique among the gateway's links; stored with each session so a restart finds the link again. */
  readonly name: string;
  send(address: string, frame: Buffer): void;
  /** Reaches every client on the link (ADVERTISE, GWINFO); links without it get GWINFO as a unicast answer. */
  broadcast?(frame: Buffer): void;
  /**
   * A link for gateway discovery only (a multicast group): SEARCHGW is answered, every other message is
   * ignored, so no session or publish ever comes from where anyone may send.
   */
  readonly discoveryOnly?: boolean;
}

/** Timers behind an interface so unit tests can drive time by hand. */
export interface SnClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: SnClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export interface SnWill {
  topic: string;
  payload: Buffer;
  qos: SnQosLevel;
  retain: boolean;
}

/** A message on the MQTT side, to or from the broker. */
export interface SnBrokerMessage {
  topic: string;
  payload: Buffer;
  qos: SnQosLevel;
  retain: boolean;
}

/** Where a client speaks from: the link's name and its address on that link (`ip:port` on UDP). */
export interface SnOrigin {
  link: string;
  address: string;
}

/** Who sent a QoS -1 publish without a session: where from, and how it named the topic (a predefined id is one an admin configured). */
export interface SnAnonymousSender {
  origin: SnOrigin;
  topicIdType: 'normal' | 'predefined' | 'short';
}

export interface SnSessionOptions {
  clientId: string;
  /** For the broker's access decision: which sensor may act as whom. */
  origin: SnOrigin;
  cleanSession: boolean;
  will: SnWill | null;
}

export interface SnSessionHandlers {
  /** A message the broker routed to this session. */
  onMessage(message: SnBrokerMessage): void;
  /** The broker ended the session on its own (another connection took the client id over, broker shutdown). */
  onClose(): void;
}

/** One MQTT client session on the broker, acting for one MQTT-SN client. */
export interface SnBrokerSession {
  /** Resolves once the broker has the message (PUBACK/PUBCOMP for QoS 1/2). */
  publish(message: SnBrokerMessage): Promise<void>;
  /** The granted QoS, or null when the broker refused the subscription. */
  subscribe(filter: string, qos: SnQosLevel): Promise<SnQosLevel | null>;
  unsubscribe(filter: string): Promise<void>;
  /**
   * `disconnect`: a clean MQTT DISCONNECT, the will is discarded. `drop`: the connection is lost, the
   * broker publishes the will. Resolves once the broker has let go of the client id.
   */
  close(mode: 'disconnect' | 'drop'): Promise<void>;
}

/** What the gateway needs from an MQTT broker. */
export interface SnBrokerPort {
  /**
   * Whether a client may be `clientId` from `origin`; null, or why not. Asked before a CONNECT or a
   * wake-up from a new address touches anything of an existing session with that id, so that claiming a
   * client id cannot end, wipe or take over another client's session.
   */
  admit(clientId: string, origin: SnOrigin): string | null;
  /** Connects a session; rejects when the broker refuses it. */
  open(options: SnSessionOptions, handlers: SnSessionHandlers): Promise<SnBrokerSession>;
  /** QoS -1 publishes from an address that holds no session: the broker decides whether `sender` may publish. */
  publishAnonymous(message: SnBrokerMessage, sender: SnAnonymousSender): Promise<void>;
}

/** A topic id fixed by configuration; clientId '*' applies to every client. */
export interface SnPredefinedTopic {
  clientId: string;
  topicId: number;
  topicName: string;
}

/** What a restart needs to take a session up again without the client noticing. */
export interface SnStoredSession {
  clientId: string;
  link: string;
  address: string;
  /** Set when the client sits behind a forwarder. */
  wirelessNodeId: Buffer | null;
  cleanSession: boolean;
  /** Keep-alive in seconds; 0 = none. */
  keepAlive: number;
  will: SnWill | null;
  /** `disconnected`: a persistent session kept for the client's next CONNECT without CleanSession. */
  state: 'active' | 'asleep' | 'disconnected';
  /** Seconds, while asleep. */
  sleepDuration: number;
}

export interface SnTopicRegistration {
  topicId: number;
  topicName: string;
}

export interface SnSubscriptionRecord {
  filter: string;
  qos: SnQosLevel;
}

/** Durable gateway state; synchronous, as with an embedded SQLite database. */
export interface SnGatewayStore {
  /** Sessions to take up again at start: active and asleep ones. */
  liveSessions(): SnStoredSession[];
  session(clientId: string): SnStoredSession | undefined;
  saveSession(session: SnStoredSession): void;
  /** Forgets the session and everything below it. */
  deleteSession(clientId: string): void;
  topics(clientId: string): SnTopicRegistration[];
  saveTopic(clientId: string, registration: SnTopicRegistration): void;
  deleteTopic(clientId: string, topicId: number): void;
  subscriptions(clientId: string): SnSubscriptionRecord[];
  saveSubscription(clientId: string, subscription: SnSubscriptionRecord): void;
  deleteSubscription(clientId: string, filter: string): void;
  /** Appends a message for a sleeping client. */
  buffer(clientId: string, message: SnBrokerMessage): void;
  bufferedCount(clientId: string): number;
  /** Removes and returns the client's buffered messages, oldest first. */
  takeBuffered(clientId: string): SnBrokerMessage[];
  predefinedTopics(): SnPredefinedTopic[];
}

/** The subset of a pino logger the gateway uses. */
export interface SnLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
