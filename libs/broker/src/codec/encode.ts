import { Buffer } from 'node:buffer';
import {
  connectReturnCodeV3,
  MAX_REMAINING_LENGTH,
  PacketType,
  ProtocolVersion,
  type ProtocolVersionCode,
  PublishFlag,
  type QoS,
  QOS_SHIFT,
  ReasonCode,
} from '../constants.js';
import { NO_PROPERTIES, type Properties } from './packets.js';
import { propertiesSize, varintSize, writeProperties, writeUtf8, writeVarint } from './properties.js';

/** A fixed header and room for `remaining` bytes: the buffer, and where the body starts. */
function allocate(header: number, remaining: number): [Buffer, number] {
  const buf = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining);
  buf[0] = header;
  return [buf, writeVarint(buf, 1, remaining)];
}

/**
 * The properties to send, given the receiver's Maximum Packet Size: Reason String and User Properties
 * are left out when the packet would otherwise be too large (e.g. [MQTT-3.4.2-2], [MQTT-3.4.2-3]).
 */
function fitted(properties: Readonly<Properties>, fixedBytes: number, limit: number): [Readonly<Properties>, number] {
  const size = propertiesSize(properties);
  if (packetLength(fixedBytes + varintSize(size) + size) <= limit) return [properties, size];
  const { reasonString: _reason, userProperties: _user, ...rest } = properties;
  return [rest, propertiesSize(rest)];
}

