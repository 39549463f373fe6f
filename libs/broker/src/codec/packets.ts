import type { Buffer } from 'node:buffer';
import type { ProtocolVersionCode, QoS } from '../constants.js';

/** A User Property: a name and a value, both UTF-8; names may repeat and order matters [MQTT-3.3.2-18]. */
export type UserProperty = [name: string, value: string];

/**
 * MQTT 5 properties (section 2.2.2.2) as decoded or to encode; which ones a packet may carry is checked
 * against the table in constants.ts. Byte-valued flags stay numbers (0 or 1) as on the wire.
 */
export interface Properties {
  payloadFormatIndicator?: number;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  subscriptionIdentifiers?: number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Buffer;
  requestProblemInformation?: number;
  willDelayInterval?: number;
  requestResponseInformation?: number;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: number;
  retainAvailable?: number;
  userProperties?: UserProperty[];
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: number;
  subscriptionIdentifierAvailable?: number;
  sharedSubscriptionAvailable?: number;
}

/** The properties of a packet that carried none (a Property Length of 0, or MQTT 3.x); never mutated. */
export const NO_PROPERTIES: Readonly<Properties> = Object.freeze({});

export interface Will {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /** Will Properties (MQTT 5): the message's own, plus Will Delay Interval and Message Expiry Interval. */
  properties: Readonly<Properties>;
}

export interface ConnectPacket {
  type: 'connect';
  protocolVersion: ProtocolVersionCode;
  /** Clean Start (MQTT 5) or Clean Session (3.x). */
  cleanStart: boolean;
  /** Seconds; 0 turns keep-alive off. */
  keepAlive: number;
  clientId: string;
  username?: string;
  password?: Buffer;
  will?: Will;
  properties: Readonly<Properties>;
}

export interface PublishPacket {
  type: 'publish';
  dup: boolean;
  qos: QoS;
  retain: boolean;
  /** Empty when an MQTT 5 client sends a Topic Alias in its place. */
  topic: string;
  /** UTF-8 bytes of `topic`. */
  topicLength: number;
  /** 0 for QoS 0. */
  packetId: number;
  properties: Readonly<Properties>;
  /** A view into the received bytes: copy it before keeping it beyond the current read. */
  payload: Buffer;
}

export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

export interface AckPacket {
  type: AckType;
  packetId: number;
  reasonCode: number;
  properties: Readonly<Properties>;
}

export interface SubscriptionRequest {
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  /** 0 send retained messages, 1 only for a new subscription, 2 never (section 3.8.3.1). */
  retainHandling: 0 | 1 | 2;
}

export interface SubscribePacket {
  type: 'subscribe';
  packetId: number;
  subscriptions: SubscriptionRequest[];
  properties: Readonly<Properties>;
}

export interface UnsubscribePacket {
  type: 'unsubscribe';
  packetId: number;
  filters: string[];
  properties: Readonly<Properties>;
}

export interface PingreqPacket {
  type: 'pingreq';
}

export interface DisconnectPacket {
  type: 'disconnect';
  reasonCode: number;
  properties: Readonly<Properties>;
}

export interface AuthPacket {
  type: 'auth';
  reasonCode: number;
  properties: Readonly<Properties>;
}

/** Every packet a client may send. */
export type ClientPacket =
  | ConnectPacket
  | PublishPacket
  | AckPacket
  | SubscribePacket
  | UnsubscribePacket
  | PingreqPacket
  | DisconnectPacket
  | AuthPacket;

/** Why a packet was refused: the MQTT 5 reason code the spec gives for it, and what was wrong. */
export interface PacketError {
  /** 0x81 Malformed Packet, 0x82 Protocol Error, or a more specific code (0x84, 0x90...). */
  reasonCode: number;
  message: string;
}

export type DecodeResult<T extends ClientPacket = ClientPacket> = { ok: true; packet: T } | { ok: false; error: PacketError };
