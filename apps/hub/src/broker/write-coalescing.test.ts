import { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from './write-coalescing.js';

/** A stream that records how its bytes arrive: one entry per write it was asked to do. */
function recorder(): { stream: Writable; writes: number[] } {
  const writes: number[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.length);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.reduce((sum, { chunk }) => sum + (chunk as Buffer).length, 0));
      callback();
    },
  });
  coalesceWrites(stream);
  return { stream, writes };
}

const publish = (payload: Buffer) => ({ cmd: 'publish', topic: 't', payload, qos: 0, retain: false, dup: false }) as mqttPacket.IPublishPacket;
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  it('sends the packets written in one turn of the event loop as one write', async () => {
    const { stream, writes } = recorder();
    const packet = mqttPacket.generate(publish(Buffer.from('21.5')));
    for (let i = 0; i < 50; i++) mqttPacket.writeToStream(publish(Buffer.from('21.5')), stream);
    await new Promise((resolve) => process.nextTick(resolve)); // mqtt-packet's own uncork has run
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual([50 * packet.length]);

    mqttPacket.writeToStream(publish(Buffer.from('22')), stream);
    await turn();
    expect(writes).toHaveLength(2);
  });

  it('sends a lone packet on the next tick, as mqtt-packet does, without waiting for the end of the turn', async () => {
    const { stream, writes } = recorder();
    mqttPacket.writeToStream(publish(Buffer.from('21.5')), stream);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(writes).toHaveLength(1);
  });

  it('sends a large batch without waiting for the end of the turn', () => {
    const { stream, writes } = recorder();
    const payload = Buffer.alloc(4096);
    for (let i = 0; i < 10; i++) mqttPacket.writeToStream(publish(payload), stream);
    expect(writes.length).toBeGreaterThan(0);
    expect(stream.writableLength).toBeLessThan(5 * payload.length);
  });

  it('flushes everything at once on end()', () => {
    const { stream, writes } = recorder();
    mqttPacket.writeToStream(publish(Buffer.from('bye')), stream);
    stream.end();
    expect(writes).toHaveLength(1);
  });
});
