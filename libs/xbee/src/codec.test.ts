import { describe, expect, it } from 'vitest';
import { XbeeEncodeError, decodeFrameData, encodeFrame } from './codec.js';
import type { XbeeFrame } from './frames.js';
import { type FrameVector, VECTORS, hex, recordingDecoder, wire } from './test-support.js';

/** Decode, encode and round-trip tests for one vector in both API modes. */
function testVector(vector: FrameVector): void {
  describe(vector.name, () => {
    it('frame data decodes on its own', () => {
      expect(decodeFrameData(vector.ap1.subarray(3, -1))).toEqual(vector.frame);
    });

    for (const apiMode of [1, 2] as const) {
      describe(`AP=${apiMode}`, () => {
        it('decodes from the wire', () => {
          const { decoder, frames, drops } = recordingDecoder({ apiMode });
          decoder.push(wire(vector, apiMode));
          expect(frames).toEqual([vector.frame]);
          expect(drops).toEqual([]);
        });

        it('encodes to the wire bytes', () => {
          expect(encodeFrame(vector.frame, apiMode)).toEqual(wire(vector, apiMode));
        });

        it('round-trips', () => {
          const { decoder, frames } = recordingDecoder({ apiMode });
          decoder.push(encodeFrame(vector.frame, apiMode));
          expect(frames).toEqual([vector.frame]);
        });
      });
    }
  });
}

describe('frame vectors', () => {
  for (const [type, vectors] of Object.entries(VECTORS)) {
    describe(type, () => vectors.forEach(testVector));
  }
});

describe('decodeFrameData error values', () => {
  const cases: { name: string; data: Buffer; reason: string }[] = [
    { name: 'no frame type byte', data: Buffer.alloc(0), reason: 'empty' },
    { name: 'Transmit Status without its discovery status', data: hex('8B 01 7D 84 00 00'), reason: 'tooShort' },
    { name: 'Receive Packet cut inside source64', data: hex('90 00 13 A2 00'), reason: 'tooShort' },
    { name: 'AT Command with half a command', data: hex('08 01 4E'), reason: 'tooShort' },
    { name: 'Modem Status with a trailing byte', data: hex('8A 06 00'), reason: 'tooLong' },
  ];
  for (const { name, data, reason } of cases) {
    it(`${name}: ${reason}`, () => {
      expect(decodeFrameData(data)).toEqual({ type: 'error', reason, data });
    });
  }

  it('returns data fields as views into the frame data, not copies', () => {
    const data = hex('90 00 13 A2 00 40 52 2B AA 7D 84 01 52 78');
    const frame = decodeFrameData(data);
    data[12] = 0x00;
    expect(frame).toMatchObject({ type: 'receivePacket', data: Buffer.of(0x00, 0x78) });
  });
});

describe('encodeFrame', () => {
  const request: XbeeFrame = VECTORS.transmitRequest[0].frame;
  const cases: { name: string; frame: XbeeFrame; field: string }[] = [
    { name: 'non-hex destination64', frame: { ...request, destination64: '0013a200400a012z' }, field: 'destination64' },
    { name: '15-digit destination64', frame: { ...request, destination64: '013a200400a0127' }, field: 'destination64' },
    { name: 'frame id above 255', frame: { ...request, frameId: 256 }, field: 'frameId' },
    { name: 'fractional frame id', frame: { ...request, frameId: 1.5 }, field: 'frameId' },
    { name: 'negative destination16', frame: { ...request, destination16: -1 }, field: 'destination16' },
    { name: 'one-character AT command', frame: { ...VECTORS.atCommand[0].frame, command: 'N' }, field: 'command' },
    { name: 'AT command outside latin1', frame: { ...VECTORS.atCommand[0].frame, command: 'N€' }, field: 'command' },
    { name: 'unknown frame type above 255', frame: { type: 'unknown', frameType: 0x100, data: Buffer.alloc(0) }, field: 'frameType' },
    { name: 'data longer than a 16-bit length', frame: { ...request, data: Buffer.alloc(0xffff) }, field: 'data' },
  ];
  for (const { name, frame, field } of cases) {
    it(`throws XbeeEncodeError naming ${field}: ${name}`, () => {
      expect(() => encodeFrame(frame, 1)).toThrow(XbeeEncodeError);
      expect(() => encodeFrame(frame, 1)).toThrow(expect.objectContaining({ field }));
    });
  }

  it('accepts an upper-case 64-bit address', () => {
    expect(encodeFrame({ ...request, destination64: '0013A200400A0127' }, 1)).toEqual(VECTORS.transmitRequest[0].ap1);
  });
});
