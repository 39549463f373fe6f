import { isUtf8, type Buffer } from 'node:buffer';
import {
  CTRL_RADIUS_MASK,
  Flag,
  MSG_TYPE_NAMES,
  PROTOCOL_ID,
  QOS_BY_BITS,
  QOS_SHIFT,
  ReturnCode,
  SHORT_TOPIC_NAME_BYTES,
  TOPIC_ID_TYPE_BY_BITS,
  TopicId,
  type MsgTypeName,
  type SnQos,
  type SnReturnCode,
  type SnTopicIdType,
} from './constants.js';
import { HEADER_BAD_LENGTH, HEADER_INCOMPLETE, lengthFieldSize, readHeader } from './header.js';
import type {
  SnMessage,
  SnPlainMessage,
  SnPublish,
  SnQosLevel,
  SnSubscribeTopic,
  SnWillSettings,
} from './messages.js';

export type SnDecodeErrorCode =
  /** The buffer ends before the header or before the length its Length field announces. */
  | 'truncated'
  /** The buffer holds bytes beyond the announced length. */
  | 'length-mismatch'
  /** The Length field is invalid, or does not fit the fields of the message type. */
  | 'bad-length'
  /** MsgType is reserved. */
  | 'unknown-type'
  /** A field holds a value the spec reserves or forbids. */
  | 'bad-field';

export interface SnDecodeError {
  code: SnDecodeErrorCode;
  message: string;
}

export type DecodeResult<T extends SnMessage = SnMessage> =
  | { ok: true; message: T }
  | { ok: false; error: SnDecodeError };

/**
 * Decodes one whole frame. Never throws: malformed input yields `{ ok: false, error }`.
 * Buffers in the message (payload, willMsg, gwAdd, wirelessNodeId) are views into `frame`.
 * Flag bits a message type does not use are ignored.
 */
export function decode(frame: Buffer): DecodeResult {
  const header = parseHeader(frame);
  if ('code' in header) return { ok: false, error: header };
  if (header.name !== 'ENCAPSULATED') return decodeBody(frame, header.name, header.bodyStart, header.length);

  // The encapsulation's Length covers only its own header; the wrapped message follows with its own.
  if (frame.length < header.length) return truncated(frame, header.length);
  const r = new BodyReader(frame.subarray(header.bodyStart, header.length), header.name);
  const radius = r.u8('Ctrl') & CTRL_RADIUS_MASK;
  const wirelessNodeId = r.rest();
  if (r.error) return { ok: false, error: r.error };
  const inner = decodeWrapped(frame.subarray(header.length));
  if (!inner.ok) return failure(inner.error.code, `encapsulated message: ${inner.error.message}`);
  return { ok: true, message: { type: 'encapsulated', radius, wirelessNodeId, message: inner.message } };
}

interface Header {
  name: MsgTypeName;
  length: number;
  bodyStart: number;
}

function parseHeader(frame: Buffer): Header | SnDecodeError {
  const length = readHeader(frame, 0);
  if (length === HEADER_INCOMPLETE) {
    return { code: 'truncated', message: `${frame.length} bytes end inside the header` };
  }
  const bodyStart = lengthFieldSize(frame[0]) + 1;
  if (length === HEADER_BAD_LENGTH) {
    const declared = bodyStart === 4 ? frame.readUInt16BE(1) : frame[0];
    return { code: 'bad-length', message: `Length ${declared} cannot cover the header` };
  }
  const code = frame[bodyStart - 1];
  const name = MSG_TYPE_NAMES.get(code);
  if (name === undefined) return { code: 'unknown-type', message: `MsgType 0x${hex(code)} is reserved` };
  return { name, length, bodyStart };
}

/** A forwarder wraps exactly one plain message. */
function decodeWrapped(frame: Buffer): DecodeResult<SnPlainMessage> {
  const header = parseHeader(frame);
  if ('code' in header) return { ok: false, error: header };
  if (header.name === 'ENCAPSULATED') return failure('bad-field', 'encapsulations do not nest');
  return decodeBody(frame, header.name, header.bodyStart, header.length);
}

function decodeBody(frame: Buffer, name: PlainName, bodyStart: number, length: number): DecodeResult<SnPlainMessage> {
  if (frame.length < length) return truncated(frame, length);
  if (frame.length > length) {
    return failure('length-mismatch', `Length says ${length} bytes but the frame has ${frame.length}`);
  }
  const r = new BodyReader(frame.subarray(bodyStart), name);
  const message = READERS[name](r);
  r.end();
  return r.error ? { ok: false, error: r.error } : { ok: true, message };
}

