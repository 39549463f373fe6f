import { describe, expect, it } from 'vitest';
import { duplexPair } from '@hearth/broker';

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
