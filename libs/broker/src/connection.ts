import { Buffer, isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { connectVersion, decodeConnect, decodePacket, validFlags } from './codec/decode.js';
import {
  encodeAck,
  encodeAuth,
  encodeConnack,
  encodeDisconnect,
  encodeSubscriptionAck,
  packetLength,
  PINGRESP,
  publishPacketIdOffset,
  publishRemainingLength,
  writePublish,
} from './codec/encode.js';
import { type FrameSink, MqttFramer } from './codec/framer.js';
import type {
  AckPacket,
  AuthPacket,
  ConnectPacket,
  DisconnectPacket,
  Properties,
  PublishPacket,
  SubscribePacket,
  UnsubscribePacket,
} from './codec/packets.js';
import { NO_PROPERTIES } from './codec/packets.js';
import { propertiesSize } from './codec/properties.js';
import {
  MAX_REMAINING_LENGTH,
  MAX_TWO_BYTE_INTEGER,
  PacketType,
  ProtocolVersion,
  type ProtocolVersionCode,
  PublishFlag,
  type QoS,
  ReasonCode,
  SESSION_EXPIRY_NEVER,
  SUBACK_FAILURE_V3,
} from './constants.js';
import type { MqttBroker } from './broker.js';
import { expiryLeft, Message, messageProperties } from './message.js';
import type { AuthenticateRequest, AuthenticateResult, BrokerClient, ConnectionInfo, StoredWill } from './ports.js';
import type { Session } from './session.js';
import { Subscription } from './subscriptions.js';
import { parseFilter } from './topics.js';

/** The connection of a stream, found by the listeners shared by every stream. */
const CONNECTION = Symbol('hearth.mqtt.connection');

type StreamWithConnection = Duplex & { [CONNECTION]?: Connection<ConnectionInfo> };

// Connection states.
const AWAITING_CONNECT = 0;
/** CONNECT received; authentication, the session or its store write are not done: no CONNACK yet. */
const CONNECTING = 1;
/** Enhanced authentication exchanges AUTH packets before the CONNACK (section 4.12). */
const AUTHENTICATING = 2;
const CONNECTED = 3;
const CLOSED = 4;

/** A turn's writes to one connection are sent early once this many bytes are waiting. */
const FLUSH_BYTES = 64 * 1024;
/** First size of a connection's output batch; it doubles as needed. */
const INITIAL_BATCH = 1024;
/** Keep-alive lasts one and a half times the interval [MQTT-3.1.2-22]. */
const KEEP_ALIVE_GRACE = 1.5;

/** A control packet that must wait for the store: it leaves once `ready`, after every earlier one. */
interface PendingReply {
  ready: boolean;
  packet: Buffer;
  /** What goes out instead if the write failed (an MQTT 5 ack with 0x80); null closes the connection. */
  failure: Buffer | null;
  failed: boolean;
  /** Runs once the reply was sent (retained messages after a SUBACK). */
  then?: () => void;
}

function onData(this: StreamWithConnection, chunk: Buffer): void {
  const connection = this[CONNECTION];
  connection?.broker.receive(connection, chunk);
}

function onClose(this: StreamWithConnection): void {
  this[CONNECTION]?.terminate('connection closed', true);
}

function onEnd(this: StreamWithConnection): void {
  this.destroy();
}

function onError(this: StreamWithConnection, error: Error): void {
  this[CONNECTION]?.streamError(error);
}

function onDrain(this: StreamWithConnection): void {
  this[CONNECTION]?.drained();
}

/**
 * One client's network connection: cuts its bytes into packets, runs the protocol for them, and batches
 * what is sent to it. Per-connection state is this one object (the session is another): the stream's
 * listeners are shared functions, timers are the broker's.
 */
export class Connection<Info extends ConnectionInfo = ConnectionInfo> implements BrokerClient<Info>, FrameSink {
  private state = AWAITING_CONNECT;
  protocolVersion: ProtocolVersionCode = ProtocolVersion.V311;
  clientId = '';
  username: string | undefined = undefined;
  principal: unknown = undefined;
  session: Session | null = null;
  private readonly framer: MqttFramer;
  readonly openedAt: number;
  lastPacketAt: number;
  keepAliveMs = 0;
  /** Reasons reading is paused (a packet waiting for a hook, back-pressure); reading resumes at 0. */
  private pauses = 0;

  // What the client asked for in CONNECT (MQTT 5); MQTT 3.x clients get the defaults.
  private receiveMaximum = MAX_TWO_BYTE_INTEGER;
  private maximumPacketSize = Infinity;
  private topicAliasMaximum = 0;
  private problemInformation = true;
  private authenticationMethod: string | undefined = undefined;
  /** The CONNECT waiting for enhanced authentication to finish. */
  private pendingConnect: ConnectPacket | null = null;
  /** A re-authentication (section 4.12.1) is exchanging AUTH packets. */
  private reauthenticating = false;

  /** Topics the client bound to aliases (index = alias). */
  private aliasesIn: string[] | null = null;
  /** Aliases this broker bound to topics for the client. */
  private aliasesOut: Map<string, number> | null = null;
  /** QoS 1 PUBLISHes whose PUBACK waits for the store. */
  private unackedQos1 = 0;
  private replies: PendingReply[] | null = null;

  // The output batch of the current turn: a lone shared buffer, or an owned one packets are copied into.
  private single: Buffer | null = null;
  private batch: Buffer | null = null;
  private batchLength = 0;
  dirty = false;

  /** Publishers paused because this connection's backlog is high; they resume on 'drain'. */
  private waiters: Set<Connection<Info>> | null = null;
  congestedSince = 0;

  constructor(
    readonly broker: MqttBroker<Info>,
    readonly stream: Duplex,
    readonly connection: Info,
  ) {
    const { maxPacketSize, maxConnectPacketSize } = broker.limits;
    this.framer = new MqttFramer(Math.min(maxPacketSize, maxConnectPacketSize));
    this.openedAt = this.lastPacketAt = broker.clock.now();
    const tagged = stream as StreamWithConnection;
    tagged[CONNECTION] = this as unknown as Connection<ConnectionInfo>;
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.on('error', onError);
    stream.on('drain', onDrain);
  }

  get connected(): boolean {
    return this.state === CONNECTED;
  }

  private get v5(): boolean {
    return this.protocolVersion === ProtocolVersion.V5;
  }

  /** Bytes on their way to the client: the stream's buffer and this turn's batch. */
  get backlog(): number {
    return this.stream.writableLength + this.batchLength + (this.single === null ? 0 : this.single.length);
  }

  private get log() {
    return this.broker.log;
  }

  private fields(extra: object = {}): object {
    return { clientId: this.clientId || undefined, remote: this.connection.remoteAddress, ...extra };
  }

  // ---------------------------------------------------------------- input

  receive(chunk: Buffer): void {
    this.broker.stats.bytesReceived += chunk.length;
    this.lastPacketAt = this.broker.clock.now();
    // [MQTT-3.1.0-1]: bytes that do not start a CONNECT (another protocol, a port scan) close the connection at
    // their first byte, not once a packet that long would be complete.
    if (this.state === AWAITING_CONNECT && this.framer.buffered === 0 && chunk.length > 0 && chunk[0] >> 4 !== PacketType.CONNECT) {
      this.violation(ReasonCode.PROTOCOL_ERROR, `a packet of type ${chunk[0] >> 4} before CONNECT`);
      return;
    }
    this.framer.push(chunk, this);
  }

  onFrame(header: number, buf: Buffer, start: number, end: number): boolean {
    const state = this.state;
    if (state === CONNECTED) {
      const decoded = decodePacket(header, buf, start, end, this.protocolVersion);
      if (!decoded.ok) {
        return this.violation(decoded.error.reasonCode, decoded.error.message);
      }
      const packet = decoded.packet;
      switch (packet.type) {
        case 'publish':
          return this.onPublish(packet);
        case 'puback':
        case 'pubrec':
        case 'pubrel':
        case 'pubcomp':
          this.onAck(packet);
          return true;
        case 'subscribe':
          return this.onSubscribe(packet);
        case 'unsubscribe':
          this.onUnsubscribe(packet);
          return true;
        case 'pingreq':
          this.send(PINGRESP);
          return true;
        case 'disconnect':
          this.onDisconnect(packet);
          return false;
        case 'auth':
          return this.onAuth(packet);
      }
    }
    if (state === AWAITING_CONNECT) {
      // [MQTT-3.1.0-1]: the first packet is a CONNECT
      if (header >> 4 !== PacketType.CONNECT || !validFlags(PacketType.CONNECT, header & 0x0f, undefined)) {
        return this.violation(ReasonCode.PROTOCOL_ERROR, `a packet of type ${header >> 4} before CONNECT`);
      }
      return this.onConnect(buf, start, end);
    }
    if (state === AUTHENTICATING) {
      // [MQTT-3.1.2-30]: only AUTH or DISCONNECT until the CONNACK
      const decoded = decodePacket(header, buf, start, end, this.protocolVersion);
      if (decoded.ok && decoded.packet.type === 'auth') return this.onAuth(decoded.packet);
      if (decoded.ok && decoded.packet.type === 'disconnect') {
        this.terminate('client disconnected during authentication', false);
        this.destroy();
        return false;
      }
      return decoded.ok ? this.violation(ReasonCode.PROTOCOL_ERROR, `${decoded.packet.type} before CONNACK`) : this.violation(decoded.error.reasonCode, decoded.error.message);
    }
    return false;
  }

  onFramingError(reasonCode: number, message: string): void {
    const beforeConnack = this.state !== CONNECTED && reasonCode === ReasonCode.PACKET_TOO_LARGE;
    this.violation(reasonCode, beforeConnack ? `${message} allowed before CONNACK` : message);
  }

  // ---------------------------------------------------------------- CONNECT

  private onConnect(buf: Buffer, start: number, end: number): boolean {
    const decoded = decodeConnect(buf, start, end);
    if (!decoded.ok) {
      const { reasonCode, message } = decoded.error;
      this.state = CONNECTING;
      // [MQTT-3.1.2-2]: an unsupported level gets the CONNACK every version reads, 0x01 in 3.1.1 terms
      if (reasonCode === ReasonCode.UNSUPPORTED_PROTOCOL_VERSION) {
        this.refuse(reasonCode, message);
        return false;
      }
      // [MQTT-3.1.4-1]: MQTT 5 is told why in a CONNACK, 3.x only by the closed connection
      this.protocolVersion = connectVersion(buf, start, end) ?? ProtocolVersion.V311;
      return this.violation(reasonCode, message);
    }
    const packet = decoded.packet;
    this.protocolVersion = packet.protocolVersion;
    this.clientId = packet.clientId;
    this.username = packet.username;
    this.state = CONNECTING;
    const limits = this.broker.limits;
    const properties = packet.properties;
    if (this.v5) {
      this.receiveMaximum = properties.receiveMaximum ?? MAX_TWO_BYTE_INTEGER;
      this.maximumPacketSize = properties.maximumPacketSize ?? Infinity;
      this.topicAliasMaximum = properties.topicAliasMaximum ?? 0;
      this.problemInformation = properties.requestProblemInformation !== 0;
      this.authenticationMethod = properties.authenticationMethod;
    }
    const refusal = this.checkConnect(packet);
    if (refusal !== undefined) {
      this.refuse(refusal[0], refusal[1]);
      return false;
    }
    if (packet.clientId === '') this.clientId = this.broker.assignClientId();
    const keepAlive = limits.maxKeepAlive > 0 && (packet.keepAlive === 0 || packet.keepAlive > limits.maxKeepAlive) ? limits.maxKeepAlive : packet.keepAlive;
    this.keepAliveMs = keepAlive * 1000;
    this.pendingConnect = packet;
    return this.authenticate({
      clientId: this.clientId,
      username: packet.username,
      password: packet.password,
      protocolVersion: packet.protocolVersion,
      connection: this.connection,
      method: this.authenticationMethod,
      data: properties.authenticationData,
      step: 'connect',
    });
  }

  /** Why the broker refuses a well-formed CONNECT before authentication, as [reason code, text]. */
  private checkConnect(packet: ConnectPacket): [number, string] | undefined {
    const limits = this.broker.limits;
    const id = packet.clientId;
    if (id === '') {
      // MQTT 3.1 requires 1 to 23 characters; 3.1.1 allows an empty id only with a clean session [MQTT-3.1.3-8]
      if (packet.protocolVersion === ProtocolVersion.V31 || (packet.protocolVersion === ProtocolVersion.V311 && !packet.cleanStart)) {
        return [ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, 'an empty client identifier needs a clean session'];
      }
    } else if (id.length > limits.maxClientIdLength) {
      // MQTT 3.1 capped identifiers at 23 characters; like 3.1.1 and 5, this broker takes up to the configured length
      return [ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, `client identifier longer than ${limits.maxClientIdLength} characters`];
    }
    const will = packet.will;
    if (will !== undefined) {
      // [MQTT-3.2.2-12], [MQTT-3.2.2-13]
      if (will.qos > limits.maximumQoS) return [ReasonCode.QOS_NOT_SUPPORTED, `Will QoS ${will.qos} is above the Maximum QoS`];
      if (will.retain && !limits.retainAvailable) return [ReasonCode.RETAIN_NOT_SUPPORTED, 'retained messages are not available'];
      if (will.topic === '' || /[+#]/.test(will.topic)) return [ReasonCode.TOPIC_NAME_INVALID, 'the Will Topic is not a valid topic name'];
      if (will.properties.payloadFormatIndicator === 1 && !isUtf8(will.payload)) return [ReasonCode.PAYLOAD_FORMAT_INVALID, 'the Will Payload is not UTF-8'];
    }
    // [MQTT-4.12.0-1]
    if (this.authenticationMethod !== undefined && this.broker.hooks.authenticate === undefined) {
      return [ReasonCode.BAD_AUTHENTICATION_METHOD, `authentication method ${this.authenticationMethod} is not supported`];
    }
    return undefined;
  }

  /** Runs the authenticate hook; holds later packets while it is pending. */
  private authenticate(request: AuthenticateRequest<Info>): boolean {
    const hook = this.broker.hooks.authenticate;
    if (hook === undefined) return this.authenticated({ outcome: 'accept' });
    let result: AuthenticateResult | Promise<AuthenticateResult>;
    try {
      result = hook(request);
    } catch (error) {
      return this.hookFailed(error);
    }
    if (!(result instanceof Promise)) return this.authenticated(result);
    this.pause();
    result.then(
      (outcome) => {
        if (this.state === CLOSED) return;
        if (this.authenticated(outcome)) this.resumeFrames();
        this.resume();
      },
      (error) => {
        if (this.state === CLOSED) return;
        this.hookFailed(error);
        this.resume();
      },
    );
    return false;
  }

  private hookFailed(error: unknown): boolean {
    this.log.error(this.fields({ err: error }), 'the authenticate hook failed');
    if (this.state === CONNECTED) this.disconnectWith(ReasonCode.UNSPECIFIED_ERROR, 'authentication failed');
    else this.refuse(ReasonCode.SERVER_UNAVAILABLE, 'authentication failed');
    return false;
  }

  /** Acts on the authenticate hook's answer; returns whether later packets may be read now. */
  private authenticated(result: AuthenticateResult): boolean {
    const reauthenticating = this.state === CONNECTED;
    if (result.outcome === 'refuse') {
      if (reauthenticating) this.disconnectWith(result.reasonCode, result.reason ?? 'authentication failed');
      else this.refuse(result.reasonCode, result.reason ?? 'authentication failed');
      return false;
    }
    const method = this.authenticationMethod;
    if (result.outcome === 'continue') {
      // [MQTT-4.12.0-2], [MQTT-4.12.0-5]
      if (reauthenticating) this.reauthenticating = true;
      else this.state = AUTHENTICATING;
      this.send(encodeAuth(ReasonCode.CONTINUE_AUTHENTICATION, { authenticationMethod: method, authenticationData: result.data }, this.maximumPacketSize));
      return true;
    }
    if (reauthenticating) {
      this.reauthenticating = false;
      this.principal = result.principal ?? this.principal;
      this.send(encodeAuth(ReasonCode.SUCCESS, { authenticationMethod: method, authenticationData: result.data }, this.maximumPacketSize));
      return true;
    }
    this.principal = result.principal;
    return this.accept(result.data);
  }

  /** Authentication passed: the will is checked, the session opened, and the CONNACK sent once stored. */
  private accept(authenticationData: Buffer | undefined): boolean {
    const packet = this.pendingConnect!;
    this.pendingConnect = null;
    this.state = CONNECTING;
    const will = packet.will === undefined ? null : this.broker.storedWill(packet.will);
    // The will is a publish prepared now: authorized now, so it needs no principal when it goes out (maybe after a restart).
    const allowed = will === null || this.broker.mayPublish(this, this.broker.willMessage(will, this.clientId));
    if (!(allowed instanceof Promise)) return this.willAuthorized(allowed, packet, will, authenticationData);
    this.pause();
    allowed.then((ok) => {
      if (this.state !== CLOSED && this.willAuthorized(ok, packet, will, authenticationData)) this.resumeFrames();
      this.resume();
    });
    return false;
  }

  private willAuthorized(allowed: boolean, packet: ConnectPacket, will: StoredWill | null, authenticationData: Buffer | undefined): boolean {
    if (allowed) return this.openSession(packet, will, authenticationData);
    this.refuse(ReasonCode.NOT_AUTHORIZED, 'not authorized to publish the will');
    return false;
  }


  private openSession(packet: ConnectPacket, will: StoredWill | null, authenticationData: Buffer | undefined): boolean {
    const limits = this.broker.limits;
    const requested = this.v5 ? (packet.properties.sessionExpiryInterval ?? 0) : packet.cleanStart ? 0 : SESSION_EXPIRY_NEVER;
    const expiryInterval = Math.min(requested, limits.maxSessionExpiryInterval);
    const { session, present, stored } = this.broker.openSession(this, packet.cleanStart, expiryInterval, will);
    this.session = session;
    const connack = encodeConnack(this.protocolVersion, present, ReasonCode.SUCCESS, this.connackProperties(packet, expiryInterval, requested, authenticationData), this.maximumPacketSize);
    if (stored === null) {
      this.sendConnack(connack);
      return true;
    }
    this.pause();
    stored.then(
      () => {
        if (this.state !== CLOSED) {
          this.sendConnack(connack);
          this.resumeFrames();
        }
        this.resume();
      },
      (error) => {
        this.log.error(this.fields({ err: error }), 'could not store a session');
        this.refuse(ReasonCode.SERVER_UNAVAILABLE, 'could not store the session');
        this.resume();
      },
    );
    return false;
  }

  private connackProperties(packet: ConnectPacket, expiryInterval: number, requested: number, authenticationData: Buffer | undefined): Readonly<Properties> {
    if (!this.v5) return NO_PROPERTIES;
    const limits = this.broker.limits;
    const properties: Properties = { maximumPacketSize: limits.maxPacketSize };
    if (expiryInterval !== requested) properties.sessionExpiryInterval = expiryInterval;
    if (limits.maxInflight < MAX_TWO_BYTE_INTEGER) properties.receiveMaximum = limits.maxInflight;
    if (limits.maximumQoS < 2) properties.maximumQoS = limits.maximumQoS;
    if (!limits.retainAvailable) properties.retainAvailable = 0;
    // [MQTT-3.2.2-16]
    if (packet.clientId === '') properties.assignedClientIdentifier = this.clientId;
    if (limits.topicAliasMaximum > 0) properties.topicAliasMaximum = limits.topicAliasMaximum;
    // [MQTT-3.2.2-21]
    if (this.keepAliveMs !== packet.keepAlive * 1000) properties.serverKeepAlive = this.keepAliveMs / 1000;
    // [MQTT-3.1.2-28]
    if (packet.properties.requestResponseInformation === 1 && limits.responseInformation !== undefined) {
      properties.responseInformation = limits.responseInformation(this);
    }
    if (this.authenticationMethod !== undefined) {
      properties.authenticationMethod = this.authenticationMethod;
      if (authenticationData !== undefined) properties.authenticationData = authenticationData;
    }
    return properties;
  }

  /** The CONNACK goes out; then everything the session kept for the client [MQTT-4.4.0-1]. */
  private sendConnack(connack: Buffer): void {
    this.state = CONNECTED;
    this.framer.maxPacketSize = this.broker.limits.maxPacketSize;
    this.send(connack);
    this.broker.clientConnected(this);
    this.session!.outgoing?.restart();
    this.pump();
  }

  /** A CONNECT refused: CONNACK with the reason (in the client's version), then the connection closes [MQTT-3.2.2-7]. */
  private refuse(reasonCode: number, reason: string): void {
    if (this.state === CLOSED) return;
    const broker = this.broker;
    broker.stats.connectionsRefused++;
    const hook = broker.hooks.refused;
    // With a refused hook, logging is the hook's: a flood of refusals need not become a flood of log lines.
    if (hook === undefined) this.log.info(this.fields({ reasonCode, reason }), 'refused a connection');
    else broker.notify('refused', () => hook(this.connection, this.clientId, reasonCode, reason));
    this.closeWith(this.refusal(reasonCode, reason));
  }

  /** A CONNACK refusing the connection [MQTT-3.2.2-6]. */
  private refusal(reasonCode: number, reason: string): Buffer {
    const properties = this.v5 && this.problemInformation ? { reasonString: reason } : NO_PROPERTIES;
    return encodeConnack(this.protocolVersion, false, reasonCode, properties, this.maximumPacketSize);
  }

  // ---------------------------------------------------------------- PUBLISH from the client

  private onPublish(packet: PublishPacket): boolean {
    const broker = this.broker;
    broker.stats.messagesReceived++;
    const limits = broker.limits;
    const { qos, packetId } = packet;
    let topic = packet.topic;
    let topicLength = packet.topicLength;
    if (this.v5) {
      if (qos > limits.maximumQoS) return this.violation(ReasonCode.QOS_NOT_SUPPORTED, `QoS ${qos} is above the Maximum QoS`);
      if (packet.retain && !limits.retainAvailable) return this.violation(ReasonCode.RETAIN_NOT_SUPPORTED, 'retained messages are not available');
      const alias = packet.properties.topicAlias;
      if (alias !== undefined) {
        // [MQTT-3.3.2-8], [MQTT-3.3.2-12]: 1 up to the Topic Alias Maximum of the CONNACK
        if (alias === 0 || alias > limits.topicAliasMaximum) return this.violation(ReasonCode.TOPIC_ALIAS_INVALID, `Topic Alias ${alias}`);
        const aliases = (this.aliasesIn ??= []);
        if (topicLength > 0) aliases[alias] = topic;
        else {
          const bound = aliases[alias];
          if (bound === undefined) return this.violation(ReasonCode.PROTOCOL_ERROR, `Topic Alias ${alias} is not bound to a topic`);
          topic = bound;
          topicLength = Buffer.byteLength(bound);
        }
      }
      if (qos > 0) {
        // [MQTT-3.3.4-7]: the server's Receive Maximum
        const incoming = this.session!.incoming;
        const repeat = qos === 2 && incoming !== null && incoming.has(packetId);
        if (!repeat && this.unackedQos1 + (incoming === null ? 0 : incoming.size) >= limits.maxInflight) {
          return this.violation(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, `more than ${limits.maxInflight} QoS 1 and 2 messages unacknowledged`);
        }
      }
      if (packet.properties.payloadFormatIndicator === 1 && !isUtf8(packet.payload)) {
        if (qos === 0) return this.violation(ReasonCode.PAYLOAD_FORMAT_INVALID, 'the payload is not UTF-8');
        this.reply(encodeAck(qos === 1 ? PacketType.PUBACK : PacketType.PUBREC, this.protocolVersion, packetId, ReasonCode.PAYLOAD_FORMAT_INVALID, this.problem('the payload is not UTF-8'), this.maximumPacketSize));
        return true;
      }
    }
    // [MQTT-4.3.3-10]: a QoS 2 message seen before is acknowledged again, never delivered twice
    if (qos === 2 && this.session!.incoming?.has(packetId)) {
      this.reply(encodeAck(PacketType.PUBREC, this.protocolVersion, packetId));
      return true;
    }
    const expiry = packet.properties.messageExpiryInterval;
    // A message the broker may keep (QoS > 0 queues, retained) gets its own copy of the bytes.
    const keep = qos > 0 || packet.retain;
    const message = new Message(
      topic,
      topicLength,
      keep ? Buffer.from(packet.payload) : packet.payload,
      qos,
      packet.retain,
      this.v5 ? messageProperties(packet.properties, keep) : NO_PROPERTIES,
      // An interval of 0 expires nothing, as in Mosquitto: the spec gives it no other meaning a sender could want.
      expiry === undefined || expiry === 0 ? 0 : broker.clock.now() + expiry * 1000,
      this.clientId,
    );
    const allowed = broker.mayPublish(this, message);
    if (allowed === true) {
      this.publishAccepted(message, packetId);
      return true;
    }
    if (!(allowed instanceof Promise)) return this.authorizedPublish(allowed, message, packetId);
    // Later packets wait, so that messages keep their order [MQTT-4.6.0-5].
    this.pause();
    allowed.then((ok) => {
      if (this.state === CONNECTED && this.authorizedPublish(ok, message, packetId)) this.resumeFrames();
      this.resume();
    });
    return false;
  }

  private authorizedPublish(allowed: boolean, message: Message, packetId: number): boolean {
    if (allowed) {
      this.publishAccepted(message, packetId);
      return true;
    }
    this.log.info(this.fields({ topic: message.topic }), 'refused a publish');
    // MQTT 3.x cannot tell a client no: the connection closes ([MQTT-3.3.5-2] of 3.1.1).
    if (!this.v5) {
      this.destroy();
      return false;
    }
    if (message.qos > 0) {
      const type = message.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC;
      this.reply(encodeAck(type, this.protocolVersion, packetId, ReasonCode.NOT_AUTHORIZED, this.problem(`not authorized to publish to ${message.topic}`), this.maximumPacketSize));
    }
    return true;
  }

  /** Routes an accepted message; PUBACK or PUBREC leaves once what it made the broker store is committed. */
  private publishAccepted(message: Message, packetId: number): void {
    const broker = this.broker;
    const writes = broker.writeCount;
    const session = this.session!;
    if (message.qos === 2) {
      (session.incoming ??= new Set()).add(packetId);
      if (session.persistent) broker.storeWrite(broker.store.addIncoming(session.clientId, packetId));
    }
    broker.deliver(message, this);
    if (message.qos === 0) return;
    const type = message.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC;
    const ack = encodeAck(type, this.protocolVersion, packetId);
    if (broker.writeCount === writes) {
      this.reply(ack);
      return;
    }
    if (message.qos === 1) this.unackedQos1++;
    const failure = this.v5 ? encodeAck(type, this.protocolVersion, packetId, ReasonCode.UNSPECIFIED_ERROR) : null;
    this.replyAfter(broker.lastWrite, ack, failure, message.qos === 1 ? () => this.unackedQos1-- : undefined);
  }

  // ---------------------------------------------------------------- acknowledgements

  private onAck(packet: AckPacket): void {
    const session = this.session!;
    const { packetId } = packet;
    if (packet.type === 'pubrel') {
      // The client releases a QoS 2 message it sent [MQTT-4.3.3-11]
      const incoming = session.incoming;
      if (incoming === null || !incoming.delete(packetId)) {
        this.reply(encodeAck(PacketType.PUBCOMP, this.protocolVersion, packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
        return;
      }
      const pubcomp = encodeAck(PacketType.PUBCOMP, this.protocolVersion, packetId);
      if (!session.persistent) this.reply(pubcomp);
      else this.replyAfter(this.broker.storeWrite(this.broker.store.deleteIncoming(session.clientId, packetId)), pubcomp, pubcomp);
      return;
    }
    const queue = session.outgoing;
    const entry = queue?.identified.get(packetId);
    if (queue === null || entry === undefined || !entry.inflight) {
      if (packet.type === 'pubrec') this.reply(encodeAck(PacketType.PUBREL, this.protocolVersion, packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
      return;
    }
    if (packet.type === 'pubrec' && entry.message !== null && packet.reasonCode < 0x80) {
      // [MQTT-4.3.3-4]: PUBREL, kept until PUBCOMP; stored first, so a restart never sends the PUBLISH again [MQTT-4.3.3-6]
      entry.message = null;
      const pubrel = encodeAck(PacketType.PUBREL, this.protocolVersion, packetId);
      if (!session.persistent) this.send(pubrel);
      else this.replyAfter(this.broker.storeWrite(this.broker.store.releaseOutgoing(session.clientId, entry.seq)), pubrel, pubrel);
      return;
    }
    // PUBACK, PUBCOMP, or a PUBREC refusing the message [MQTT-4.4.0-2]: done with it
    const expected = entry.qos === 1 ? 'puback' : entry.message === null ? 'pubcomp' : 'pubrec';
    if (packet.type !== expected) return;
    this.broker.outgoingDone(session, entry);
    this.pump();
  }

  /**
   * Sends queued QoS 1 and 2 messages while the client's Receive Maximum allows [MQTT-3.3.4-9], in
   * order, stopping at one the store has not committed yet (or that waits for a Packet Identifier).
   */
  pump(): void {
    const session = this.session;
    const queue = session?.outgoing;
    if (queue == null || this.state !== CONNECTED) return;
    const limit = Math.min(this.receiveMaximum, this.broker.limits.maxInflight);
    while (queue.inflight < limit && queue.hasWaiting) {
      const next = queue.peek()!;
      if (!next.committed) break;
      // Identifying a QoS 2 message may hold it until that is stored too.
      if (next.packetId === 0 && (!this.broker.identifyOutgoing(session!, next) || !next.committed)) break;
      const entry = queue.take();
      const message = entry.message;
      if (message === null) {
        this.send(encodeAck(PacketType.PUBREL, this.protocolVersion, entry.packetId));
      } else if (!this.sendPublish(message, entry.qos, entry.retain, entry.packetId, entry.sent, entry.subscriptionIdentifiers)) {
        this.broker.outgoingDone(session!, entry);
        continue;
      }
      entry.sent = true;
      entry.inflight = true;
      queue.inflight++;
    }
  }

  /**
   * Writes a PUBLISH of `message` to the client. False when it did not go out: it expired before it was
   * first sent [MQTT-3.3.2-5], the authorizeDeliver hook refused it, or it is larger than the client's
   * Maximum Packet Size, in which case it is dropped as if sent [MQTT-3.1.2-25].
   */
  sendPublish(message: Message, qos: QoS, retain: boolean, packetId: number, dup: boolean, subscriptionIdentifiers: readonly number[]): boolean {
    const broker = this.broker;
    let expiry = expiryLeft(message.expiresAt, broker.clock.now());
    if (expiry < 0) {
      // [MQTT-4.3.3-7]: expiry no longer applies to a message already sent
      if (!dup) return false;
      expiry = 1;
    }
    if (!broker.mayDeliver(this, message)) return false;
    const v5 = this.v5;
    let alias = 0;
    let topicSent = true;
    if (v5 && this.topicAliasMaximum > 0) {
      const aliases = (this.aliasesOut ??= new Map());
      const bound = aliases.get(message.topic);
      if (bound !== undefined) {
        alias = bound;
        topicSent = false;
      } else if (aliases.size < this.topicAliasMaximum) {
        // [MQTT-3.1.2-26]: never above the client's Topic Alias Maximum
        alias = aliases.size + 1;
      }
    }
    const ids = v5 && subscriptionIdentifiers.length > 0 ? subscriptionIdentifiers : null;
    if (alias === 0 && ids === null && message.shareEncodings) {
      const encoded = message.encoding(v5, qos, retain, expiry);
      if (encoded === undefined || encoded.length > this.maximumPacketSize) return this.tooLarge(message);
      if (qos === 0) this.send(encoded);
      else {
        const at = this.reserve(encoded.length);
        const batch = this.batch!;
        encoded.copy(batch, at);
        batch.writeUInt16BE(packetId, publishPacketIdOffset(batch, at));
        if (dup) batch[at] |= PublishFlag.DUP;
        this.afterWrite();
      }
    } else {
      const fields = message.fields(v5, qos, retain, expiry, ids, alias, topicSent);
      fields.packetId = packetId;
      fields.dup = dup;
      const propertiesLength = fields.properties === null ? 0 : propertiesSize(fields.properties);
      const remaining = publishRemainingLength(fields, propertiesLength);
      const length = packetLength(remaining);
      if (remaining > MAX_REMAINING_LENGTH || length > this.maximumPacketSize) return this.tooLarge(message);
      const at = this.reserve(length);
      writePublish(this.batch!, at, fields, remaining, propertiesLength);
      if (alias > 0 && topicSent) this.aliasesOut!.set(message.topic, alias);
      this.afterWrite();
    }
    broker.stats.messagesSent++;
    return true;
  }

  private tooLarge(message: Message): false {
    this.broker.stats.publishDropped++;
    this.log.debug(this.fields({ topic: message.topic }), 'dropped a message larger than the client accepts');
    return false;
  }

  // ---------------------------------------------------------------- subscriptions

  private onSubscribe(packet: SubscribePacket): boolean {
    const broker = this.broker;
    const session = this.session!;
    const identifier = packet.properties.subscriptionIdentifiers?.[0] ?? 0;
    const parsed = packet.subscriptions.map((request) => ({ request, filter: parseFilter(request.filter) }));
    // [MQTT-3.8.3-4]
    if (parsed.some(({ request, filter }) => filter?.share && request.noLocal)) {
      return this.violation(ReasonCode.PROTOCOL_ERROR, 'No Local on a shared subscription');
    }
    const authorize = broker.hooks.authorizeSubscribe;
    const verdicts = parsed.map(({ request, filter }) => {
      if (filter === undefined || authorize === undefined) return true;
      try {
        return authorize(this, request.filter, request.qos);
      } catch (error) {
        this.log.error(this.fields({ err: error }), 'the authorizeSubscribe hook failed');
        return false;
      }
    });
    const finish = (granted: (boolean | QoS)[]): void => {
      const writes = broker.writeCount;
      const codes: number[] = [];
      const retained: Subscription[] = [];
      for (let i = 0; i < parsed.length; i++) {
        const { request, filter } = parsed[i];
        const verdict = granted[i];
        if (filter === undefined) {
          codes.push(this.v5 ? ReasonCode.TOPIC_FILTER_INVALID : SUBACK_FAILURE_V3);
          continue;
        }
        if (verdict === false) {
          codes.push(this.v5 ? ReasonCode.NOT_AUTHORIZED : SUBACK_FAILURE_V3);
          continue;
        }
        const qos = Math.min(request.qos, broker.limits.maximumQoS, verdict === true ? 2 : verdict) as QoS;
        const result = broker.addSubscription(session, request, filter, qos, identifier);
        if (result === undefined) {
          codes.push(this.v5 ? ReasonCode.QUOTA_EXCEEDED : SUBACK_FAILURE_V3);
          continue;
        }
        codes.push(qos);
        // [MQTT-3.3.1-9] to [MQTT-3.3.1-11]; shared subscriptions get no retained messages (section 3.3.1.3)
        const { subscription, existed } = result;
        if (subscription.group === null && (request.retainHandling === 0 || (request.retainHandling === 1 && !existed))) retained.push(subscription);
      }
      const suback = encodeSubscriptionAck(PacketType.SUBACK, this.protocolVersion, packet.packetId, codes, NO_PROPERTIES, this.maximumPacketSize);
      const sendRetained = () => {
        for (const subscription of retained) broker.sendRetained(session, subscription);
      };
      if (broker.writeCount === writes) {
        this.reply(suback);
        sendRetained();
      } else {
        const failure = this.v5 ? encodeSubscriptionAck(PacketType.SUBACK, this.protocolVersion, packet.packetId, codes.map(() => ReasonCode.UNSPECIFIED_ERROR)) : null;
        this.replyAfter(broker.lastWrite, suback, failure, sendRetained);
      }
    };
    if (!verdicts.some((verdict) => verdict instanceof Promise)) {
      finish(verdicts as (boolean | QoS)[]);
      return true;
    }
    this.pause();
    Promise.all(verdicts.map((verdict) => Promise.resolve(verdict).catch(() => false))).then((granted) => {
      if (this.state === CONNECTED) {
        finish(granted);
        this.resumeFrames();
      }
      this.resume();
    });
    return false;
  }

  private onUnsubscribe(packet: UnsubscribePacket): void {
    const broker = this.broker;
    const writes = broker.writeCount;
    // [MQTT-3.10.4-1] to [MQTT-3.10.4-6]
    const codes = packet.filters.map((filter) => (broker.removeSubscription(this.session!, filter) ? ReasonCode.SUCCESS : ReasonCode.NO_SUBSCRIPTION_EXISTED));
    const unsuback = encodeSubscriptionAck(PacketType.UNSUBACK, this.protocolVersion, packet.packetId, codes, NO_PROPERTIES, this.maximumPacketSize);
    if (broker.writeCount === writes) this.reply(unsuback);
    else this.replyAfter(broker.lastWrite, unsuback, unsuback);
  }

  // ---------------------------------------------------------------- DISCONNECT and AUTH

  private onDisconnect(packet: DisconnectPacket): void {
    const session = this.session!;
    const expiry = packet.properties.sessionExpiryInterval;
    if (expiry !== undefined) {
      // Section 3.14.2.2.2: a session that was to end with its connection may not be made to last
      if (session.expiryInterval === 0 && expiry > 0) {
        this.violation(ReasonCode.PROTOCOL_ERROR, 'Session Expiry Interval set on DISCONNECT after CONNECT had none');
        return;
      }
      session.expiryInterval = Math.min(expiry, this.broker.limits.maxSessionExpiryInterval);
    }
    // [MQTT-3.14.4-3]: a normal disconnect discards the will; 0x04 asks for it
    this.terminate('client disconnected', packet.reasonCode === ReasonCode.DISCONNECT_WITH_WILL);
    this.closeWith(null);
  }

  private onAuth(packet: AuthPacket): boolean {
    const method = packet.properties.authenticationMethod;
    const connected = this.state === CONNECTED;
    // [MQTT-4.12.0-7], [MQTT-4.12.1-1]
    const expected = connected && !this.reauthenticating ? ReasonCode.REAUTHENTICATE : ReasonCode.CONTINUE_AUTHENTICATION;
    if (this.authenticationMethod === undefined || method !== this.authenticationMethod || packet.reasonCode !== expected) {
      return this.violation(ReasonCode.PROTOCOL_ERROR, this.authenticationMethod === undefined ? 'AUTH without an authentication method in CONNECT' : 'AUTH out of sequence or with another method');
    }
    return this.authenticate({
      clientId: this.clientId,
      username: this.username,
      password: undefined,
      protocolVersion: this.protocolVersion,
      connection: this.connection,
      method,
      data: packet.properties.authenticationData,
      step: expected === ReasonCode.REAUTHENTICATE ? 'reauthenticate' : 'continue',
    });
  }

  /** Properties with a Reason String, unless the client asked for none on this packet [MQTT-3.1.2-29]. */
  private problem(reason: string): Readonly<Properties> {
    return this.problemInformation ? { reasonString: reason } : NO_PROPERTIES;
  }

  // ---------------------------------------------------------------- closing

  /**
   * The client broke the protocol (a malformed packet, a Protocol Error, a limit it was told): counted,
   * logged, and the connection closed, with the reason in a DISCONNECT, or a CONNACK before the
   * connection was accepted, where MQTT 5 allows it (section 4.13). Returns false, for onFrame to return.
   */
  private violation(reasonCode: number, reason: string): false {
    if (this.state === CLOSED) return false;
    this.broker.stats.malformedPackets++;
    this.log.warn(this.fields({ reasonCode, reason }), 'closed a client that sent a malformed or forbidden packet');
    if (this.state === CONNECTED) this.disconnectWith(reasonCode, reason);
    else if (this.v5 && this.state !== AWAITING_CONNECT) this.closeWith(this.refusal(reasonCode, reason));
    else this.destroy();
    return false;
  }

  /**
   * The server ends the connection: MQTT 5 clients get a DISCONNECT with the reason (section 4.13), 3.x
   * clients only the closed connection. The will is published. Returns false, for onFrame to return.
   */
  disconnectWith(reasonCode: number, reason: string): false {
    if (this.state === CLOSED) return false;
    if (this.state !== CONNECTED) {
      this.destroy();
      return false;
    }
    if (this.broker.debugging) this.log.debug(this.fields({ reasonCode, reason }), 'disconnecting a client');
    const packet = this.v5 ? encodeDisconnect(reasonCode, reasonCode >= 0x80 && this.problemInformation ? { reasonString: reason } : NO_PROPERTIES, this.maximumPacketSize) : null;
    this.terminate(reason, true);
    this.closeWith(packet);
    return false;
  }

  /** Sends `last` (if any) after what is batched, then closes the stream. */
  private closeWith(last: Buffer | null): void {
    if (this.state !== CLOSED) this.terminate('closed by the server', true);
    if (last !== null) this.send(last);
    this.flush();
    const stream = this.stream;
    if (stream.destroyed) return;
    stream.end(() => stream.destroy());
  }

  destroy(): void {
    this.terminate('closed by the server', true);
    this.batch = this.single = null;
    this.batchLength = 0;
    this.stream.destroy();
  }

  /**
   * The connection is over for the broker (once): the session is let go, with its will published now,
   * later, or not at all, as `publishWill` and the Will Delay Interval say.
   */
  terminate(reason: string, publishWill: boolean): void {
    if (this.state === CLOSED) return;
    const previous = this.state;
    this.state = CLOSED;
    this.releaseWaiters();
    this.broker.connectionClosed(this, publishWill, previous === CONNECTED);
    if (previous !== AWAITING_CONNECT && this.broker.debugging) this.log.debug(this.fields({ reason }), 'connection ended');
  }

  streamError(error: Error & { code?: string }): void {
    if (this.broker.debugging) this.log.debug(this.fields({ err: error.message, code: error.code }), 'connection error');
  }

  /** Another connection took the client identifier over [MQTT-3.1.4-3]. */
  takeOver(): void {
    if (this.state === CONNECTED) this.disconnectWith(ReasonCode.SESSION_TAKEN_OVER, 'another connection took the session over');
    else this.destroy();
  }

  /** The keep-alive ran out, or the CONNECT (with its authentication) did not complete in time. */
  expire(): void {
    if (this.state === CONNECTED) this.disconnectWith(ReasonCode.KEEP_ALIVE_TIMEOUT, 'keep alive timeout');
    else this.destroy();
  }

  // ---------------------------------------------------------------- output

  /** Queues a whole packet for this turn's batch. */
  send(packet: Buffer): void {
    if (this.stream.destroyed) return;
    if (this.single === null && this.batch === null) {
      this.single = packet;
      this.markDirty();
      return;
    }
    const at = this.reserve(packet.length);
    packet.copy(this.batch!, at);
    this.afterWrite();
  }

  /** Room for `bytes` more in the batch; returns where they go. */
  private reserve(bytes: number): number {
    let batch = this.batch;
    if (batch === null) {
      const single = this.single;
      const start = single === null ? 0 : single.length;
      batch = this.batch = Buffer.allocUnsafe(Math.max(INITIAL_BATCH, 2 * (start + bytes)));
      if (single !== null) {
        single.copy(batch);
        this.single = null;
      }
      this.batchLength = start;
      this.markDirty();
    } else if (this.batchLength + bytes > batch.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * batch.length, this.batchLength + bytes));
      batch.copy(grown, 0, 0, this.batchLength);
      batch = this.batch = grown;
    }
    const at = this.batchLength;
    this.batchLength += bytes;
    return at;
  }

  private afterWrite(): void {
    if (this.batchLength >= FLUSH_BYTES) this.flush();
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.broker.scheduleFlush(this);
  }

  /** Hands the batch to the stream: one write for everything queued this turn. */
  flush(): void {
    this.dirty = false;
    let data: Buffer;
    if (this.single !== null) data = this.single;
    else if (this.batch !== null) data = this.batch.subarray(0, this.batchLength);
    else return;
    this.single = this.batch = null;
    this.batchLength = 0;
    const stream = this.stream;
    if (stream.destroyed || !stream.writable) return;
    this.broker.stats.bytesSent += data.length;
    stream.write(data);
  }

  /** A reply that needs no store write: it still waits behind replies that do. */
  private reply(packet: Buffer): void {
    if (this.replies === null) this.send(packet);
    else this.replies.push({ ready: true, packet, failure: null, failed: false });
  }

  /** A reply that leaves once `written` resolves, and after every earlier reply. */
  private replyAfter(written: Promise<void>, packet: Buffer, failure: Buffer | null, then?: () => void): void {
    const pending: PendingReply = { ready: false, packet, failure, failed: false, then };
    (this.replies ??= []).push(pending);
    written.then(
      () => {
        pending.ready = true;
        this.sendReplies();
      },
      () => {
        pending.ready = pending.failed = true;
        this.sendReplies();
      },
    );
  }

  private sendReplies(): void {
    const replies = this.replies;
    if (replies === null) return;
    while (replies.length > 0 && replies[0].ready) {
      const reply = replies.shift()!;
      if (this.state === CLOSED) continue;
      if (reply.failed && reply.failure === null) {
        this.log.error(this.fields(), 'closing a client whose message could not be stored');
        this.destroy();
        continue;
      }
      this.send(reply.failed ? reply.failure! : reply.packet);
      reply.then?.();
    }
    if (replies.length === 0) this.replies = null;
  }

  // ---------------------------------------------------------------- flow control

  pause(): void {
    if (this.pauses++ === 0) this.stream.pause();
  }

  resume(): void {
    if (--this.pauses > 0 || this.state === CLOSED) return;
    // Time spent paused is the broker's doing, not the client's silence.
    this.lastPacketAt = this.broker.clock.now();
    this.stream.resume();
  }

  /** Hands out the packets held back while a hook or the store was awaited. */
  private resumeFrames(): void {
    this.framer.resume(this);
  }

  /** A subscriber's backlog is high: this publisher waits until the subscriber drained. */
  waitFor(subscriber: Connection<Info>): void {
    const waiters = (subscriber.waiters ??= new Set());
    if (waiters.has(this)) return;
    waiters.add(this);
    this.pause();
  }

  drained(): void {
    this.congestedSince = 0;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    for (const publisher of waiters) publisher.resume();
  }

  // ---------------------------------------------------------------- for the broker

  get keepAliveExpired(): boolean {
    return this.keepAliveMs > 0 && this.pauses === 0 && this.broker.clock.now() - this.lastPacketAt > this.keepAliveMs * KEEP_ALIVE_GRACE;
  }
}