/**
 * Reads fields in order. The first problem sticks in `error` and later reads return placeholders,
 * so readers stay straight-line and the caller checks once.
 */
class BodyReader {
  error: SnDecodeError | undefined;
  private offset = 0;

  constructor(
    private readonly body: Buffer,
    private readonly name: MsgTypeName,
  ) {}

  get remaining(): number {
    return this.body.length - this.offset;
  }

  u8(field: string): number {
    return this.has(1, field) ? this.body[this.offset++] : 0;
  }

  u16(field: string): number {
    return this.has(2, field) ? this.take(2).readUInt16BE(0) : 0;
  }

  rest(): Buffer {
    return this.take(this.remaining);
  }

  /** UTF-8 text of `size` bytes, by default the rest of the body. */
  text(field: string, size = this.remaining): string {
    if (!this.has(size, field)) return '';
    const bytes = this.take(size);
    if (!isUtf8(bytes)) this.invalid(`${field} is not valid UTF-8`);
    return bytes.toString('utf8');
  }

  invalid(message: string): void {
    this.fail('bad-field', message);
  }

  end(): void {
    if (this.remaining > 0) this.fail('bad-length', `extra bytes after the last field (${this.remaining})`);
  }

  private has(size: number, field: string): boolean {
    if (this.remaining >= size) return true;
    this.fail('bad-length', `too short for ${field}`);
    return false;
  }

  private take(size: number): Buffer {
    this.offset += size;
    return this.body.subarray(this.offset - size, this.offset);
  }

  private fail(code: SnDecodeErrorCode, message: string): void {
    this.error ??= { code, message: `${this.name}: ${message}` };
  }
}

type PlainName = Exclude<MsgTypeName, 'ENCAPSULATED'>;

// Object literals evaluate in source order, so each reader lists its fields in wire order.
const READERS: { [K in PlainName]: (r: BodyReader) => SnPlainMessage } = {
  ADVERTISE: (r) => ({ type: 'advertise', gwId: r.u8('GwId'), duration: r.u16('Duration') }),
  SEARCHGW: (r) => ({ type: 'searchgw', radius: r.u8('Radius') }),
  GWINFO: (r) => {
    const gwId = r.u8('GwId');
    return r.remaining > 0 ? { type: 'gwinfo', gwId, gwAdd: r.rest() } : { type: 'gwinfo', gwId };
  },
  CONNECT: (r) => {
    const flags = r.u8('Flags');
    const protocolId = r.u8('ProtocolId');
    if (protocolId !== PROTOCOL_ID) r.invalid(`ProtocolId 0x${hex(protocolId)} is not 0x01`);
    return {
      type: 'connect',
      will: has(flags, Flag.WILL),
      cleanSession: has(flags, Flag.CLEAN_SESSION),
      duration: r.u16('Duration'),
      clientId: r.text('ClientId'),
    };
  },
  CONNACK: (r) => ({ type: 'connack', returnCode: returnCode(r) }),
  WILLTOPICREQ: () => ({ type: 'willtopicreq' }),
  WILLTOPIC: (r) => ({ type: 'willtopic', will: willSettings(r) }),
  WILLMSGREQ: () => ({ type: 'willmsgreq' }),
  WILLMSG: (r) => ({ type: 'willmsg', willMsg: r.rest() }),
  REGISTER: (r) => {
    // A REGISTER assigns an id, and 0xFFFF can never be assigned (0x0000 is what clients send).
    const topicId = r.u16('TopicId');
    if (topicId === TopicId.RESERVED) r.invalid('TopicId 0xFFFF is reserved');
    return { type: 'register', topicId, msgId: r.u16('MsgId'), topicName: r.text('TopicName') };
  },
  REGACK: (r) => ({ type: 'regack', topicId: r.u16('TopicId'), msgId: r.u16('MsgId'), returnCode: returnCode(r) }),
  PUBLISH: readPublish,
  PUBACK: (r) => ({ type: 'puback', topicId: r.u16('TopicId'), msgId: r.u16('MsgId'), returnCode: returnCode(r) }),
  PUBCOMP: (r) => ({ type: 'pubcomp', msgId: r.u16('MsgId') }),
  PUBREC: (r) => ({ type: 'pubrec', msgId: r.u16('MsgId') }),
  PUBREL: (r) => ({ type: 'pubrel', msgId: r.u16('MsgId') }),
  SUBSCRIBE: (r) => {
    const flags = r.u8('Flags');
    return {
      type: 'subscribe',
      dup: has(flags, Flag.DUP),
      qos: qosLevel(r, flags),
      msgId: r.u16('MsgId'),
      topic: subscribeTopic(r, flags),
    };
  },
  SUBACK: (r) => {
    const flags = r.u8('Flags');
    return {
      type: 'suback',
      qos: qosLevel(r, flags),
      topicId: r.u16('TopicId'),
      msgId: r.u16('MsgId'),
      returnCode: returnCode(r),
    };
  },
  UNSUBSCRIBE: (r) => {
    const flags = r.u8('Flags');
    return { type: 'unsubscribe', msgId: r.u16('MsgId'), topic: subscribeTopic(r, flags) };
  },
  UNSUBACK: (r) => ({ type: 'unsuback', msgId: r.u16('MsgId') }),
  PINGREQ: (r) => (r.remaining > 0 ? { type: 'pingreq', clientId: r.text('ClientId') } : { type: 'pingreq' }),
  PINGRESP: () => ({ type: 'pingresp' }),
  DISCONNECT: (r) => (r.remaining > 0 ? { type: 'disconnect', duration: r.u16('Duration') } : { type: 'disconnect' }),
  WILLTOPICUPD: (r) => ({ type: 'willtopicupd', will: willSettings(r) }),
  WILLTOPICRESP: (r) => ({ type: 'willtopicresp', returnCode: returnCode(r) }),
  WILLMSGUPD: (r) => ({ type: 'willmsgupd', willMsg: r.rest() }),
  WILLMSGRESP: (r) => ({ type: 'willmsgresp', returnCode: returnCode(r) }),
};

