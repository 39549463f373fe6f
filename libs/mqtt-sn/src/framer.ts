import { Buffer } from 'node:buffer';
import { MsgType } from './constants.js';
import { HEADER_BAD_LENGTH, HEADER_INCOMPLETE, HEADER_UNKNOWN_TYPE, lengthFieldSize, readHeader } from './header.js';

export interface SnStreamFramerOptions {
  /**
   * Receives each complete frame. The frame is a view into the pushed bytes: it stays valid as long
   * as pushed chunks are not modified.
   */
  onFrame: (frame: Buffer) => void;
  /** Receives the size of each run of bytes skipped to resync. */
  onDrop?: (byteCount: number) => void;
  /** Longer frames are taken for garbage. Defaults to 1024. */
  maxFrameLength?: number;
  /**
   * Judges a complete frame before it is handed out, typically `(f) => decode(f).ok`. A rejected one is
   * taken for garbage whose header happened to look valid: its first byte is skipped and the bytes after
   * it are scanned again, so a real frame that the garbage's Length swallowed is still found.
   */
  accept?: (frame: Buffer) => boolean;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Cuts a byte stream (a serial line carrying frames back to back) into MQTT-SN frames by their
 * Length field. What cannot start a frame (a zero or too small Length, a Length above
 * maxFrameLength, a reserved MsgType) is skipped one byte at a time until a frame start is found.
 * The framer checks headers only; `decode` judges the rest.
 */
export class SnStreamFramer {
  private readonly onFrame: (frame: Buffer) => void;
  private readonly onDrop: ((byteCount: number) => void) | undefined;
  private readonly maxFrameLength: number;
  private readonly accept: ((frame: Buffer) => boolean) | undefined;
  private pending: Buffer = NO_BYTES;
  private frames = 0;
  private dropped = 0;

  constructor(options: SnStreamFramerOptions) {
    this.onFrame = options.onFrame;
    this.onDrop = options.onDrop;
    this.maxFrameLength = options.maxFrameLength ?? 1024;
    this.accept = options.accept;
    if (!Number.isInteger(this.maxFrameLength) || this.maxFrameLength < 2) {
      throw new RangeError(`maxFrameLength must be an integer of at least 2, got ${this.maxFrameLength}`);
    }
  }

  /** Frames handed to onFrame so far. */
  get framesOk(): number {
    return this.frames;
  }

  /** Bytes skipped while resyncing so far. */
  get bytesDropped(): number {
    return this.dropped;
  }

  /** Bytes held back as the start of a frame that has not fully arrived. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    let skipped = 0;
    while (offset < data.length) {
      const size = this.frameSize(data, offset);
      if (size === HEADER_INCOMPLETE) break;
      if (size < 0) {
        offset++;
        skipped++;
        continue;
      }
      if (offset + size > data.length) break;
      const frame = data.subarray(offset, offset + size);
      if (this.accept && !this.accept(frame)) {
        offset++;
        skipped++;
        continue;
      }
      this.drop(skipped);
      skipped = 0;
      this.frames++;
      this.onFrame(frame);
      offset += size;
    }
    this.drop(skipped);
    // Copied so that a few trailing bytes do not keep a large chunk alive.
    this.pending = offset === data.length ? NO_BYTES : Buffer.from(data.subarray(offset));
  }

  /** Size of the frame starting at `offset`, wrapped message included, or a negative HEADER_* code. */
  private frameSize(data: Buffer, offset: number): number {
    const length = readHeader(data, offset);
    if (length < 0) return length;
    if (length > this.maxFrameLength) return HEADER_BAD_LENGTH;
    if (data[offset + lengthFieldSize(data[offset])] !== MsgType.ENCAPSULATED) return length;

    // A forwarder encapsulation's Length covers its own header; the wrapped message follows it.
    const innerOffset = offset + length;
    const inner = readHeader(data, innerOffset);
    if (inner < 0) return inner;
    if (data[innerOffset + lengthFieldSize(data[innerOffset])] === MsgType.ENCAPSULATED) return HEADER_UNKNOWN_TYPE;
    return length + inner > this.maxFrameLength ? HEADER_BAD_LENGTH : length + inner;
  }

  /**
   * For a line that went quiet with bytes held back: a sender writes whole frames, so what is held can
   * only be garbage whose Length promised more. Skips it byte by byte, handing out any frame it hid.
   */
  resync(): void {
    while (this.pending.length > 0) {
      const rest = this.pending.subarray(1);
      this.pending = NO_BYTES;
      this.drop(1);
      this.push(rest);
    }
  }

  private drop(byteCount: number): void {
    if (byteCount === 0) return;
    this.dropped += byteCount;
    this.onDrop?.(byteCount);
  }
}
