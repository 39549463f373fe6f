import type { WebSocket } from 'ws';

// What a connection can make the broker hold before it has signed in: a CONNECT's worth, no more.

/**
 * Largest packet, fixed header included, the broker takes before its CONNACK (the core's maxConnectPacketSize).
 * Until a client has signed in, this is all it can make the broker buffer: with the full packet limit (2 MiB),
 * 300 connections that never finish a CONNECT held 570 MB.
 */
export const MAX_CONNECT_BYTES = 64 * 1024;

/**
 * The largest WebSocket message `ws` takes in before it hands the message on (it reads the frame header
 * first, so a larger one is refused, close code 1009, without buffering it). The hub keeps it at a
 * CONNECT's worth until the client has signed in. `ws` has no public setter for it.
 */
export function limitWebSocketMessages(ws: WebSocket, bytes: number): void {
  (ws as unknown as { _receiver: { _maxPayload: number } })._receiver._maxPayload = bytes;
}
