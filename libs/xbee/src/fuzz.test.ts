import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { decodeFrameData, encodeFrame } from './codec.js';
import { type ApiMode, ESCAPE, FrameType, START_DELIMITER, XOFF, XON } from './constants.js';
import type { XbeeFrame } from './frames.js';
import { recordingDecoder } from './test-support.js';

// Seeded so a failure replays exactly; change the seed in the test name to explore other inputs.

const RESERVED = [START_DELIMITER, ESCAPE, XON, XOFF];
const KNOWN_TYPES: readonly number[] = Object.values(FrameType);

/** Random bytes, one in four a reserved byte so escaping and framing paths get exercised. */
function bytes(random: Random, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = random.chance(0.25) ? random.pick(RESERVED) : random.below(256);
  return out;
}

function randomFrame(random: Random): XbeeFrame {
  const u8 = () => random.below(0x100);
  const u16 = () => random.below(0x10000);
  const address64 = () => bytes(random, 8).toString('hex');
  const command = () => bytes(random, 2).toString('latin1');
  const data = bytes(random, random.below(40));
  switch (random.below(7)) {
    case 0:
      return { type: 'receivePacket', source64: address64(), source16: u16(), options: u8(), data };
    case 1:
      return {
        type: 'transmitRequest',
        frameId: u8(),
        destination64: address64(),
        destination16: u16(),
        broadcastRadius: u8(),
        options: u8(),
        data,
      };
    case 2:
      return {
        type: 'transmitStatus',
        frameId: u8(),
        destination16: u16(),
        retryCount: u8(),
        deliveryStatus: u8(),
        discoveryStatus: u8(),
      };
    case 3:
      return { type: 'modemStatus', status: u8() };
    case 4:
      return { type: 'atCommand', frameId: u8(), command: command(), data };
    case 5:
      return { type: 'atCommandResponse', frameId: u8(), command: command(), status: u8(), data };
    default: {
      let frameType = u8();
      while (KNOWN_TYPES.includes(frameType)) frameType = u8();
      return { type: 'unknown', frameType, data };
    }
  }
}

/** Flip bits, delete, insert and duplicate bytes: damage a serial line can plausibly do. */
function mutate(random: Random, input: Buffer): Buffer {
  let out = Buffer.from(input);
  for (let n = 1 + random.below(4); n > 0 && out.length > 0; n--) {
    const at = random.below(out.length);
    switch (random.below(4)) {
      case 0:
        out[at] ^= 1 << random.below(8);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), bytes(random, 1), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + random.below(8)), out.subarray(at)]);
        break;
    }
  }
  return out;
}

/** Random chunk boundaries, as a serial port delivers them. */
function chunks(random: Random, input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const size = 1 + random.below(24);
    out.push(input.subarray(at, at + size));
    at += size;
  }
  return out;
}

const frameData = (frame: XbeeFrame): Buffer => encodeFrame(frame, 1).subarray(3, -1);

describe('XbeeFrameDecoder fuzzing', () => {
  it('never throws on 10,000 random and mutated inputs, and every frame it emits re-encodes to itself (seed 0x5eed0001)', () => {
    const random = new Random(0x5eed0001);
    for (let i = 0; i < 10_000; i++) {
      const apiMode: ApiMode = i % 2 === 0 ? 1 : 2;
      const input =
        random.chance(0.3)
          ? bytes(random, random.below(300))
          : mutate(random, Buffer.concat(Array.from({ length: 1 + random.below(4) }, () => encodeFrame(randomFrame(random), apiMode))));

      expect(() => decodeFrameData(input)).not.toThrow();
      const { decoder, frames, drops } = recordingDecoder({ apiMode });
      for (const chunk of chunks(random, input)) decoder.push(chunk);

      for (const frame of frames) expect(decodeFrameData(frameData(frame))).toEqual(frame);
      expect(decoder.framesOk).toBe(frames.length);
      expect(Object.values(decoder.framesDropped).reduce((a, b) => a + b, 0)).toBe(drops.length);
    }
  });

  it.each([1, 2] as const)(
    'AP=%i: recovers every frame interleaved with garbage that holds no 0x7E (seed 0x5eed0002)',
    (apiMode) => {
      const random = new Random(0x5eed0002);
      const garbage = (): Buffer => {
        const out = bytes(random, random.below(20));
        for (let i = 0; i < out.length; i++) if (out[i] === START_DELIMITER) out[i] = ESCAPE;
        return out;
      };
      for (let stream = 0; stream < 500; stream++) {
        const sent = Array.from({ length: 1 + random.below(8) }, () => randomFrame(random));
        const parts = [garbage()];
        for (const frame of sent) parts.push(encodeFrame(frame, apiMode), garbage());
        const input = Buffer.concat(parts);

        const { decoder, frames, drops } = recordingDecoder({ apiMode });
        for (const chunk of chunks(random, input)) decoder.push(chunk);

        expect(frames).toEqual(sent);
        expect(drops).toEqual([]);
        expect(decoder.bytesSkipped).toBe(parts.filter((_, i) => i % 2 === 0).reduce((n, p) => n + p.length, 0));
      }
    },
  );
});
