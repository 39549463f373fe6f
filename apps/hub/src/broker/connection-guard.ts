import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

// What a connection can make the broker hold before it has signed in: a CONNECT's worth, no more.

/**
 * Most bytes a CONNECT may declare. Until a client has signed in, this is all it can make the broker
 * buffer: with the full packet limit (2 MiB), 300 connections that never finish a CONNECT held 570 MB.
 */
export const MAX_CONNECT_BYTES = 64 * 1024;

const CONNECT = 1;

/**
 * What a connection's first bytes say: 'wait' for more, 'ok' for a CONNECT within `limit`, or why to close.
 * [MQTT-3.1.0-1] the first packet must be a CONNECT.
 */
export function firstPacketVerdict(head: Buffer, limit: number): 'wait' | 'ok' | string {
  if (head.length === 0) return 'wait';
  if (head[0] >> 4 !== CONNECT) return 'the first packet is not a CONNECT';
  let length = 0;
  for (let i = 1; i <= 4; i++) {
    if (i >= head.length) return 'wait';
    length += (head[i] & 0x7f) * 128 ** (i - 1);
    if ((head[i] & 0x80) === 0) return length <= limit ? 'ok' : `a CONNECT of ${length} bytes, over the ${limit} allowed before sign-in`;
  }
  return 'a malformed remaining length';
}

/** Why a connection was closed before the broker took it; `malformed`: it spoke bad or forbidden MQTT. */
export interface FirstPacketRefusal {
  reason: string;
  malformed: boolean;
}

/**
 * Reads a new connection's first fixed header before the broker takes it, puts the bytes back and calls
 * `done(null)` when it is a CONNECT within `limit`, else `done(refusal)`. A connection that sends no header
 * within `timeoutMs` is refused too. `done` runs in the same turn as the bytes go back, so the broker's
 * reader, attached then, is told of them.
 */
export function checkFirstPacket(stream: Duplex, limit: number, timeoutMs: number, done: (refusal: FirstPacketRefusal | null) => void): void {
  let head: Buffer = Buffer.alloc(0);
  const finish = (refusal: FirstPacketRefusal | null) => {
    clearTimeout(timer);
    stream.off('data', onData);
    stream.off('close', onClose);
    stream.pause();
    if (refusal === null) stream.unshift(head);
    done(refusal);
  };
  // 'data', not 'readable': a 'readable' listener, even removed, would keep the broker's own from hearing of the bytes put back.
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const verdict = firstPacketVerdict(head, limit);
    if (verdict !== 'wait') finish(verdict === 'ok' ? null : { reason: verdict, malformed: true });
  };
  const onClose = () => finish({ reason: 'the connection closed before its CONNECT', malformed: false });
  const timer = setTimeout(() => finish({ reason: 'no CONNECT in time', malformed: false }), timeoutMs);
  stream.on('data', onData);
  stream.once('close', onClose);
}

/**
 * The largest WebSocket message `ws` takes in before it hands the message on (it reads the frame header
 * first, so a larger one is refused, close code 1009, without buffering it). The hub keeps it at a
 * CONNECT's worth until the client has signed in. `ws` has no public setter for it.
 */
export function limitWebSocketMessages(ws: WebSocket, bytes: number): void {
  (ws as unknown as { _receiver: { _maxPayload: number } })._receiver._maxPayload = bytes;
}
