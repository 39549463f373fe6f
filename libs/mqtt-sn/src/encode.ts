import { Buffer } from 'node:buffer';
import {
  CTRL_RADIUS_MASK,
  Flag,
  MsgType,
  PROTOCOL_ID,
  QOS_BY_BITS,
  QOS_SHIFT,
  SHORT_TOPIC_NAME_BYTES,
  TOPIC_ID_TYPE_BY_BITS,
  TopicId,
  type SnQos,
  type SnTopicIdType,
} from './constants.js';
import type { SnMessage, SnPlainMessage, SnPublishTopic, SnSubscribeTopic } from './messages.js';

/**
 * Thrown when a message holds a value its frame cannot carry (a number out of range, a short topic name that is
 * not 2 bytes, a frame over 65535 bytes) or one `decode` would reject. The input is the program's own
 * data, so this is a bug to surface rather than a wire condition.
 */
export class SnEncodeError extends RangeError {
  override name = 'SnEncodeError';
}

/**
 * Encodes one frame into a single allocation, using the 3-byte length form only when the frame exceeds
 * 255 bytes. Throws SnEncodeError for a message that no valid frame can carry.
 */
export function encode(message: SnMessage): Buffer {
  const parts =
    message.type === 'encapsulated'
      ? [
          part(MsgType.ENCAPSULATED, [
            u8(message.radius, 'Radius', CTRL_RADIUS_MASK),
            bytes(message.wirelessNodeId),
          ]),
          plainPart(message.message),
        ]
      : [plainPart(message)];
  let size = 0;
  for (const p of parts) size += p.length;
  const buf = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const p of parts) offset = writePart(buf, offset, p);
  return buf;
}

const NO_BYTES = Buffer.alloc(0);

type Field = { size: number } & (
  | { kind: 'u8' | 'u16'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'text'; value: string }
);

/** One Length-prefixed unit: a message, or the header of a forwarder encapsulation. */
interface Part {
  code: number;
  fields: Field[];
  /** The Length field's value: the whole part, Length and MsgType included. */
  length: number;
}

function part(code: number, fields: Field[]): Part {
  let length = 1; // MsgType
  for (const f of fields) length += f.size;
  length += length + 1 <= 0xff ? 1 : 3;
  if (length > 0xffff) throw new SnEncodeError(`a frame of ${length} bytes exceeds the 65535-byte maximum`);
  return { code, fields, length };
}

function writePart(buf: Buffer, offset: number, { code, fields, length }: Part): number {
  if (length <= 0xff) {
    buf[offset++] = length;
  } else {
    buf[offset++] = 0x01;
    offset = buf.writeUInt16BE(length, offset);
  }
  buf[offset++] = code;
  for (const f of fields) {
    switch (f.kind) {
      case 'u8':
        buf[offset++] = f.value;
        break;
      case 'u16':
        offset = buf.writeUInt16BE(f.value, offset);
        break;
      case 'bytes':
        buf.set(f.value, offset);
        offset += f.size;
        break;
      case 'text':
        offset += buf.write(f.value, offset, 'utf8');
        break;
    }
  }
  return offset;
}

function plainPart(m: SnPlainMessage): Part {
  return part(MsgType[m.type.toUpperCase() as Uppercase<typeof m.type>], fieldsOf(m));
}