function readPublish(r: BodyReader): SnPublish {
  const flags = r.u8('Flags');
  const qos = qosOf(flags);
  const topicIdType = topicIdTypeOf(r, flags);
  // QoS -1 is sent without a connection, so there can be no registered (normal) topic id.
  if (qos === -1 && topicIdType === 'normal') r.invalid('QoS -1 needs a predefined or short topic id');
  return {
    type: 'publish',
    dup: has(flags, Flag.DUP),
    qos,
    retain: has(flags, Flag.RETAIN),
    topic:
      topicIdType === 'short'
        ? { topicIdType, topicName: r.text('TopicId', SHORT_TOPIC_NAME_BYTES) }
        : { topicIdType, topicId: r.u16('TopicId') },
    msgId: r.u16('MsgId'),
    payload: r.rest(),
  };
}

function subscribeTopic(r: BodyReader, flags: number): SnSubscribeTopic {
  const topicIdType = topicIdTypeOf(r, flags);
  switch (topicIdType) {
    case 'normal':
      return { topicIdType, topicName: r.text('TopicName') };
    case 'predefined':
      return { topicIdType, topicId: r.u16('TopicId') };
    case 'short':
      return { topicIdType, topicName: r.text('TopicName', SHORT_TOPIC_NAME_BYTES) };
  }
}

/** The empty (2-byte) form carries no Flags and no topic: it deletes the will. */
function willSettings(r: BodyReader): SnWillSettings | null {
  if (r.remaining === 0) return null;
  const flags = r.u8('Flags');
  return { qos: qosLevel(r, flags), retain: has(flags, Flag.RETAIN), topic: r.text('WillTopic') };
}

function has(flags: number, mask: number): boolean {
  return (flags & mask) !== 0;
}

function qosOf(flags: number): SnQos {
  return QOS_BY_BITS[(flags & Flag.QOS) >> QOS_SHIFT];
}

function qosLevel(r: BodyReader, flags: number): SnQosLevel {
  const qos = qosOf(flags);
  if (qos !== -1) return qos;
  r.invalid('QoS -1 is only valid in PUBLISH');
  return 0;
}

function topicIdTypeOf(r: BodyReader, flags: number): SnTopicIdType {
  const bits = flags & Flag.TOPIC_ID_TYPE;
  if (bits < TOPIC_ID_TYPE_BY_BITS.length) return TOPIC_ID_TYPE_BY_BITS[bits];
  r.invalid('TopicIdType 0b11 is reserved');
  return 'normal';
}

function returnCode(r: BodyReader): SnReturnCode {
  const code = r.u8('ReturnCode');
  if (isReturnCode(code)) return code;
  r.invalid(`ReturnCode 0x${hex(code)} is reserved`);
  return ReturnCode.NOT_SUPPORTED;
}

function isReturnCode(code: number): code is SnReturnCode {
  return code <= ReturnCode.NOT_SUPPORTED;
}

function truncated(frame: Buffer, length: number): DecodeResult<never> {
  return failure('truncated', `Length says ${length} bytes but the frame has ${frame.length}`);
}

function failure(code: SnDecodeErrorCode, message: string): DecodeResult<never> {
  return { ok: false, error: { code, message } };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
