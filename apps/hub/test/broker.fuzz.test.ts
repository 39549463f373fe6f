import { connect, type Socket } from 'node:net';
import { Random } from '@hearth/random';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { collect, connectClient } from './support/mqtt-client.js';
import { useTestHub } from './support/test-hub.js';

// Seeded, so a failing run replays with HEARTH_FUZZ_SEED set to the seed in the test name.
const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONNECTIONS = 3000;
const PARALLEL = 60;

const validConnect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'fuzz', clean: true, keepalive: 30 } as mqttPacket.IConnectPacket);
const validPublish = mqttPacket.generate({ cmd: 'publish', topic: 'fuzz/topic', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false });

/** One hostile byte sequence: random bytes, a mutated or truncated real packet, or a lying length. */
function malformed(rand: Random): Buffer {
  switch (rand.below(6)) {
    case 0:
      return rand.bytes(1 + rand.below(64));
    case 1: {
      const packet = Buffer.from(validConnect);
      for (let i = 0; i < 1 + rand.next() * 4; i++) packet[rand.below(packet.length)] = rand.below(256);
      return packet;
    }
    case 2:
      return validConnect.subarray(0, 1 + rand.below(validConnect.length - 1));
    case 3: // a real CONNECT, then a PUBLISH with reserved QoS 3
      return Buffer.concat([validConnect, Buffer.from([0x36]), validPublish.subarray(1)]);
    case 4: // remaining length far over the packet size limit
      return Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00]);
    default: // a real CONNECT, then random bytes
      return Buffer.concat([validConnect, rand.bytes(1 + rand.below(32))]);
  }
}

function sendAndClose(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.end(data));
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

describe(`broker under malformed traffic (seed ${SEED})`, () => {
  const hub = useTestHub({ HEARTH_MQTT_MAX_PACKET_SIZE: '65536', HEARTH_LOG_LEVEL: 'warn' });

  it(`stays up through ${CONNECTIONS} hostile connections while a subscriber loses nothing`, async () => {
    const sub = await connectClient(hub.mqttUrl, { clientId: 'steady-sub' });
    const inbox = collect(sub);
    await sub.subscribeAsync('steady/#', { qos: 1 });
    const pub = await connectClient(hub.mqttUrl, { clientId: 'steady-pub' });

    const rand = new Random(SEED);
    const hostile = (async () => {
      for (let sent = 0; sent < CONNECTIONS; sent += PARALLEL) {
        await Promise.all(Array.from({ length: PARALLEL }, () => sendAndClose(hub.mqtt!.port, malformed(rand))));
      }
    })();
    const steady = (async () => {
      for (let i = 0; i < 500; i++) await pub.publishAsync(`steady/${i % 5}`, String(i), { qos: 1 });
    })();
    await Promise.all([hostile, steady]);

    const messages = await inbox.waitFor(500);
    expect(messages.map((m) => m.payload)).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    expect(sub.connected && pub.connected).toBe(true);
    const warnings = hub.logs.filter((record) => record.msg === 'closed a client that sent a malformed or forbidden packet');
    expect(warnings.length).toBeGreaterThan(CONNECTIONS / 3);
    const fresh = await connectClient(hub.mqttUrl);
    await Promise.all([fresh.endAsync(), sub.endAsync(), pub.endAsync()]);
  });
});
