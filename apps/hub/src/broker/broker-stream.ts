import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { createWebSocketStream, WebSocket } from 'ws';

/** A stream to an MQTT broker, as its URL says (mqtt, mqtts, ws, wss), for an MQTT.js client to speak on. */
export function openBrokerStream(url: URL, ca: Buffer | undefined): Duplex {
  const secure = url.protocol === 'mqtts:' || url.protocol === 'wss:';
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return createWebSocketStream(new WebSocket(url, ['mqtt'], { ca }));
  const port = Number(url.port) || (secure ? 8883 : 1883);
  return secure ? connectTls({ host: url.hostname, port, ca, servername: url.hostname }) : connectTcp({ host: url.hostname, port });
}

/** A broker's URL as logs and the dashboard show it: without user name and password. */
export function shownUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.toString().replace(/\/$/, '');
}
