import type { Buffer } from 'node:buffer';
import {
  AUTH_REASONS,
  CLIENT_DISCONNECT_REASONS,
  ConnectFlag,
  PacketType,
  PROTOCOL_NAMES,
  ProtocolVersion,
  type ProtocolVersionCode,
  PUBACK_REASONS,
  PublishFlag,
  PUBREL_REASONS,
  type QoS,
  QOS_SHIFT,
  ReasonCode,
  REQUIRED_FLAGS,
  RETAIN_HANDLING_SHIFT,
  SubscribeOption,
  WILL_QOS_SHIFT,
} from '../constants.js';
import type {
  AckPacket,
  AckType,
  AuthPacket,
  ClientPacket,
  ConnectPacket,
  DecodeResult,
  DisconnectPacket,
  PacketError,
  PublishPacket,
  SubscribePacket,
  SubscriptionRequest,
  UnsubscribePacket,
  Will,
} from './packets.js';
import { NO_PROPERTIES } from './packets.js';
import { readProperties } from './properties.js';
import { Reader, utf8Problem } from './reader.js';

const ACK_TYPES: Readonly<Record<number, AckType>> = {
  [PacketType.PUBACK]: 'puback',
  [PacketType.PUBREC]: 'pubrec',
  [PacketType.PUBREL]: 'pubrel',
  [PacketType.PUBCOMP]: 'pubcomp',
};
const ACK_NAMES: Readonly<Record<number, string>> = { 4: 'PUBACK', 5: 'PUBREC', 6: 'PUBREL', 7: 'PUBCOMP' };

const fail = (reasonCode: number, message: string): { ok: false; error: PacketError } => ({ ok: false, error: { reasonCode, message } });
const malformed = (message: string) => fail(ReasonCode.MALFORMED_PACKET, message);
const protocolError = (message: string) => fail(ReasonCode.PROTOCOL_ERROR, message);

function finish<T extends ClientPacket>(reader: Reader, packet: T): DecodeResult<T> {
  if (reader.error) return { ok: false, error: reader.error };
  if (reader.remaining !== 0) return malformed(`${reader.remaining} bytes after the last field`);
  return { ok: true, packet };
}

/**
 * The MQTT version a CONNECT asks for, read from its first bytes (protocol name and level) before the
 * rest is decoded: the server answers a CONNECT it refuses in that version's CONNACK format. Undefined
 * when the name or level is not one of MQTT 3.1, 3.1.1 or 5.
 */
export function connectVersion(buf: Buffer, start: number, end: number): ProtocolVersionCode | undefined {
  if (end - start < 2) return undefined;
  const nameLength = buf.readUInt16BE(start);
  const levelAt = start + 2 + nameLength;
  if (levelAt >= end) return undefined;
  const name = buf.toString('latin1', start + 2, levelAt);
  const level = buf[levelAt] as ProtocolVersionCode;
  return PROTOCOL_NAMES[level] === name ? level : undefined;
}

/**
 * Decodes the body `buf[start, end)` of a CONNECT (section 3.1). An unknown protocol name or level gives
 * 0x84 Unsupported Protocol Version; the caller decides whether the client gets a CONNACK saying so.
 */
