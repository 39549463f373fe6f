import { describe, expect, it } from 'vitest';
import { createMessageQueue } from './message-queue.js';

describe('createMessageQueue', () => {
  it('delivers a backlog far beyond its concurrency in order, each message once', async () => {
    const mq = createMessageQueue(2);
    const seen: number[] = [];
    const pending: Array<() => void> = [];
    // Deliveries finish only when released below, so the emitter has to queue almost everything.
    mq.on('t/#', (message, done) => {
      seen.push(message.n as number);
      pending.push(done);
    });
    const emitted: Promise<void>[] = [];
    for (let n = 0; n < 5000; n++) emitted.push(new Promise((resolve) => mq.emit({ topic: 't/x', n }, () => resolve())));
    expect(seen).toEqual([0, 1]);
    while (seen.length < 5000) {
      await new Promise((resolve) => setImmediate(resolve));
      pending.splice(0).forEach((done) => done());
    }
    pending.splice(0).forEach((done) => done());
    await Promise.all(emitted);
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, n) => n));
  });
});