function fieldsOf(m: SnPlainMessage): Field[] {
  switch (m.type) {
    case 'advertise':
      return [u8(m.gwId, 'GwId'), u16(m.duration, 'Duration')];
    case 'searchgw':
      return [u8(m.radius, 'Radius')];
    case 'gwinfo':
      return [u8(m.gwId, 'GwId'), bytes(m.gwAdd ?? NO_BYTES)];
    case 'connect':
      return [
        flags({ will: m.will, cleanSession: m.cleanSession }),
        u8(PROTOCOL_ID, 'ProtocolId'),
        u16(m.duration, 'Duration'),
        text(m.clientId),
      ];
    case 'connack':
    case 'willtopicresp':
    case 'willmsgresp':
      return [u8(m.returnCode, 'ReturnCode')];
    case 'willtopicreq':
    case 'willmsgreq':
    case 'pingresp':
      return [];
    case 'willtopic':
    case 'willtopicupd':
      return m.will ? [flags({ qos: m.will.qos, retain: m.will.retain }), text(m.will.topic)] : [];
    case 'willmsg':
    case 'willmsgupd':
      return [bytes(m.willMsg)];
    case 'register':
      if (m.topicId === TopicId.RESERVED) throw new SnEncodeError('REGISTER: TopicId 0xFFFF is reserved');
      return [u16(m.topicId, 'TopicId'), u16(m.msgId, 'MsgId'), text(m.topicName)];
    case 'regack':
    case 'puback':
      return [u16(m.topicId, 'TopicId'), u16(m.msgId, 'MsgId'), u8(m.returnCode, 'ReturnCode')];
    case 'publish':
      if (m.qos === -1 && m.topic.topicIdType === 'normal') {
        throw new SnEncodeError('PUBLISH: QoS -1 needs a predefined or short topic id');
      }
      return [
        flags({ dup: m.dup, qos: m.qos, retain: m.retain, topicIdType: m.topic.topicIdType }),
        topic(m.topic),
        u16(m.msgId, 'MsgId'),
        bytes(m.payload),
      ];
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'unsuback':
      return [u16(m.msgId, 'MsgId')];
    case 'subscribe':
      return [flags({ dup: m.dup, qos: m.qos, topicIdType: m.topic.topicIdType }), u16(m.msgId, 'MsgId'), topic(m.topic)];
    case 'suback':
      return [flags({ qos: m.qos }), u16(m.topicId, 'TopicId'), u16(m.msgId, 'MsgId'), u8(m.returnCode, 'ReturnCode')];
    case 'unsubscribe':
      return [flags({ topicIdType: m.topic.topicIdType }), u16(m.msgId, 'MsgId'), topic(m.topic)];
    case 'pingreq':
      return [text(m.clientId ?? '')];
    case 'disconnect':
      return m.duration === undefined ? [] : [u16(m.duration, 'Duration')];
  }
}

interface Flags {
  dup?: boolean;
  qos?: SnQos;
  retain?: boolean;
  will?: boolean;
  cleanSession?: boolean;
  topicIdType?: SnTopicIdType;
}

function flags(f: Flags): Field {
  const byte =
    (f.dup ? Flag.DUP : 0) |
    (QOS_BY_BITS.indexOf(f.qos ?? 0) << QOS_SHIFT) |
    (f.retain ? Flag.RETAIN : 0) |
    (f.will ? Flag.WILL : 0) |
    (f.cleanSession ? Flag.CLEAN_SESSION : 0) |
    TOPIC_ID_TYPE_BY_BITS.indexOf(f.topicIdType ?? 'normal');
  return u8(byte, 'Flags');
}

function topic(t: SnPublishTopic | SnSubscribeTopic): Field {
  if ('topicId' in t) return u16(t.topicId, 'TopicId');
  if (t.topicIdType !== 'short') return text(t.topicName);
  const name = text(t.topicName);
  if (name.size !== SHORT_TOPIC_NAME_BYTES) {
    throw new SnEncodeError(`short topic name "${t.topicName}" is ${name.size} bytes, not ${SHORT_TOPIC_NAME_BYTES}`);
  }
  return name;
}

function u8(value: number, field: string, max = 0xff): Field {
  return { kind: 'u8', size: 1, value: checkUint(value, max, field) };
}

function u16(value: number, field: string): Field {
  return { kind: 'u16', size: 2, value: checkUint(value, 0xffff, field) };
}

function bytes(value: Uint8Array): Field {
  return { kind: 'bytes', size: value.length, value };
}

function text(value: string): Field {
  return { kind: 'text', size: Buffer.byteLength(value, 'utf8'), value };
}

function checkUint(value: number, max: number, field: string): number {
  if (Number.isInteger(value) && value >= 0 && value <= max) return value;
  throw new SnEncodeError(`${field} must be an integer from 0 to ${max}, got ${value}`);
}
