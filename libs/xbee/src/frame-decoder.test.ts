import { describe, expect, it } from 'vitest';
import { checksum, encodeFrame } from './codec.js';
import { type ApiMode, ESCAPE } from './constants.js';
import { ALL_VECTORS, VECTORS, hex, recordingDecoder, wire } from './test-support.js';

// Every reserved byte appears escaped in its AP=2 form, so splits can land inside escape sequences.
const escapeHeavy = VECTORS.receivePacket[1];
const status = VECTORS.transmitStatus[0];
const modem = VECTORS.modemStatus[0];

describe.each([1, 2] as const)('XbeeFrameDecoder, AP=%i', (apiMode: ApiMode) => {
  it('decodes a frame split across two chunks at every position', () => {
    const bytes = wire(escapeHeavy, apiMode);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { decoder, frames } = recordingDecoder({ apiMode });
      decoder.push(bytes.subarray(0, cut));
      decoder.push(bytes.subarray(cut));
      expect(frames, `cut at ${cut}`).toEqual([escapeHeavy.frame]);
    }
  });

  it('decodes a frame fed one byte at a time', () => {
    const { decoder, frames } = recordingDecoder({ apiMode });
    for (const byte of wire(escapeHeavy, apiMode)) decoder.push(Buffer.of(byte));
    expect(frames).toEqual([escapeHeavy.frame]);
  });

  it('decodes back-to-back frames from one chunk, in order', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode });
    decoder.push(Buffer.concat(ALL_VECTORS.map((v) => wire(v, apiMode))));
    expect(frames).toEqual(ALL_VECTORS.map((v) => v.frame));
    expect(drops).toEqual([]);
    expect(decoder.framesOk).toBe(ALL_VECTORS.length);
  });

  it('skips and counts junk before the start marker', () => {
    const { decoder, frames } = recordingDecoder({ apiMode });
    decoder.push(hex('00 FF 7D 11 13 55'));
    decoder.push(wire(status, apiMode));
    expect(frames).toEqual([status.frame]);
    expect(decoder.bytesSkipped).toBe(6);
  });

  it('drops a frame with a bad checksum and decodes the next one', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode });
    decoder.push(hex('7E 00 02 8A 06 70  # Modem Status, checksum off by one'));
    decoder.push(wire(status, apiMode));
    expect(drops).toEqual([{ reason: 'checksum', length: 2 }]);
    expect(frames).toEqual([status.frame]);
    expect(decoder.framesDropped).toEqual({ length: 0, checksum: 1, interrupted: 0, malformed: 0 });
  });

  it.each([
    ['zero', hex('7E 00 00'), 0],
    ['above maxFrameLength', hex('7E 02 01'), 513],
  ])('drops a frame whose length is %s and resyncs', (_, header, length) => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode });
    decoder.push(Buffer.concat([header, wire(modem, apiMode)]));
    expect(drops).toEqual([{ reason: 'length', length }]);
    expect(frames).toEqual([modem.frame]);
  });

  it('honours a custom maxFrameLength', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode, maxFrameLength: 17 });
    decoder.push(wire(VECTORS.receivePacket[0], apiMode)); // 18 bytes of frame data
    decoder.push(wire(escapeHeavy, apiMode)); // 17
    expect(drops).toEqual([{ reason: 'length', length: 18 }]);
    expect(frames).toEqual([escapeHeavy.frame]);
  });

  it('reports a frame whose checksum is right but whose layout is not as malformed', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode });
    // A Transmit Status needs 6 bytes after its type byte; this one has 3.
    decoder.push(encodeFrame({ type: 'unknown', frameType: 0x8b, data: hex('01 00 00') }, apiMode));
    decoder.push(wire(modem, apiMode));
    expect(drops).toEqual([{ reason: 'malformed', error: { type: 'error', reason: 'tooShort', data: hex('8B 01 00 00') } }]);
    expect(frames).toEqual([modem.frame]);
    expect(decoder.framesDropped.malformed).toBe(1);
  });

  it('drops a truncated frame and decodes the frame whose 0x7E follows it', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode });
    // A Receive Packet that declares 18 bytes of frame data but breaks off after 5.
    decoder.push(hex('7E 00 12 90 00 13 A2 00'));
    decoder.push(Buffer.concat([wire(status, apiMode), wire(modem, apiMode)]));
    // AP=2 sees the raw 0x7E at once; AP=1 reads on, fails the checksum, then rescans what it read.
    expect(drops).toEqual(apiMode === 2 ? [{ reason: 'interrupted' }] : [{ reason: 'checksum', length: 0x12 }]);
    expect(frames).toEqual([status.frame, modem.frame]);
  });

  it('keeps decoded data intact while later frames arrive', () => {
    const { decoder, frames } = recordingDecoder({ apiMode });
    decoder.push(wire(VECTORS.receivePacket[0], apiMode));
    decoder.push(wire(escapeHeavy, apiMode));
    expect(frames).toEqual([VECTORS.receivePacket[0].frame, escapeHeavy.frame]);
  });
});

describe('XbeeFrameDecoder, AP=1', () => {
  it('treats 0x7E inside a frame as data', () => {
    const { decoder, frames } = recordingDecoder({ apiMode: 1 });
    decoder.push(escapeHeavy.ap1); // its data holds 7E 7D 11 13
    expect(frames).toEqual([escapeHeavy.frame]);
  });

  it('rescans thousands of nested truncated frames without growing the call stack', () => {
    // Each frame's data is the next frame, each checksum is wrong, and the innermost frame is good:
    // every rejection replays a frame that is itself rejected, 3,000 levels deep.
    let nested = modem.ap1;
    for (let level = 0; level < 3000; level++) {
      // A length byte of 0x7E would restart the scan inside the header; lengths stay below 0x7E00.
      const data = (nested.length & 0xff) === 0x7e ? Buffer.concat([Buffer.of(0), nested]) : nested;
      const badChecksum = (checksum(data) + 1) & 0xff;
      nested = Buffer.concat([Buffer.of(0x7e, data.length >> 8, data.length & 0xff), data, Buffer.of(badChecksum)]);
    }
    const { decoder, frames, drops } = recordingDecoder({ apiMode: 1, maxFrameLength: 0xffff });
    decoder.push(nested);
    expect(frames).toEqual([modem.frame]);
    expect(drops).toHaveLength(3000);
  });
});

describe('XbeeFrameDecoder, AP=2', () => {
  it('decodes a frame split right after each escape byte', () => {
    const bytes = wire(escapeHeavy, 2);
    for (let cut = 1; cut < bytes.length; cut++) {
      if (bytes[cut - 1] !== ESCAPE) continue;
      const { decoder, frames } = recordingDecoder({ apiMode: 2 });
      decoder.push(bytes.subarray(0, cut));
      decoder.push(bytes.subarray(cut));
      expect(frames, `cut at ${cut}`).toEqual([escapeHeavy.frame]);
    }
  });

  it('starts a new frame at a raw 0x7E that follows an escape byte', () => {
    const { decoder, frames, drops } = recordingDecoder({ apiMode: 2 });
    decoder.push(hex('7E 00 07 8B 01 7D'));
    decoder.push(wire(status, 2));
    expect(drops).toEqual([{ reason: 'interrupted' }]);
    expect(frames).toEqual([status.frame]);
  });
});
