import type { Buffer } from 'node:buffer';
import type { UserProperty } from './codec/packets.js';
import type { ProtocolVersionCode, QoS } from './constants.js';

/** The properties an application message carries from its publisher to every subscriber (section 3.3.2.3). */
export interface MessageProperties {
  /** 1: the payload is UTF-8 text; 0 or absent: unspecified bytes. */
  payloadFormatIndicator?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  /** In the order the publisher sent them [MQTT-3.3.2-18]. */
  userProperties?: UserProperty[];
}

/** An application message as the broker hands it to hooks and in-process subscribers. */
export interface ApplicationMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Readonly<MessageProperties>;
  /** Epoch milliseconds (the broker's clock) after which it is not delivered; 0 = never. */
  readonly expiresAt: number;
}

/** A message to publish from inside the process (`MqttBroker.publish`). */
export interface PublishRequest {
  topic: string;
  payload: Buffer | string;
  qos?: QoS;
  retain?: boolean;
  properties?: MessageProperties;
  /** Seconds until it expires (MQTT 5 Message Expiry Interval); absent = never. */
  messageExpiryInterval?: number;
  /** The client id it is published for: that session's No Local subscriptions leave it out (a bridge's own). */
  publisher?: string;
}

// ---------------------------------------------------------------- durability

/** A message as stored: in a session's outgoing queue, as a retained message. */
export interface StoredMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties: MessageProperties;
  /** Epoch milliseconds after which it must not be delivered; 0 = never. */
  expiresAt: number;
}

export interface StoredWill {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties: MessageProperties;
  /** Seconds after the connection ends before the will is published (MQTT 5 Will Delay Interval). */
  delayInterval: number;
  /** Message Expiry Interval of the will, counted from its publication; 0 = none. */
  expiryInterval: number;
}

export interface StoredSubscription {
  /** As the client sent it, `$share/{group}/` prefix included. */
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  /** MQTT 5 Subscription Identifier; 0 = none. */
  identifier: number;
}

/**
 * A QoS 1 or 2 message on its way to a session. `message` null: a QoS 2 message the client acknowledged
 * with PUBREC, so only PUBREL remains.
 */
export interface StoredOutgoing {
  /** Its place in the queue, increasing in the order queued over all sessions: the key of the writes below. */
  seq: number;
  /**
   * The Packet Identifier it was given when queued, or 0 when it had none yet: a session holds at most
   * 65,535, so a longer queue gives the rest theirs as they are sent (`identifyOutgoing`).
   */
  packetId: number;
  message: StoredMessage | null;
  /** The QoS, RETAIN flag and Subscription Identifiers this subscriber gets it with. */
  qos: QoS;
  retain: boolean;
  subscriptionIdentifiers: number[];
}

export interface StoredSession {
  clientId: string;
  /** Seconds the session outlives its connection (MQTT 5 Session Expiry Interval); 0xFFFFFFFF = forever. */
  expiryInterval: number;
  /** Epoch milliseconds the last connection ended; null while connected (or when the broker stopped). */
  disconnectedAt: number | null;
  will: StoredWill | null;
}

/** A session as loaded at start, with everything below it. */
export interface LoadedSession extends StoredSession {
  subscriptions: StoredSubscription[];
  /** In the order they were added. */
  outgoing: StoredOutgoing[];
  /** Packet Identifiers of QoS 2 messages received from the client and not yet released by PUBREL. */
  incoming: number[];
}

export interface LoadedState {
  sessions: LoadedSession[];
  retained: StoredMessage[];
}

/**
 * Where the broker keeps what must survive a restart: sessions with their subscriptions and queued
 * messages, the QoS 2 exchanges in progress, wills, retained messages.
 *
 * Contract (checked by the suite in `@hearth/broker/store-suite`):
 * - a write's promise resolves only once the write is durable (committed); a store may group many
 *   writes into one commit;
 * - writes take effect in the order they are called, and their promises resolve in that order, so a
 *   resolved write means every earlier one is committed too;
 * - a rejected promise means the write and every later one in the same commit are not durable.
 * The broker keeps all of this in memory as well and reads the store only in `load()`. Buffers handed to
 * a write are never modified afterwards; the store may keep them.
 */
