// Test support shared by the *.test.ts files; not part of the package API.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decode } from './decode.js';
import { encode } from './encode.js';
import { SnStreamFramer } from './framer.js';
import type { SnMessage } from './messages.js';

export interface CodecVector {
  name: string;
  message: SnMessage;
  /** Hex, one string per field so each can carry its comment; spaces are ignored. */
  bytes: string[];
}

export function fromHex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');
}

/** Turns each vector into decode, encode and framer round-trip tests. */
export function describeVectors(title: string, vectors: readonly CodecVector[]): void {
  describe(title, () => {
    for (const { name, message, bytes } of vectors) {
      describe(name, () => {
        const frame = fromHex(...bytes);

        it('decodes', () => {
          expect(decode(frame)).toEqual({ ok: true, message });
        });

        it('encodes', () => {
          expect(encode(message).toString('hex')).toBe(frame.toString('hex'));
        });

        it('round-trips through the stream framer', () => {
          const frames: Buffer[] = [];
          const framer = new SnStreamFramer({ onFrame: (f) => frames.push(f), maxFrameLength: 0xffff });
          framer.push(encode(message));
          expect(frames.map((f) => decode(f))).toEqual([{ ok: true, message }]);
        });
      });
    }
  });
}
