import { connect, type Socket } from 'node:net';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { BrokerService } from '../src/broker/broker.service.js';
import { mosquittoSub } from './support/mosquitto-sub.js';
import WebSocket from 'ws';
import { collect, connectClient } from './support/mqtt-client.js';
import { useTestHub } from './support/test-hub.js';

describe('resource limits', () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_CONNECTIONS_PER_IP: '5', HEARTH_MQTT_MAX_SUBSCRIPTIONS: '3', HEARTH_MQTT_MAX_BUFFERED: '2097152', HEARTH_LOG_LEVEL: 'info' });

  it('refuses connections from one address beyond HEARTH_MQTT_MAX_CONNECTIONS_PER_IP', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => connectClient(hub.mqttUrl)));
    await expect(connectClient(hub.mqttUrl)).rejects.toThrow(/closed before CONNACK|ECONNRESET/);
    await clients[0].endAsync();
    await expect.poll(async () => connectClient(hub.mqttUrl).then((c) => (c.end(true), 'ok'), () => 'refused'), { timeout: 3000 }).toBe('ok');
    await Promise.all(clients.slice(1).map((c) => c.endAsync()));
  });

  it('closes a connection whose first packet declares a CONNECT over 64 KiB as soon as its header arrives', async () => {
    // The header of a 1 MiB CONNECT, and none of its body: the hub must not wait to buffer it.
    const socket = connect(hub.mqtt!.port, '127.0.0.1', () => socket.write(Buffer.from([0x10, 0x80, 0x80, 0x40])));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(hub.logs).toContainEqual(expect.objectContaining({ msg: 'closed a client that sent a malformed or forbidden packet', reason: 'a packet of 1048580 bytes is larger than the maximum of 65536 allowed before CONNACK' }));
  });

  it('over WebSocket, takes messages of a CONNECT\'s size until the client signed in, then of the packet size', async () => {
    const url = `ws://127.0.0.1:${hub.http!.port}/mqtt`;
    const early = new WebSocket(url, 'mqtt');
    await new Promise((resolve) => early.once('open', resolve));
    early.send(Buffer.alloc(100 * 1024, 0x10));
    expect(await new Promise((resolve) => early.once('close', resolve))).toBe(1009);

    // Signed in, a 1 MiB PUBLISH (under HEARTH_MQTT_MAX_PACKET_SIZE, 2 MiB) goes through.
    const client = await connectClient(url);
    const inbox = collect(client);
    await client.subscribeAsync('big/#');
    await client.publishAsync('big/photo', Buffer.alloc(1024 * 1024, 7), { qos: 1 });
    expect((await inbox.waitFor(1))[0].payload).toHaveLength(1024 * 1024);
    await client.endAsync();
  });

  it('grants at most HEARTH_MQTT_MAX_SUBSCRIPTIONS filters per client, also within one SUBSCRIBE', async () => {
    const client = await connectClient(hub.mqttUrl, { clientId: 'many-subs', clean: false });
    const granted = await client.subscribeAsync(['a/1', 'a/2', 'a/3', 'a/4', 'a/5'], { qos: 1 }).then(
      (g) => g.map((s) => s.qos),
      (error: { packet: { granted: number[] } }) => error.packet.granted,
    );
    expect(granted).toEqual([1, 1, 1, 128, 128]);
    await client.unsubscribeAsync('a/1');
    expect((await client.subscribeAsync('a/6', { qos: 1 }))[0].qos).toBe(1);
    await client.endAsync();
  });

  it('keeps delivering to everyone while one subscriber stops reading, and disconnects the stalled one', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    // A subscriber that never reads: the kernel buffers fill, then the hub's.
    const stalled: Socket = connect(hub.mqtt!.port, '127.0.0.1');
    stalled.on('error', () => undefined);
    stalled.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'stalled', clean: true, keepalive: 0 } as mqttPacket.IConnectPacket));
    stalled.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] } as mqttPacket.ISubscribePacket));
    stalled.pause();
    const stalledClosed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const count = 400;
    const healthy = mosquittoSub(hub, 'flood', ['-i', 'healthy', '-F', '%t'], count);
    await healthy.ready;
    const publisher = await connectClient(hub.mqttUrl, { clientId: 'flooder' });
    const payload = Buffer.alloc(64 * 1024, 7); // 25 MiB in all: far beyond socket buffers and the 2 MiB limit
    const started = Date.now();
    // About 12 MiB/s: a reader that keeps up stays well within the limit, even on a loaded machine, while
    // the one that stopped reading falls behind by all of it. (Unpaced, the hub outruns any reader.)
    for (let i = 0; i < count; i++) {
      await publisher.publishAsync(`flood/${i}`, payload, { qos: 0 });
      if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await healthy.lines).toEqual(Array.from({ length: count }, (_, i) => `flood/${i}`));
    expect(Date.now() - started).toBeLessThan(15_000);
    stalled.resume(); // reading again, it finds the hub hung up on it
    await stalledClosed;
    expect(hub.logs.some((record) => record.msg === 'disconnected a client that stopped reading' && record.clientId === 'stalled')).toBe(true);
    expect(hub.app.get(BrokerService).stats.publishDropped).toBeGreaterThan(0);
    await publisher.endAsync();
  });
});
