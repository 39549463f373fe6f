import type { Buffer } from 'node:buffer';
import { MSG_TYPE_NAMES } from './constants.js';

// Shared by decode and the framer so both agree on what starts a frame. Plain numbers rather than
// result objects: the framer calls this once per garbage byte while resyncing.
export const HEADER_INCOMPLETE = -1;
export const HEADER_BAD_LENGTH = -2;
export const HEADER_UNKNOWN_TYPE = -3;

/** A first byte of 0x01 announces the 3-byte form: 0x01 then a 16-bit big-endian length. */
export function lengthFieldSize(firstByte: number): 1 | 3 {
  return firstByte === 0x01 ? 3 : 1;
}

/**
 * The Length field of the frame at `offset` (it counts the whole message, Length included), or a
 * negative HEADER_* code. A valid header has a length covering at least itself and MsgType, and a
 * MsgType the spec assigns. The 3-byte form is accepted below 256 too: the spec lets short messages
 * use the 1-byte form but does not require it.
 */
export function readHeader(buf: Buffer, offset: number): number {
  if (offset >= buf.length) return HEADER_INCOMPLETE;
  const first = buf[offset];
  const fieldSize = lengthFieldSize(first);
  if (buf.length < offset + fieldSize) return HEADER_INCOMPLETE;
  const length = fieldSize === 3 ? buf.readUInt16BE(offset + 1) : first;
  if (length < fieldSize + 1) return HEADER_BAD_LENGTH; // also rejects a 1-byte Length of 0
  if (buf.length <= offset + fieldSize) return HEADER_INCOMPLETE;
  return MSG_TYPE_NAMES.has(buf[offset + fieldSize]) ? length : HEADER_UNKNOWN_TYPE;
}
