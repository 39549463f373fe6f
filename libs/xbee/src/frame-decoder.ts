import { type XbeeFrameError, checksum, decodeFrameData } from './codec.js';
import { type ApiMode, DEFAULT_MAX_FRAME_LENGTH, ESCAPE, ESCAPE_XOR, START_DELIMITER } from './constants.js';
import type { XbeeFrame } from './frames.js';

/**
 * Why a frame was dropped. length: 0 or above maxFrameLength; checksum: mismatch;
 * interrupted: a raw 0x7E arrived mid-frame (AP=2 only); malformed: checksum fine, layout wrong.
 */
export type XbeeDropReason = 'length' | 'checksum' | 'interrupted' | 'malformed';

export type XbeeDrop =
  | { reason: 'length' | 'checksum'; /** declared frame data length */ length: number }
  | { reason: 'interrupted' }
  | { reason: 'malformed'; error: XbeeFrameError };

export interface XbeeFrameDecoderOptions {
  apiMode: ApiMode;
  onFrame: (frame: XbeeFrame) => void;
  onDrop?: (drop: XbeeDrop) => void;
  /** Longest frame data accepted; a longer declared length is treated as line noise. */
  maxFrameLength?: number;
}

const HUNT = 0;
const LENGTH_HIGH = 1;
const LENGTH_LOW = 2;
const DATA = 3;
const CHECKSUM = 4;
type State = typeof HUNT | typeof LENGTH_HIGH | typeof LENGTH_LOW | typeof DATA | typeof CHECKSUM;

const NO_FRAME = Buffer.alloc(0);

/**
 * Cuts a serial byte stream into XBee API frames and hands each one's frame data to decodeFrameData.
 * Chunks may split a frame anywhere, escape sequences included. Bad frames are counted, reported to
 * onDrop and skipped; the decoder resyncs on the next start delimiter and never throws on any input
 * (an exception thrown by onFrame or onDrop does propagate out of push).
 */
export class XbeeFrameDecoder {
  private readonly apiMode: ApiMode;
  private readonly maxFrameLength: number;
  private readonly onFrame: (frame: XbeeFrame) => void;
  private readonly onDrop: ((drop: XbeeDrop) => void) | undefined;

  private state: State = HUNT;
  private escaped = false;
  private length = 0;
  /** Allocated per frame, exactly sized: decoded frames keep views into it. */
  private frame = NO_FRAME;
  private filled = 0;
  /** AP=1 bytes to scan again before the rest of the input, set when a frame is rejected. */
  private replay: Buffer | undefined;

  private ok = 0;
  private skipped = 0;
  private readonly dropped: Record<XbeeDropReason, number> = { length: 0, checksum: 0, interrupted: 0, malformed: 0 };

  constructor(options: XbeeFrameDecoderOptions) {
    this.apiMode = options.apiMode;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.onFrame = options.onFrame;
    this.onDrop = options.onDrop;
  }

  get framesOk(): number {
    return this.ok;
  }

  get framesDropped(): Readonly<Record<XbeeDropReason, number>> {
    return this.dropped;
  }

  /** Bytes passed over while looking for a start delimiter. */
  get bytesSkipped(): number {
    return this.skipped;
  }

  push(chunk: Uint8Array): void {
    let input = chunk;
    let i = 0;
    // Inputs interrupted by an AP=1 replay, resumed afterwards; a stack rather than recursion so
    // nested replays cannot overflow the call stack however large maxFrameLength is.
    const interrupted: { input: Uint8Array; i: number }[] = [];
    for (;;) {
      if (i === input.length) {
        const resume = interrupted.pop();
        if (resume === undefined) return;
        ({ input, i } = resume);
        continue;
      }
      let byte = input[i++];
      if (this.state === HUNT) {
        if (byte === START_DELIMITER) this.begin();
        else this.skipped++;
        continue;
      }
      if (this.apiMode === 2) {
        // In AP=2 a raw 0x7E can only be a start delimiter, so the frame in progress was cut short.
        if (byte === START_DELIMITER) {
          this.drop({ reason: 'interrupted' });
          this.begin();
          continue;
        }
        if (this.escaped) {
          this.escaped = false;
          byte ^= ESCAPE_XOR;
        } else if (byte === ESCAPE) {
          this.escaped = true;
          continue;
        }
      }
      this.accept(byte);
      if (this.replay !== undefined) {
        interrupted.push({ input, i });
        input = this.replay;
        i = 0;
        this.replay = undefined;
      }
    }
  }

  private begin(): void {
    this.state = LENGTH_HIGH;
    this.escaped = false;
  }

  /** One unescaped byte after the start delimiter. */
  private accept(byte: number): void {
    switch (this.state) {
      case LENGTH_HIGH:
        this.length = byte << 8;
        this.state = LENGTH_LOW;
        return;
      case LENGTH_LOW:
        this.length |= byte;
        if (this.length === 0 || this.length > this.maxFrameLength) {
          this.reject('length');
          return;
        }
        this.frame = Buffer.allocUnsafe(this.length);
        this.filled = 0;
        this.state = DATA;
        return;
      case DATA:
        this.frame[this.filled++] = byte;
        if (this.filled === this.length) this.state = CHECKSUM;
        return;
      case CHECKSUM:
        if (byte !== checksum(this.frame)) {
          this.reject('checksum', byte);
          return;
        }
        this.state = HUNT;
        this.deliver();
        return;
    }
  }

  private deliver(): void {
    const result = decodeFrameData(this.frame);
    if (result.type === 'error') {
      this.drop({ reason: 'malformed', error: result });
      return;
    }
    this.ok++;
    this.onFrame(result);
  }

  private drop(drop: XbeeDrop): void {
    this.state = HUNT;
    this.dropped[drop.reason]++;
    this.onDrop?.(drop);
  }

  private reject(reason: 'length' | 'checksum', checksumByte = 0): void {
    this.drop({ reason, length: this.length });
    if (this.apiMode === 1) this.replay = this.consumedFromFirstStart(reason, checksumByte);
  }

  /**
   * AP=1 reserves no byte values, so a truncated frame swallows the start of the next one. The bytes
   * a rejected frame consumed are scanned again from their first 0x7E so that next frame is still found.
   * AP=2 needs no replay: a raw 0x7E inside a frame has already restarted the decoder.
   */
  private consumedFromFirstStart(reason: 'length' | 'checksum', checksumByte: number): Buffer | undefined {
    const consumed = Buffer.allocUnsafe(reason === 'length' ? 2 : this.length + 3);
    consumed.writeUInt16BE(this.length, 0);
    if (reason === 'checksum') {
      this.frame.copy(consumed, 2);
      consumed[consumed.length - 1] = checksumByte;
    }
    const start = consumed.indexOf(START_DELIMITER);
    return start === -1 ? undefined : consumed.subarray(start);
  }
}
