import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { duplexPair } from './duplex-pair.js';
import { useBroker } from './testing/broker-server.js';
import { programOf, requirePackage } from './testing/system-packages.js';
import { collect, connectClient } from './testing/mqttjs.js';

/** A self-signed certificate for 127.0.0.1, made by the openssl CLI in a temporary directory. */
function selfSigned(): { key: Buffer; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'broker-tls-'));
  execFileSync(programOf('openssl', 'openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')), dir };
}

describe('transports: any duplex stream into broker.handle()', () => {
  const server = useBroker();

  /** A subscriber on plain TCP, the reference each transport's messages must reach. */
  async function tcpSubscriber(filter: string) {
    const client = await connectClient(server.url, { protocolVersion: 5 });
    await client.subscribeAsync(filter, { qos: 1 });
    return client;
  }

  it('speaks MQTT over TLS', async (context) => {
    requirePackage(context, 'openssl');
    const certificate = selfSigned();
    context.onTestFinished(() => rmSync(certificate.dir, { recursive: true, force: true }));
    const tls = createTlsServer({ key: certificate.key, cert: certificate.cert }, (socket) => server.broker.handle(socket, { remoteAddress: socket.remoteAddress }));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const sub = await tcpSubscriber('over/tls');
    const client = await connectClient(`mqtts://127.0.0.1:${(tls.address() as { port: number }).port}`, { ca: certificate.cert, protocolVersion: 5 });
    await client.publishAsync('over/tls', 'secret', { qos: 1 });
    expect((await sub.inbox.waitFor(1)).map((m) => m.payload)).toEqual(['secret']);
    await Promise.all([client.endAsync(), sub.endAsync()]);
    await new Promise((resolve) => tls.close(resolve));
  });

  it('speaks MQTT over WebSocket', async () => {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http, path: '/mqtt', handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws, request) => server.broker.handle(createWebSocketStream(ws), { remoteAddress: request.socket.remoteAddress }));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const sub = await tcpSubscriber('over/ws');
    const client = await connectClient(`ws://127.0.0.1:${(http.address() as { port: number }).port}/mqtt`, { protocolVersion: 4 });
    const inbox = collect(client);
    await client.subscribeAsync('back/ws', { qos: 2 });
    await client.publishAsync('over/ws', 'framed', { qos: 2 });
    await sub.publishAsync('back/ws', 'returned', { qos: 2 });
    expect((await sub.inbox.waitFor(1)).map((m) => m.payload)).toEqual(['framed']);
    expect((await inbox.waitFor(1)).map((m) => m.payload)).toEqual(['returned']);
    await Promise.all([client.endAsync(), sub.endAsync()]);
    wss.close();
    await new Promise((resolve) => http.close(resolve));
  });

  it('takes an in-memory stream, as hub parts acting for a client (the MQTT-SN gateway) use', async () => {
    const sub = await tcpSubscriber('sn/#');
    const [clientSide, brokerSide] = duplexPair();
    server.broker.handle(brokerSide, {});
    const sensor = new MqttClient(() => clientSide, { clientId: 'sn-sensor-1', reconnectPeriod: 0, will: { topic: 'sn/sensor-1/status', payload: Buffer.from('lost'), qos: 1, retain: false } });
    await new Promise<void>((resolve) => sensor.once('connect', () => resolve()));
    await sensor.publishAsync('sn/sensor-1/moisture', '41', { qos: 1 });
    expect((await sub.inbox.waitFor(1)).map((m) => m.payload)).toEqual(['41']);
    clientSide.destroy(); // the sensor is lost: its will is published
    expect((await sub.inbox.waitFor(2)).map((m) => `${m.topic}=${m.payload}`)).toEqual(['sn/sensor-1/moisture=41', 'sn/sensor-1/status=lost']);
    sensor.end(true);
    await sub.endAsync();
  });
});
