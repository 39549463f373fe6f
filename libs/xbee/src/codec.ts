import { type ApiMode, ESCAPE, ESCAPE_XOR, FrameType, START_DELIMITER, XOFF, XON } from './constants.js';
import {
  FIELD_SIZE,
  FRAME_NAMES,
  type FieldKind,
  type Layout,
  LAYOUTS,
  UNKNOWN_LAYOUT,
  type XbeeFrame,
  fixedLength,
} from './frames.js';

/** Frame data that passed the checksum but does not fit its frame type's layout. */
export interface XbeeFrameError {
  type: 'error';
  /** empty: no frame type byte; tooShort: fixed fields cut off; tooLong: bytes after a fixed-size frame. */
  reason: 'empty' | 'tooShort' | 'tooLong';
  data: Buffer;
}

/** Thrown by encodeFrame for a field value the wire format cannot carry: a bug in the caller, not bad input. */
export class XbeeEncodeError extends Error {
  override readonly name = 'XbeeEncodeError';

  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`XBee frame field ${field} cannot be encoded: ${String(value)}`);
  }
}

/** 0xFF minus the low byte of the sum of the frame data. */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i];
  return 0xff - (sum & 0xff);
}

/**
 * Frame data (frame type byte onwards, unescaped, without checksum) to a typed frame.
 * Never throws; `data` fields are views into `data`, not copies.
 */
export function decodeFrameData(data: Buffer): XbeeFrame | XbeeFrameError {
  if (data.length === 0) return { type: 'error', reason: 'empty', data };
  const type = FRAME_NAMES.get(data[0]);
  if (type === undefined) return { type: 'unknown', frameType: data[0], data: data.subarray(1) };

  const layout: Layout = LAYOUTS[type];
  const end = 1 + fixedLength(layout);
  if (data.length < end) return { type: 'error', reason: 'tooShort', data };
  if (!layout.data && data.length > end) return { type: 'error', reason: 'tooLong', data };

  const frame: Record<string, unknown> = { type };
  let offset = 1;
  for (const [name, kind] of layout.fields) {
    frame[name] = readField(data, offset, kind);
    offset += FIELD_SIZE[kind];
  }
  if (layout.data) frame.data = data.subarray(offset);
  // The layout table is typed against the frame interfaces, so the built object has the frame's shape.
  return frame as unknown as XbeeFrame;
}

/** A complete frame on the wire: start delimiter, length, frame data, checksum; escaped when apiMode is 2. */
export function encodeFrame(frame: XbeeFrame, apiMode: ApiMode): Buffer {
  const [frameType, layout]: [number, Layout] =
    frame.type === 'unknown' ? [frame.frameType, UNKNOWN_LAYOUT] : [FrameType[frame.type], LAYOUTS[frame.type]];
  const values = frame as unknown as Readonly<Record<string, unknown>>;
  const data = layout.data ? (values.data as Buffer) : undefined;
  const length = 1 + fixedLength(layout) + (data?.length ?? 0);
  if (length > 0xffff) throw new XbeeEncodeError('data', `${data?.length} bytes`);

  const out = Buffer.allocUnsafe(length + 4);
  out[0] = START_DELIMITER;
  out.writeUInt16BE(length, 1);
  writeField(out, 3, 'u8', frameType, 'frameType');
  let offset = 4;
  for (const [name, kind] of layout.fields) {
    writeField(out, offset, kind, values[name], name);
    offset += FIELD_SIZE[kind];
  }
  data?.copy(out, offset);
  out[out.length - 1] = checksum(out, 3, out.length - 1);
  return apiMode === 2 ? escape(out) : out;
}

function readField(data: Buffer, offset: number, kind: FieldKind): number | string {
  switch (kind) {
    case 'u8':
      return data[offset];
    case 'u16':
      return data.readUInt16BE(offset);
    case 'address64':
      return data.toString('hex', offset, offset + 8);
    case 'command':
      // latin1 maps every byte to one char, so any two bytes survive a round trip.
      return data.toString('latin1', offset, offset + 2);
  }
}

const ADDRESS_64 = /^[0-9a-f]{16}$/i;
const COMMAND = /^[\x00-\xff]{2}$/;

function writeField(out: Buffer, offset: number, kind: FieldKind, value: unknown, name: string): void {
  switch (kind) {
    case 'u8':
    case 'u16': {
      const max = kind === 'u8' ? 0xff : 0xffff;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
        throw new XbeeEncodeError(name, value);
      }
      if (kind === 'u8') out[offset] = value;
      else out.writeUInt16BE(value, offset);
      return;
    }
    case 'address64':
    case 'command':
      if (typeof value !== 'string' || !(kind === 'command' ? COMMAND : ADDRESS_64).test(value)) {
        throw new XbeeEncodeError(name, value);
      }
      out.write(value, offset, FIELD_SIZE[kind], kind === 'command' ? 'latin1' : 'hex');
      return;
  }
}

function needsEscape(byte: number): boolean {
  return byte === START_DELIMITER || byte === ESCAPE || byte === XON || byte === XOFF;
}

/** AP=2: everything after the start delimiter, length and checksum included, gets escaped. */
function escape(raw: Buffer): Buffer {
  let extra = 0;
  for (let i = 1; i < raw.length; i++) if (needsEscape(raw[i])) extra++;
  if (extra === 0) return raw;

  const out = Buffer.allocUnsafe(raw.length + extra);
  out[0] = raw[0];
  let j = 1;
  for (let i = 1; i < raw.length; i++) {
    const byte = raw[i];
    if (needsEscape(byte)) {
      out[j++] = ESCAPE;
      out[j++] = byte ^ ESCAPE_XOR;
    } else {
      out[j++] = byte;
    }
  }
  return out;
}
