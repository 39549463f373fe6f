import type { Writable } from 'node:stream';

/** Past this many buffered bytes a turn's writes go out without waiting for the end of the turn. */
const FLUSH_BYTES = 16 * 1024;

/**
 * Makes what is written to a stream during one turn of the event loop go out in few, large writes.
 *
 * mqtt-packet corks the stream for each packet it writes and uncorks it on the next tick, so a message
 * fanned out to twenty subscribers cost each of them a write syscall per packet: the broker spent most
 * of its time in `writev`, and its subscribers in reading tiny chunks. A turn's first packet still
 * leaves on the next tick, so a lone message waits for nothing; from the second one on, one more cork
 * level holds them all until the loop's check phase (setImmediate). Every FLUSH_BYTES the batch is sent
 * anyway, so that a flood within one turn neither piles up in memory nor looks like a subscriber that
 * stopped reading. `end()` still flushes at once: it uncorks fully.
 */
export function coalesceWrites(stream: Writable): void {
  const { cork, uncork } = Object.getPrototypeOf(stream) as Writable;
  let turnStarted = false;
  let held = false;
  const endTurn = () => {
    turnStarted = false;
    if (!held) return;
    held = false;
    uncork.call(stream);
  };
  const flush = () => {
    const levels = stream.writableCorked;
    for (let i = 0; i < levels; i++) uncork.call(stream);
    for (let i = 0; i < levels; i++) cork.call(stream);
  };
  stream.cork = () => {
    if (held && stream.writableLength >= FLUSH_BYTES) flush();
    cork.call(stream);
    if (!turnStarted) {
      turnStarted = true;
      setImmediate(endTurn);
    } else if (!held) {
      held = true;
      cork.call(stream);
    }
  };
}
