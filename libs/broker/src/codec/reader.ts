import { type Buffer, isUtf8 } from 'node:buffer';
import { ReasonCode } from '../constants.js';
import type { PacketError } from './packets.js';

/**
 * Why the UTF-8 string in `buf[start, end)` is not allowed, or undefined when it is: it must be
 * well-formed, surrogate-free UTF-8 [MQTT-1.5.4-1] without U+0000 [MQTT-1.5.4-2]. Pure ASCII, the common
 * case, is checked in the loop; only other text goes to the full validator.
 */
export function utf8Problem(buf: Buffer, start: number, end: number): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte === 0) return 'contains U+0000';
    if (byte >= 0x80) ascii = false;
  }
  if (!ascii && !isUtf8(buf.subarray(start, end))) return 'is not well-formed UTF-8';
  return undefined;
}

/**
 * A cursor over the bytes of one packet. Reads past `end` or invalid values set `error` (the first one
 * wins) and return a placeholder; callers check `error` once per field group instead of after every read.
 */
export class Reader {
  error: PacketError | undefined;

  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(reasonCode: number, message: string): void {
    this.error ??= { reasonCode, message };
  }

  malformed(message: string): void {
    this.fail(ReasonCode.MALFORMED_PACKET, message);
  }

  private has(bytes: number, what: string): boolean {
    if (this.error) return false;
    if (this.pos + bytes <= this.end) return true;
    this.malformed(`${what}: packet too short`);
    return false;
  }

  u8(what: string): number {
    if (!this.has(1, what)) return 0;
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    if (!this.has(2, what)) return 0;
    const value = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    if (!this.has(4, what)) return 0;
    const value = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  /** A Variable Byte Integer: at most four bytes, and no more than the value needs [MQTT-1.5.5-1]. */
  varint(what: string): number {
    let value = 0;
    let multiplier = 1;
    for (let count = 1; count <= 4; count++) {
      if (!this.has(1, what)) return 0;
      const byte = this.buf[this.pos++];
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && count > 1) this.malformed(`${what}: Variable Byte Integer longer than needed`);
        return value;
      }
      multiplier *= 128;
    }
    this.malformed(`${what}: Variable Byte Integer longer than 4 bytes`);
    return 0;
  }

  /** A two-byte-length-prefixed UTF-8 string (section 1.5.4). */
  utf8(what: string): string {
    const length = this.u16(what);
    if (!this.has(length, what)) return '';
    const start = this.pos;
    this.pos += length;
    const problem = utf8Problem(this.buf, start, this.pos);
    if (problem !== undefined) {
      this.malformed(`${what} ${problem}`);
      return '';
    }
    return this.buf.toString('utf8', start, this.pos);
  }

  /** Two-byte-length-prefixed binary data (section 1.5.6), as a view into the packet. */
  binary(what: string): Buffer {
    const length = this.u16(what);
    if (!this.has(length, what)) return this.buf.subarray(0, 0);
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }
}
