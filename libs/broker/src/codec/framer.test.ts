import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from '../constants.js';
import { type FrameSink, MqttFramer } from './framer.js';
import { fromHex } from './test-vectors.js';

/** Records what a framer hands out: each packet as hex, and a framing error if one came. */
function recorder(hold: (count: number) => boolean = () => false) {
  const packets: string[] = [];
  const errors: [number, string][] = [];
  const sink: FrameSink = {
    onFrame: (header, buf, start, end) => {
      packets.push(`${header.toString(16).padStart(2, '0')}:${buf.subarray(start, end).toString('hex')}`);
      return !hold(packets.length);
    },
    onFramingError: (reasonCode, message) => errors.push([reasonCode, message]),
  };
  return { sink, packets, errors };
}

const PINGREQ = fromHex('c0 00');
const PUBLISH = fromHex('30 07', '00 03 61 2f 62', '68 69');
const PUBACK = fromHex('40 02', '00 07');

describe('MqttFramer', () => {
  it('cuts a stream of packets however it is split into chunks', () => {
    const stream = Buffer.concat([PUBLISH, PINGREQ, PUBACK, PUBLISH]);
    const expected = ['30:0003612f626869', 'c0:', '40:0007', '30:0003612f626869'];
    for (let first = 0; first <= stream.length; first++) {
      for (let second = first; second <= stream.length; second++) {
        const { sink, packets, errors } = recorder();
        const framer = new MqttFramer(1024);
        for (const chunk of [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)]) framer.push(chunk, sink);
        expect(packets, `cut at ${first} and ${second}`).toEqual(expected);
        expect(errors).toEqual([]);
        expect(framer.buffered).toBe(0);
      }
    }
  });

  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '80 01'],
    [16_383, 'ff 7f'],
    [16_384, '80 80 01'],
    [2_097_151, 'ff ff 7f'],
    [2_097_152, '80 80 80 01'],
  ])('reads a Remaining Length of %i from %s', (length, varint) => {
    const { sink, packets } = recorder();
    const framer = new MqttFramer(Number.MAX_SAFE_INTEGER);
    framer.push(Buffer.concat([fromHex('30', varint), Buffer.alloc(length, 0x61)]), sink);
    expect(packets).toHaveLength(1);
    expect(packets[0]).toHaveLength(3 + 2 * length);
  });

  it('fails a Remaining Length of five bytes as malformed (section 1.5.5)', () => {
    const { sink, packets, errors } = recorder();
    const framer = new MqttFramer(Number.MAX_SAFE_INTEGER);
    framer.push(fromHex('30 80 80 80 80 01'), sink);
    expect(errors).toEqual([[ReasonCode.MALFORMED_PACKET, 'Remaining Length longer than 4 bytes']]);
    framer.push(PINGREQ, sink);
    expect(packets).toEqual([]);
  });

  it('[MQTT-1.5.5-1] fails a Remaining Length in more bytes than needed', () => {
    const { sink, errors } = recorder();
    new MqttFramer(1024).push(fromHex('c0 80 00'), sink);
    expect(errors).toEqual([[ReasonCode.MALFORMED_PACKET, 'Remaining Length longer than needed']]);
  });

  it('fails a packet declared larger than the maximum before any of its body arrived, holding nothing', () => {
    const { sink, errors } = recorder();
    const framer = new MqttFramer(1000);
    // 268,435,455 bytes declared, 2 sent: an attacker's first bytes
    framer.push(fromHex('30 ff ff ff 7f 00 01'), sink);
    expect(errors).toEqual([[ReasonCode.PACKET_TOO_LARGE, 'a packet of 268435460 bytes is larger than the maximum of 1000']]);
    expect(framer.buffered).toBe(0);
  });

  it('takes a packet of exactly the maximum size, fixed header included', () => {
    const { sink, packets, errors } = recorder();
    new MqttFramer(PUBLISH.length).push(PUBLISH, sink);
    expect([packets.length, errors]).toEqual([1, []]);
    const { sink: other, errors: tooLarge } = recorder();
    new MqttFramer(PUBLISH.length - 1).push(PUBLISH, other);
    expect(tooLarge).toHaveLength(1);
  });

  it('gathers a large packet from many chunks and hands it out whole', () => {
    const { sink, packets } = recorder();
    const framer = new MqttFramer(1 << 20);
    const big = Buffer.concat([fromHex('30 80 80 04'), Buffer.alloc(65_536, 0x62)]);
    for (let at = 0; at < big.length; at += 1000) {
      framer.push(big.subarray(at, at + 1000), sink);
      if (at + 1000 < big.length) expect(framer.buffered).toBe(at + 1000);
    }
    expect(packets).toEqual([`30:${'62'.repeat(65_536)}`]);
    expect(framer.buffered).toBe(0);
  });

  it('holds every later byte while the sink says stop, and hands them out in order on resume', () => {
    const { sink, packets } = recorder((count) => count === 1);
    const framer = new MqttFramer(1024);
    framer.push(Buffer.concat([PUBLISH, PINGREQ]), sink);
    framer.push(PUBACK.subarray(0, 1), sink);
    framer.push(PUBACK.subarray(1), sink);
    expect(packets).toEqual(['30:0003612f626869']);
    expect(framer.buffered).toBe(PINGREQ.length + PUBACK.length);
    framer.resume(sink);
    expect(packets).toEqual(['30:0003612f626869', 'c0:', '40:0007']);
  });
});