export interface BrokerStore {
  load(): Promise<LoadedState>;
  /** Creates or replaces the session record (not its subscriptions or messages). */
  saveSession(session: StoredSession): Promise<void>;
  /** Forgets the session and everything below it. */
  deleteSession(clientId: string): Promise<void>;
  saveSubscription(clientId: string, subscription: StoredSubscription): Promise<void>;
  deleteSubscription(clientId: string, filter: string): Promise<void>;
  /** Appends to the session's outgoing queue; the same StoredMessage object may go to many sessions. */
  addOutgoing(clientId: string, outgoing: StoredOutgoing): Promise<void>;
  /** A queued message that had no Packet Identifier was given one as it was sent. */
  identifyOutgoing(clientId: string, seq: number, packetId: number): Promise<void>;
  /** PUBREC received: the message is dropped, the entry stays (message null) until PUBCOMP. */
  releaseOutgoing(clientId: string, seq: number): Promise<void>;
  deleteOutgoing(clientId: string, seq: number): Promise<void>;
  addIncoming(clientId: string, packetId: number): Promise<void>;
  deleteIncoming(clientId: string, packetId: number): Promise<void>;
  /** Creates or replaces the retained message of its topic. */
  putRetained(message: StoredMessage): Promise<void>;
  deleteRetained(topic: string): Promise<void>;
}

// ---------------------------------------------------------------- hooks

/**
 * Where a connection comes from, as given to `MqttBroker.handle`. The broker reads only
 * `remoteAddress` (for logs); the rest is the caller's, handed back to its hooks.
 */
export interface ConnectionInfo {
  remoteAddress?: string;
}

/** A connected client as hooks see it. */
export interface BrokerClient<Info extends ConnectionInfo = ConnectionInfo> {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly protocolVersion: ProtocolVersionCode;
  readonly connection: Info;
  /** What `authenticate` returned for it, e.g. the account it signed in as. */
  readonly principal: unknown;
}

export interface AuthenticateRequest<Info extends ConnectionInfo = ConnectionInfo> {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  protocolVersion: ProtocolVersionCode;
  connection: Info;
  /** MQTT 5 enhanced authentication (section 4.12): the method named in CONNECT, if any. */
  method?: string;
  /** Authentication Data of the CONNECT or of the client's latest AUTH. */
  data?: Buffer;
  /** 'connect': CONNECT; 'continue': the client's AUTH 0x18; 'reauthenticate': AUTH 0x19 after CONNACK. */
  step: 'connect' | 'continue' | 'reauthenticate';
}

export type AuthenticateResult =
  /** Accepted (CONNACK 0x00, or AUTH 0x00 after re-authentication); `data` goes back as Authentication Data. */
  | { outcome: 'accept'; principal?: unknown; data?: Buffer }
  /** Enhanced authentication continues: the client gets AUTH 0x18 with `data`. */
  | { outcome: 'continue'; data?: Buffer }
  /** Refused with an MQTT 5 reason code (0x86 Bad user name or password, 0x87 Not authorized, 0x8C...). */
  | { outcome: 'refuse'; reasonCode: number; reason?: string };

/** How the broker asks whether something is allowed; every hook is optional (absent = allowed). */
export interface BrokerHooks<Info extends ConnectionInfo = ConnectionInfo> {
  /** Decides on a CONNECT, and on each step of MQTT 5 enhanced authentication. */
  authenticate?(request: AuthenticateRequest<Info>): AuthenticateResult | Promise<AuthenticateResult>;
  /** Whether the client may publish the message (also asked for its will, at CONNECT). */
  authorizePublish?(client: BrokerClient<Info>, message: ApplicationMessage): boolean | Promise<boolean>;
  /** Whether the client may subscribe to the filter (`$share/...` included), or the QoS to grant instead. */
  authorizeSubscribe?(client: BrokerClient<Info>, filter: string, qos: QoS): boolean | QoS | Promise<boolean | QoS>;
  /** Whether the message may go to this subscriber, asked as it is sent; false drops it for this one. */
  authorizeDeliver?(client: BrokerClient<Info>, message: ApplicationMessage): boolean;
  /** Every message the broker accepted, as it routes it; `client` null for in-process and wills of past runs. */
  published?(message: ApplicationMessage, client: BrokerClient<Info> | null): void;
  /** A client's CONNECT was accepted: the CONNACK is on its way. */
  connected?(client: BrokerClient<Info>): void;
  /** A connected client's connection ended. */
  disconnected?(client: BrokerClient<Info>): void;
  /** A CONNECT was refused (CONNACK with `reasonCode`); without this hook the broker logs each refusal itself. */
  refused?(connection: Info, clientId: string, reasonCode: number, reason: string): void;
  /** A QoS 1 or 2 message was not queued for a session whose queue is full (maxQueued, maxQueuedBytes). */
  dropped?(clientId: string, message: ApplicationMessage): void;
}

// ---------------------------------------------------------------- environment

/** Timers behind an interface, so tests can move time by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Broker timers never keep the process alive by themselves.
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** The subset of a pino logger the broker uses. */
export interface BrokerLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** Per-connection debug records are built only when this says debug is on (absent: always). */
  isLevelEnabled?(level: string): boolean;
}

export const silentLogger: BrokerLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
