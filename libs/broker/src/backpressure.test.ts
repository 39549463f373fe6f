import { Buffer } from 'node:buffer';
import { createServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttBroker } from './broker.js';
import { startBroker } from './testing/broker-server.js';
import { FakeClock, settle } from '@hearth/fake-clock';
import { until } from './testing/until.js';
import { connectClient } from './testing/mqttjs.js';
import { RawClient } from './testing/raw-client.js';

/**
 * A client connection that takes what the broker writes until told to stall, then takes nothing more,
 * as a client that hung would (without kernel socket buffers absorbing megabytes first).
 */
class StallingStream extends Duplex {
  private stalled = false;
  readonly received: Buffer[] = [];

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.received.push(chunk);
    if (!this.stalled) callback();
  }

  send(packet: Packet): void {
    this.push(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  stall(): void {
    this.stalled = true;
  }
}

/** A subscriber to `filter` that stops reading once subscribed. */
async function stalled(broker: MqttBroker, filter: string): Promise<StallingStream> {
  const stream = new StallingStream();
  broker.handle(stream, {});
  stream.send({ cmd: 'connect', protocolVersion: 5, clientId: `stalled-${filter}`, clean: true, keepalive: 0 });
  stream.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0 }] });
  while (Buffer.concat(stream.received).indexOf(0x90) < 0) await settle();
  stream.stall();
  return stream;
}

describe('slow subscribers', () => {
  it('cuts off a subscriber that stopped reading once its backlog passes maxBuffered; the others get everything', async () => {
    const server = await startBroker({ maxBuffered: 256 * 1024 });
    const hung = await stalled(server.broker, 'flood');
    const reader = await connectClient(server.url);
    await reader.subscribeAsync('flood');
    const payload = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    // In-process publishes cannot be paused: this is what the hard limit is for.
    while (!hung.destroyed && sent < 10_000) {
      await server.broker.publish({ topic: 'flood', payload });
      if (++sent % 8 === 0) await settle();
    }
    expect(hung.destroyed).toBe(true);
    expect(sent).toBeLessThan(64);
    expect(server.broker.stats.publishDropped).toBe(1);
    await reader.inbox.waitFor(sent, 20_000);
    expect(reader.connected).toBe(true);
    await reader.endAsync();
    await server.close();
  });

  it('pauses a publisher while a subscriber it feeds is behind, and cuts that subscriber off once it held the publisher for stalledTimeout', async () => {
    const clock = new FakeClock();
    const broker = new MqttBroker({ clock, maxBuffered: 1024 * 1024, stalledTimeout: 5_000 });
    await broker.start();
    // The broker's end of each TCP connection, to see whether it reads from the publisher.
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      broker.handle(socket, {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const hung = await stalled(broker, 'paced');
    const reader = await connectClient(`mqtt://127.0.0.1:${port}`);
    await reader.subscribeAsync('paced');
    const { client: publisher } = await RawClient.connect(port, { clientId: 'flooder', protocolVersion: 4 });
    const publisherSocket = sockets.find((socket) => socket.remotePort === publisher.socket.localPort)!;
    const message = { cmd: 'publish', topic: 'paced', payload: Buffer.alloc(1024, 0x62), qos: 0, retain: false, dup: false } as const;
    const count = 4_000;
    for (let i = 0; i < count; i++) publisher.send(message);
    // Past a quarter of maxBuffered behind, the subscriber holds the publisher: the broker stops reading it.
    await until(() => hung.writableLength > 256 * 1024, 'the stalled subscriber to fall behind');
    expect(publisherSocket.isPaused()).toBe(true);
    expect(hung.destroyed).toBe(false);
    await clock.advance(6_000);
    expect(hung.destroyed).toBe(true);
    expect(publisherSocket.isPaused()).toBe(false);
    await reader.inbox.waitFor(count, 20_000);
    expect(broker.stats.publishDropped).toBe(1);
    publisher.end();
    await reader.endAsync();
    await broker.close();
    await new Promise((resolve) => server.close(resolve));
  });
});