/** CONNACK (section 3.2): MQTT 3.x gets the return code its version knows, without properties. */
export function encodeConnack(
  version: ProtocolVersionCode,
  sessionPresent: boolean,
  reasonCode: number,
  properties: Readonly<Properties> = NO_PROPERTIES,
  limit = Infinity,
): Buffer {
  // MQTT 3.1 has no Session Present flag: the byte is reserved there.
  const flags = sessionPresent && version !== ProtocolVersion.V31 ? 1 : 0;
  if (version !== ProtocolVersion.V5) {
    return Buffer.from([PacketType.CONNACK << 4, 2, flags, connectReturnCodeV3(reasonCode)]);
  }
  const [props, size] = fitted(properties, 2, limit);
  const [buf, pos] = allocate(PacketType.CONNACK << 4, 2 + varintSize(size) + size);
  buf[pos] = flags;
  buf[pos + 1] = reasonCode;
  writeProperties(buf, pos + 2, props, size);
  return buf;
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP (sections 3.4 to 3.7), in the shortest form the version allows. */
export function encodeAck(
  type: 4 | 5 | 6 | 7,
  version: ProtocolVersionCode,
  packetId: number,
  reasonCode: number = ReasonCode.SUCCESS,
  properties: Readonly<Properties> = NO_PROPERTIES,
  limit = Infinity,
): Buffer {
  const header = (type << 4) | (type === PacketType.PUBREL ? 0x02 : 0);
  const [props, size] = version === ProtocolVersion.V5 ? fitted(properties, 3, limit) : [NO_PROPERTIES, 0];
  // MQTT 5: Reason Code and Property Length may be left out when there is nothing to say (section 3.4.2.1)
  const remaining = version !== ProtocolVersion.V5 || (reasonCode === 0 && size === 0) ? 2 : size === 0 ? 3 : 3 + varintSize(size) + size;
  const [buf, pos] = allocate(header, remaining);
  buf.writeUInt16BE(packetId, pos);
  if (remaining > 2) buf[pos + 2] = reasonCode;
  if (remaining > 3) writeProperties(buf, pos + 3, props, size);
  return buf;
}

/** SUBACK (section 3.9) or UNSUBACK (3.11): a code per filter; MQTT 3.x UNSUBACK has none. */
export function encodeSubscriptionAck(
  type: 9 | 11,
  version: ProtocolVersionCode,
  packetId: number,
  codes: readonly number[],
  properties: Readonly<Properties> = NO_PROPERTIES,
  limit = Infinity,
): Buffer {
  const v5 = version === ProtocolVersion.V5;
  const payload = v5 || type === PacketType.SUBACK ? codes.length : 0;
  const [props, size] = v5 ? fitted(properties, 2 + payload, limit) : [NO_PROPERTIES, 0];
  const [buf, start] = allocate(type << 4, 2 + (v5 ? varintSize(size) + size : 0) + payload);
  buf.writeUInt16BE(packetId, start);
  let pos = v5 ? writeProperties(buf, start + 2, props, size) : start + 2;
  for (let i = 0; i < payload; i++) buf[pos++] = codes[i];
  return buf;
}

export const PINGRESP: Buffer = Buffer.from([PacketType.PINGRESP << 4, 0]);

/** DISCONNECT (section 3.14, MQTT 5 only: 3.x servers just close the connection). */
export function encodeDisconnect(reasonCode: number, properties: Readonly<Properties> = NO_PROPERTIES, limit = Infinity): Buffer {
  const [props, size] = fitted(properties, 1, limit);
  const remaining = reasonCode === 0 && size === 0 ? 0 : size === 0 ? 1 : 1 + varintSize(size) + size;
  const [buf, pos] = allocate(PacketType.DISCONNECT << 4, remaining);
  if (remaining > 0) buf[pos] = reasonCode;
  if (remaining > 1) writeProperties(buf, pos + 1, props, size);
  return buf;
}

/** AUTH (section 3.15). */
export function encodeAuth(reasonCode: number, properties: Readonly<Properties> = NO_PROPERTIES, limit = Infinity): Buffer {
  const [props, size] = fitted(properties, 1, limit);
  const remaining = reasonCode === 0 && size === 0 ? 0 : 1 + varintSize(size) + size;
  const [buf, pos] = allocate(PacketType.AUTH << 4, remaining);
  if (remaining > 0) {
    buf[pos] = reasonCode;
    writeProperties(buf, pos + 1, props, size);
  }
  return buf;
}

/** What a PUBLISH to a subscriber carries (section 3.3). */
export interface PublishFields {
  topic: string;
  /** UTF-8 bytes of `topic` (0 when a Topic Alias stands in for it). */
  topicLength: number;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Ignored for QoS 0. */
  packetId: number;
  /** MQTT 5 properties; null for MQTT 3.x, whose PUBLISH has no property section. */
  properties: Readonly<Properties> | null;
}

/** The Remaining Length of a PUBLISH; above MAX_REMAINING_LENGTH it cannot be sent at all. */
export function publishRemainingLength(fields: PublishFields, propertiesLength: number): number {
  const properties = fields.properties === null ? 0 : varintSize(propertiesLength) + propertiesLength;
  return 2 + fields.topicLength + (fields.qos > 0 ? 2 : 0) + properties + fields.payload.length;
}

export function packetLength(remaining: number): number {
  return 1 + varintSize(remaining) + remaining;
}

/** Writes a PUBLISH at `offset` (room for packetLength(remaining) bytes); returns the offset after it. */
export function writePublish(buf: Buffer, offset: number, fields: PublishFields, remaining: number, propertiesLength: number): number {
  buf[offset] = (PacketType.PUBLISH << 4) | (fields.dup ? PublishFlag.DUP : 0) | (fields.qos << QOS_SHIFT) | (fields.retain ? PublishFlag.RETAIN : 0);
  let pos = writeVarint(buf, offset + 1, remaining);
  pos = writeUtf8(buf, pos, fields.topic);
  if (fields.qos > 0) {
    buf.writeUInt16BE(fields.packetId, pos);
    pos += 2;
  }
  if (fields.properties !== null) pos = writeProperties(buf, pos, fields.properties, propertiesLength);
  return pos + fields.payload.copy(buf, pos);
}

/** A PUBLISH as its own buffer; undefined when it is larger than any MQTT packet may be. */
export function encodePublish(fields: PublishFields): Buffer | undefined {
  const propertiesLength = fields.properties === null ? 0 : propertiesSize(fields.properties);
  const remaining = publishRemainingLength(fields, propertiesLength);
  if (remaining > MAX_REMAINING_LENGTH) return undefined;
  const buf = Buffer.allocUnsafe(packetLength(remaining));
  writePublish(buf, 0, fields, remaining, propertiesLength);
  return buf;
}

/** Where the Packet Identifier of the QoS 1 or 2 PUBLISH starting at `start` is. */
export function publishPacketIdOffset(buf: Buffer, start: number): number {
  let pos = start + 1;
  while (buf[pos] & 0x80) pos++;
  pos++;
  return pos + 2 + buf.readUInt16BE(pos);
}
