import { Duplex } from 'node:stream';

/** Two connected in-memory duplex streams (Node 20 has no stream.duplexPair): what one writes, the other reads. */
export function duplexPair(): [Duplex, Duplex] {
  let left!: Duplex;
  let right!: Duplex;
  const side = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      // Writes held back by a cork arrive on the other side as one chunk.
      writev(chunks, callback) {
        peer().push(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)));
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        if (!peer().destroyed) peer().destroy();
        callback(error);
      },
    });
  left = side(() => right);
  right = side(() => left);
  return [left, right];
}