export function decodeConnect(buf: Buffer, start: number, end: number): DecodeResult<ConnectPacket> {
  const reader = new Reader(buf, start, end);
  const name = reader.utf8('Protocol Name');
  const level = reader.u8('Protocol Level');
  if (reader.error) return { ok: false, error: reader.error };
  if (name !== 'MQTT' && name !== 'MQIsdp') return malformed(`Protocol Name "${name}" is not MQTT`);
  if (PROTOCOL_NAMES[level as ProtocolVersionCode] !== name) {
    return fail(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `Protocol Level ${level} with Protocol Name "${name}" is not supported`);
  }
  const protocolVersion = level as ProtocolVersionCode;
  const v5 = protocolVersion === ProtocolVersion.V5;
  const flags = reader.u8('Connect Flags');
  const keepAlive = reader.u16('Keep Alive');
  if (reader.error) return { ok: false, error: reader.error };
  // [MQTT-3.1.2-3]
  if (flags & ConnectFlag.RESERVED) return malformed('the reserved Connect Flag is set');
  const hasWill = (flags & ConnectFlag.WILL) !== 0;
  const willQos = (flags & ConnectFlag.WILL_QOS) >> WILL_QOS_SHIFT;
  const willRetain = (flags & ConnectFlag.WILL_RETAIN) !== 0;
  // [MQTT-3.1.2-11], [MQTT-3.1.2-13]
  if (!hasWill && (willQos !== 0 || willRetain)) return malformed('Will QoS or Will Retain set without the Will Flag');
  if (willQos === 3) return malformed('Will QoS 3');
  const hasUsername = (flags & ConnectFlag.USERNAME) !== 0;
  const hasPassword = (flags & ConnectFlag.PASSWORD) !== 0;
  // MQTT 3.1.1 [MQTT-3.1.2-22]: no password without a user name (MQTT 5 allows it)
  if (!v5 && hasPassword && !hasUsername) return malformed('Password Flag set without the User Name Flag');
  const properties = v5 ? readProperties(reader, PacketType.CONNECT) : NO_PROPERTIES;
  const clientId = reader.utf8('Client Identifier');
  let will: Will | undefined;
  if (hasWill) {
    const willProperties = v5 ? readProperties(reader, 'will') : NO_PROPERTIES;
    const topic = reader.utf8('Will Topic');
    const payload = reader.binary('Will Payload');
    will = { topic, payload, qos: willQos as QoS, retain: willRetain, properties: willProperties };
  }
  const packet: ConnectPacket = { type: 'connect', protocolVersion, cleanStart: (flags & ConnectFlag.CLEAN_START) !== 0, keepAlive, clientId, properties };
  if (hasUsername) packet.username = reader.utf8('User Name');
  if (hasPassword) packet.password = reader.binary('Password');
  if (will) packet.will = will;
  return finish(reader, packet);
}

