import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decode } from './decode.js';
import { encode } from './encode.js';
import { SnStreamFramer } from './framer.js';
import { fromHex, publishMessage } from './test-vectors.js';

const CONNECT = '0a 04 0c 01 07 08 74 65 73 74';
const CONNACK = '03 05 00';
const LONG_PUBLISH = encode(publishMessage({ payload: Buffer.alloc(300, 0xaa) }));

/** Pushes each chunk in turn and records what the framer hands out. */
function run(chunks: (string | Buffer)[], maxFrameLength?: number) {
  const frames: string[] = [];
  const drops: number[] = [];
  const framer = new SnStreamFramer({
    onFrame: (frame) => frames.push(frame.toString('hex')),
    onDrop: (byteCount) => drops.push(byteCount),
    maxFrameLength,
  });
  for (const chunk of chunks) framer.push(typeof chunk === 'string' ? fromHex(chunk) : chunk);
  return { framer, frames, drops };
}

const hex = (bytes: string) => fromHex(bytes).toString('hex');

describe('SnStreamFramer', () => {
  it('emits a frame split across chunks once its last byte arrives', () => {
    const { framer, frames } = run(['0a 04 0c', '01 07 08 74']);
    expect(frames).toEqual([]);
    expect(framer.bufferedBytes).toBe(7);

    framer.push(fromHex('65 73 74'));
    expect(frames).toEqual([hex(CONNECT)]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('emits a frame whose 3-byte length is split between chunks', () => {
    for (const cut of [1, 2, 3]) {
      const { frames } = run([LONG_PUBLISH.subarray(0, cut), LONG_PUBLISH.subarray(cut)]);
      expect(frames).toEqual([LONG_PUBLISH.toString('hex')]);
    }
  });

  it('emits two frames from one chunk', () => {
    expect(run([`${CONNECT} ${CONNACK}`]).frames).toEqual([hex(CONNECT), hex(CONNACK)]);
  });

  it('skips junk before a frame and counts it', () => {
    // 00 00: zero lengths; ff ff and ff 03: reserved MsgTypes.
    const { framer, frames, drops } = run([`00 00 ff ff ${CONNACK}`]);
    expect(frames).toEqual([hex(CONNACK)]);
    expect(drops).toEqual([4]);
    expect(framer.bytesDropped).toBe(4);
    expect(framer.framesOk).toBe(1);
  });

  it('skips a 3-byte length too small to cover the header', () => {
    const { frames, drops } = run([`01 00 03 ${CONNACK}`]);
    expect(frames).toEqual([hex(CONNACK)]);
    expect(drops).toEqual([3]);
  });

  it('skips a length above maxFrameLength', () => {
    // 01 01 35: 309 bytes; 01 35 03: 13571 bytes; 35 03: reserved MsgType.
    const { frames, drops } = run([`01 01 35 ${CONNACK}`], 300);
    expect(frames).toEqual([hex(CONNACK)]);
    expect(drops).toEqual([3]);
  });

  it('skips a header whose MsgType is reserved', () => {
    const { frames, drops } = run([`02 03 ${CONNACK}`]);
    expect(frames).toEqual([hex(CONNACK)]);
    expect(drops).toEqual([2]);
  });

  it('reports each run of junk separately', () => {
    const { frames, drops } = run([`00 ${CONNACK} 00 00`, `00 ${CONNACK}`]);
    expect(frames).toEqual([hex(CONNACK), hex(CONNACK)]);
    expect(drops).toEqual([1, 2, 1]);
  });

  it('cuts a forwarder encapsulation together with the message it wraps', () => {
    const { framer, frames } = run(['05 fe 01 ab cd', '03 01']);
    expect(frames).toEqual([]);
    expect(framer.bufferedBytes).toBe(7);

    framer.push(fromHex(`01 ${CONNACK}`));
    expect(frames).toEqual([hex('05 fe 01 ab cd 03 01 01'), hex(CONNACK)]);
  });

  it('skips an encapsulation that wraps another encapsulation', () => {
    // Ctrl 03 keeps the skipped bytes from reading as a header: fe 03 and 03 03 have reserved MsgTypes.
    const { frames, drops } = run([`03 fe 03 03 fe 03 ${CONNACK}`]);
    expect(frames).toEqual([hex(`03 fe 03 ${CONNACK}`)]);
    expect(drops).toEqual([3]);
  });

  it('rescans what a rejected frame covered, finding the real frame its garbage Length swallowed', () => {
    const frames: string[] = [];
    const drops: number[] = [];
    const framer = new SnStreamFramer({
      onFrame: (frame) => frames.push(frame.toString('hex')),
      onDrop: (byteCount) => drops.push(byteCount),
      accept: (frame) => decode(frame).ok,
    });
    // 06 05 looks like a 6-byte CONNACK, which cannot decode; the CONNACK inside it is real.
    framer.push(fromHex(`06 05 ${CONNACK} ${CONNACK}`));
    expect(frames).toEqual([hex(CONNACK), hex(CONNACK)]);
    expect(drops).toEqual([2]);
  });

  it('gives up held-back bytes on resync(), finding a frame that a garbage Length hid', () => {
    const { framer, frames } = run([`40 05 ${CONNACK}`]);
    expect(frames).toEqual([]);
    framer.resync();
    expect(frames).toEqual([hex(CONNACK)]);
    expect(framer.bytesDropped).toBe(2);
    expect(framer.bufferedBytes).toBe(0);
  });
});
