// Test support shared by the *.test.ts files; not part of the package API.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decode } from './decode.js';
import { encode } from './encode.js';
import { SnStreamFramer } from './framer.js';
import type { SnMessage, SnPublish } from './messages.js';

export interface CodecVector {
  name: string;
  message: SnMessage;
  /** Hex, one string per field so each can carry its comment; spaces are ignored. */
  bytes: string[];
}

export function fromHex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');
}

/** A QoS 0 PUBLISH to normal topic id 1, MsgId 0, empty payload; `fields` replaces any of them. */
export function publishMessage(fields: Partial<Omit<SnPublish, 'type'>> = {}): SnPublish {
  return {
    type: 'publish',
    dup: false,
    qos: 0,
    retain: false,
    topic: { topicIdType: 'normal', topicId: 1 },
    msgId: 0,
    payload: Buffer.alloc(0),
    ...fields,
  };
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
