import { Buffer } from 'node:buffer';
import { ReasonCode } from '../constants.js';

/** Receives what an MqttFramer cuts out of a byte stream. */
export interface FrameSink {
  /**
   * One complete packet: its first byte, and its body `buf[start, end)`. The bytes stay valid as long as
   * the pushed chunks are not modified. Returning false holds back every later byte until `resume()`.
   */
  onFrame(header: number, buf: Buffer, start: number, end: number): boolean;
  /** The stream cannot be cut into packets any more; nothing more is delivered. */
  onFramingError(reasonCode: number, message: string): void;
}

const NO_BYTES = Buffer.alloc(0);
/** A partial packet's bytes are copied out of their chunk when they are this small, so they do not pin it. */
const COPY_BELOW = 4096;

/**
 * Cuts a byte stream into MQTT control packets by their fixed header (section 2.1). A Remaining Length
 * that declares a packet above `maxPacketSize` fails the stream at once, before any of it is buffered,
 * so one connection can make the broker hold at most one packet of that size plus one read.
 */
export class MqttFramer {
  /** Bytes after the last complete packet: the start of the next one, or all of it while held. */
  private rest: Buffer = NO_BYTES;
  /** The chunks of a packet known to be large, gathered until `needed` bytes are there. */
  private parts: Buffer[] | null = null;
  private partsLength = 0;
  private needed = 0;
  private held = false;
  private failed = false;

  constructor(public maxPacketSize: number) {}

  /** Bytes received but not handed out yet. */
  get buffered(): number {
    return this.rest.length + this.partsLength;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    if (this.failed) return;
    if (this.parts !== null) {
      this.parts.push(chunk);
      this.partsLength += chunk.length;
      if (this.partsLength < this.needed) return;
      chunk = Buffer.concat(this.parts, this.partsLength);
      this.parts = null;
      this.partsLength = 0;
    } else if (this.rest.length > 0) {
      chunk = Buffer.concat([this.rest, chunk]);
    }
    this.rest = NO_BYTES;
    if (this.held) {
      this.rest = chunk;
      return;
    }
    this.cut(chunk, sink);
  }

  /** Hands out what was held back since a sink returned false. */
  resume(sink: FrameSink): void {
    this.held = false;
    const rest = this.rest;
    this.rest = NO_BYTES;
    if (rest.length > 0 && !this.failed) this.cut(rest, sink);
  }

  private cut(buf: Buffer, sink: FrameSink): void {
    const length = buf.length;
    let pos = 0;
    while (pos < length) {
      // The Remaining Length: a Variable Byte Integer of at most four bytes after the first byte.
      let remaining = 0;
      let multiplier = 1;
      let at = pos + 1;
      let complete = false;
      while (at < length) {
        const byte = buf[at++];
        remaining += (byte & 0x7f) * multiplier;
        if ((byte & 0x80) === 0) {
          if (byte === 0 && at - pos > 2) return this.fail(sink, ReasonCode.MALFORMED_PACKET, 'Remaining Length longer than needed');
          complete = true;
          break;
        }
        if (at - pos > 4) return this.fail(sink, ReasonCode.MALFORMED_PACKET, 'Remaining Length longer than 4 bytes');
        multiplier *= 128;
      }
      if (!complete) break;
      const total = at - pos + remaining;
      if (total > this.maxPacketSize) {
        return this.fail(sink, ReasonCode.PACKET_TOO_LARGE, `a packet of ${total} bytes is larger than the maximum of ${this.maxPacketSize}`);
      }
      if (pos + total > length) {
        this.keepPartial(buf.subarray(pos), total);
        return;
      }
      const go = sink.onFrame(buf[pos], buf, at, pos + total);
      pos += total;
      if (this.failed) return;
      if (!go) {
        this.held = true;
        this.rest = buf.subarray(pos);
        return;
      }
    }
    if (pos < length) this.rest = Buffer.from(buf.subarray(pos));
  }

  private keepPartial(partial: Buffer, total: number): void {
    if (total - partial.length > COPY_BELOW) {
      this.parts = [partial];
      this.partsLength = partial.length;
      this.needed = total;
    } else {
      this.rest = partial.length < COPY_BELOW ? Buffer.from(partial) : partial;
    }
  }

  private fail(sink: FrameSink, reasonCode: number, message: string): void {
    this.failed = true;
    this.rest = NO_BYTES;
    this.parts = null;
    this.partsLength = 0;
    sink.onFramingError(reasonCode, message);
  }
}
