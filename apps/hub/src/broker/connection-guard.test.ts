import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkFirstPacket, firstPacketVerdict, type FirstPacketRefusal } from './connection-guard.js';
import { duplexPair } from '@hearth/broker';

const LIMIT = 65_536;

describe('firstPacketVerdict', () => {
  it.each([
    ['a CONNECT of 16 bytes', '10 10', 'ok'],
    // 0x80 0x80 0x04: remaining length 65,536, exactly the limit
    ['a CONNECT at the limit', '10 80 80 04', 'ok'],
    ['a CONNECT one byte over the limit', '10 81 80 04', 'a CONNECT of 65537 bytes, over the 65536 allowed before sign-in'],
    ['a PUBLISH first', '30 02 00 00', 'the first packet is not a CONNECT'],
    ['a length cut off after its continuation bit', '10 80', 'wait'],
    ['nothing yet', '', 'wait'],
    ['a five-byte length', '10 ff ff ff ff 01', 'a malformed remaining length'],
  ])('%s', (_name, hex, verdict) => {
    expect(firstPacketVerdict(Buffer.from(hex.replace(/ /g, ''), 'hex'), LIMIT)).toBe(verdict);
  });
});

describe('checkFirstPacket', () => {
  const run = (stream: PassThrough) => new Promise<FirstPacketRefusal | null>((resolve) => checkFirstPacket(stream, LIMIT, 1000, resolve));

  it('puts back every byte it read for the broker, also across chunks split inside the header', async () => {
    const stream = new PassThrough();
    const verdict = run(stream);
    stream.write(Buffer.from([0x10]));
    stream.write(Buffer.from([0x82, 0x01, 0xaa, 0xbb]));
    expect(await verdict).toBeNull();
    expect(stream.read()).toEqual(Buffer.from([0x10, 0x82, 0x01, 0xaa, 0xbb]));
  });

  it('refuses a client that says nothing in time, and one that leaves first, as not malformed', async () => {
    const silent = new PassThrough();
    expect(await new Promise((resolve) => checkFirstPacket(silent, LIMIT, 20, resolve))).toEqual({ reason: 'no CONNECT in time', malformed: false });
    const leaving = new PassThrough();
    const verdict = run(leaving);
    leaving.destroy();
    expect(await verdict).toEqual({ reason: 'the connection closed before its CONNECT', malformed: false });
  });
});

describe('what a connection can make the broker hold', () => {
  it('an in-memory pair holds a write until the other side is read', async () => {
    const [writer, reader] = duplexPair();
    let written = 0;
    const big = Buffer.alloc(1024 * 1024);
    const done = new Promise<void>((resolve) => writer.write(big, () => resolve()));
    void done.then(() => (written = 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written).toBe(0);
    expect(reader.read()).toHaveLength(big.length);
    await done;
  });
});
