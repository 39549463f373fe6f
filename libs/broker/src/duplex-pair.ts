import { Duplex } from 'node:stream';

/**
 * Two connected in-memory duplex streams (Node 20 has no stream.duplexPair): what one writes, the other
 * reads. A write completes once the other side's reader has room, so a side nobody reads pushes back on
 * its writer instead of buffering without end (a TLS client that never finishes its CONNECT, say).
 */
export function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  // sides[i]'s peer's write that waits for sides[i] to be read
  const waiting: Array<(() => void) | null> = [null, null];
  const release = (i: number) => {
    const done = waiting[i];
    waiting[i] = null;
    done?.();
  };
  const deliver = (to: number, chunk: Buffer, callback: () => void) => {
    if (sides[to].push(chunk)) callback();
    else waiting[to] = callback;
  };
  const side = (i: number) =>
    new Duplex({
      read: () => release(i),
      write: (chunk: Buffer, _encoding, callback) => deliver(1 - i, chunk, callback),
      // Writes held back by a cork arrive on the other side as one chunk.
      writev: (chunks, callback) => deliver(1 - i, Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)), callback),
      final(callback) {
        sides[1 - i].push(null);
        callback();
      },
      destroy(error, callback) {
        release(i);
        if (!sides[1 - i].destroyed) sides[1 - i].destroy();
        callback(error);
      },
    });
  sides.push(side(0), side(1));
  return [sides[0], sides[1]];
}