/** Decodes the body of a PUBLISH whose fixed header's low nibble is `flags` (section 3.3). */
function decodePublish(buf: Buffer, flags: number, start: number, end: number, version: ProtocolVersionCode): DecodeResult<PublishPacket> {
  const qos = (flags & PublishFlag.QOS) >> QOS_SHIFT;
  // [MQTT-3.3.1-4]
  if (qos === 3) return malformed('PUBLISH with QoS 3');
  if (end - start < 2) return malformed('Topic Name: packet too short');
  const topicLength = buf.readUInt16BE(start);
  const topicStart = start + 2;
  const topicEnd = topicStart + topicLength;
  if (topicEnd > end) return malformed('Topic Name: packet too short');
  // Topic names are checked here, in one pass, rather than by Reader.utf8: this is the hot path.
  let ascii = true;
  for (let i = topicStart; i < topicEnd; i++) {
    const byte = buf[i];
    // [MQTT-3.3.2-2]: '#' 0x23 and '+' 0x2b
    if (byte === 0x23 || byte === 0x2b) return fail(ReasonCode.TOPIC_NAME_INVALID, 'Topic Name contains a wildcard');
    if (byte === 0) return malformed('Topic Name contains U+0000');
    if (byte >= 0x80) ascii = false;
  }
  if (!ascii) {
    const problem = utf8Problem(buf, topicStart, topicEnd);
    if (problem !== undefined) return malformed(`Topic Name ${problem}`);
  }
  const topic = buf.toString(ascii ? 'latin1' : 'utf8', topicStart, topicEnd);
  let pos = topicEnd;
  let packetId = 0;
  if (qos > 0) {
    if (pos + 2 > end) return malformed('Packet Identifier: packet too short');
    packetId = buf.readUInt16BE(pos);
    pos += 2;
    // [MQTT-2.2.1-3]
    if (packetId === 0) return malformed('PUBLISH with Packet Identifier 0');
  }
  let properties = NO_PROPERTIES;
  if (version === ProtocolVersion.V5) {
    const reader = new Reader(buf, pos, end);
    properties = readProperties(reader, PacketType.PUBLISH);
    if (reader.error) return { ok: false, error: reader.error };
    // [MQTT-3.3.4-6]
    if (properties.subscriptionIdentifiers !== undefined) return protocolError('PUBLISH from a client with a Subscription Identifier');
    // [MQTT-3.3.2-14]
    const responseTopic = properties.responseTopic;
    if (responseTopic !== undefined && /[+#]/.test(responseTopic)) return protocolError('Response Topic contains a wildcard');
    pos = reader.pos;
  }
  if (topicLength === 0 && properties.topicAlias === undefined) {
    // [MQTT-4.7.3-1]; MQTT 5 allows an empty name only with a Topic Alias (section 3.3.2.1)
    return version === ProtocolVersion.V5 ? protocolError('empty Topic Name without a Topic Alias') : malformed('empty Topic Name');
  }
  return {
    ok: true,
    packet: {
      type: 'publish',
      dup: (flags & PublishFlag.DUP) !== 0,
      qos: qos as QoS,
      retain: (flags & PublishFlag.RETAIN) !== 0,
      topic,
      topicLength,
      packetId,
      properties,
      payload: buf.subarray(pos, end),
    },
  };
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP (sections 3.4 to 3.7). */
function decodeAck(code: 4 | 5 | 6 | 7, reader: Reader, version: ProtocolVersionCode): DecodeResult<AckPacket> {
  const type = ACK_TYPES[code];
  const name = ACK_NAMES[code];
  const packetId = reader.u16('Packet Identifier');
  if (!reader.error && packetId === 0) reader.malformed(`${name} with Packet Identifier 0`);
  let reasonCode: number = ReasonCode.SUCCESS;
  let properties = NO_PROPERTIES;
  // MQTT 5: a Remaining Length of 2 means success without properties (section 3.4.2.1)
  if (version === ProtocolVersion.V5 && reader.remaining > 0) {
    reasonCode = reader.u8('Reason Code');
    const allowed = code === PacketType.PUBACK || code === PacketType.PUBREC ? PUBACK_REASONS : PUBREL_REASONS;
    if (!reader.error && !allowed.has(reasonCode)) reader.fail(ReasonCode.PROTOCOL_ERROR, `${name} Reason Code 0x${reasonCode.toString(16)}`);
    if (reader.remaining > 0) properties = readProperties(reader, code);
  }
  return finish(reader, { type, packetId, reasonCode, properties });
}

function decodeSubscribe(reader: Reader, version: ProtocolVersionCode): DecodeResult<SubscribePacket> {
  const v5 = version === ProtocolVersion.V5;
  const packetId = reader.u16('Packet Identifier');
  if (!reader.error && packetId === 0) reader.malformed('SUBSCRIBE with Packet Identifier 0');
  const properties = v5 ? readProperties(reader, PacketType.SUBSCRIBE) : NO_PROPERTIES;
  const subscriptions: SubscriptionRequest[] = [];
  while (reader.remaining > 0 && !reader.error) {
    const filter = reader.utf8('Topic Filter');
    const options = reader.u8('Subscription Options');
    if (reader.error) break;
    // [MQTT-3.8.3-5]; MQTT 3.1.1 [MQTT-3.8.3-4]
    if (options & (v5 ? SubscribeOption.RESERVED_V5 : SubscribeOption.RESERVED_V3)) return malformed('reserved Subscription Options bits set');
    const qos = options & SubscribeOption.QOS;
    if (qos === 3) return malformed('Requested QoS 3');
    const retainHandling = (options & SubscribeOption.RETAIN_HANDLING) >> RETAIN_HANDLING_SHIFT;
    if (retainHandling === 3) return protocolError('Retain Handling 3');
    subscriptions.push({
      filter,
      qos: qos as QoS,
      noLocal: (options & SubscribeOption.NO_LOCAL) !== 0,
      retainAsPublished: (options & SubscribeOption.RETAIN_AS_PUBLISHED) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  // [MQTT-3.8.3-2]
  if (!reader.error && subscriptions.length === 0) return protocolError('SUBSCRIBE without a Topic Filter');
  return finish(reader, { type: 'subscribe', packetId, subscriptions, properties });
}

function decodeUnsubscribe(reader: Reader, version: ProtocolVersionCode): DecodeResult<UnsubscribePacket> {
  const packetId = reader.u16('Packet Identifier');
  if (!reader.error && packetId === 0) reader.malformed('UNSUBSCRIBE with Packet Identifier 0');
  const properties = version === ProtocolVersion.V5 ? readProperties(reader, PacketType.UNSUBSCRIBE) : NO_PROPERTIES;
  const filters: string[] = [];
  while (reader.remaining > 0 && !reader.error) filters.push(reader.utf8('Topic Filter'));
  // [MQTT-3.10.2-2]
  if (!reader.error && filters.length === 0) return protocolError('UNSUBSCRIBE without a Topic Filter');
  return finish(reader, { type: 'unsubscribe', packetId, filters, properties });
}

function decodeDisconnect(reader: Reader, version: ProtocolVersionCode): DecodeResult<DisconnectPacket> {
  let reasonCode: number = ReasonCode.SUCCESS;
  let properties = NO_PROPERTIES;
  if (version === ProtocolVersion.V5 && reader.remaining > 0) {
    reasonCode = reader.u8('Reason Code');
    if (!reader.error && !CLIENT_DISCONNECT_REASONS.has(reasonCode)) reader.fail(ReasonCode.PROTOCOL_ERROR, `DISCONNECT Reason Code 0x${reasonCode.toString(16)}`);
    if (reader.remaining > 0) properties = readProperties(reader, PacketType.DISCONNECT);
  }
  return finish(reader, { type: 'disconnect', reasonCode, properties });
}

function decodeAuth(reader: Reader, version: ProtocolVersionCode): DecodeResult<AuthPacket> {
  if (version !== ProtocolVersion.V5) return protocolError('AUTH before MQTT 5');
  let reasonCode: number = ReasonCode.SUCCESS;
  let properties = NO_PROPERTIES;
  if (reader.remaining > 0) {
    reasonCode = reader.u8('Reason Code');
    if (!reader.error && !AUTH_REASONS.has(reasonCode)) reader.fail(ReasonCode.PROTOCOL_ERROR, `AUTH Reason Code 0x${reasonCode.toString(16)}`);
    properties = readProperties(reader, PacketType.AUTH);
  }
  return finish(reader, { type: 'auth', reasonCode, properties });
}

/**
 * Whether the fixed header's low nibble is what the packet type requires [MQTT-2.1.3-1]. MQTT 3.1
 * let clients set DUP on a resent PUBREL, SUBSCRIBE or UNSUBSCRIBE, so that bit is ignored there.
 */
export function validFlags(type: number, flags: number, version: ProtocolVersionCode | undefined): boolean {
  const required = REQUIRED_FLAGS[type];
  if (required === undefined) return true;
  if (version === ProtocolVersion.V31 && required === 2) return (flags & ~PublishFlag.DUP) === required;
  return flags === required;
}

/**
 * Decodes a packet a client sent after its CONNECT, whose fixed header's first byte is `header` and whose
 * body is `buf[start, end)`. Never throws: what is wrong comes back as a PacketError with the reason
 * code an MQTT 5 server gives for it (0x81 Malformed Packet, 0x82 Protocol Error...).
 */
export function decodePacket(header: number, buf: Buffer, start: number, end: number, version: ProtocolVersionCode): DecodeResult {
  const type = header >> 4;
  const flags = header & 0x0f;
  if (!validFlags(type, flags, version)) return malformed(`packet type ${type} with flags 0x${flags.toString(16)}`);
  if (type === PacketType.PUBLISH) return decodePublish(buf, flags, start, end, version);
  const reader = new Reader(buf, start, end);
  switch (type) {
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return decodeAck(type, reader, version);
    case PacketType.SUBSCRIBE:
      return decodeSubscribe(reader, version);
    case PacketType.UNSUBSCRIBE:
      return decodeUnsubscribe(reader, version);
    case PacketType.PINGREQ:
      return finish(reader, { type: 'pingreq' });
    case PacketType.DISCONNECT:
      return decodeDisconnect(reader, version);
    case PacketType.AUTH:
      return decodeAuth(reader, version);
    case PacketType.CONNECT:
      // [MQTT-3.1.0-2]
      return protocolError('a second CONNECT');
    case 0:
      return malformed('reserved packet type 0');
    default:
      return protocolError(`packet type ${type} is sent by servers only`);
  }
}
