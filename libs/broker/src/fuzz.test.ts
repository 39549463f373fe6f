import { Buffer } from 'node:buffer';
import { Random } from '@hearth/random';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from './codec/test-vectors.js';
import { MqttFramer } from './codec/framer.js';
import { decodeConnect, decodePacket } from './codec/decode.js';
import { PacketType, type ProtocolVersionCode } from './constants.js';
import { duplexPair } from './duplex-pair.js';
import { startBroker } from './testing/broker-server.js';
import { settle } from '@hearth/fake-clock';
import { connectClient } from './testing/mqttjs.js';

// A fixed default keeps CI deterministic; set BROKER_FUZZ_SEED to explore or to replay a failure.
const SEED = Number(process.env.BROKER_FUZZ_SEED ?? 0xb40c);
const CASES = 5_000;

const text = (random: Random, max: number) => Array.from({ length: random.below(max + 1) }, () => random.pick(['a', 'z', '/', 'é', '温', '0'])).join('');

/** A valid client packet of a random type, as mqtt-packet (a client library) generates it. */
function randomClientPacket(random: Random, version: ProtocolVersionCode): Packet {
  const v5 = version === 5;
  const qos = random.pick([0, 1, 2] as const);
  const userProperties = v5 && random.chance(0.3) ? { [text(random, 4) || 'k']: text(random, 6) } : undefined;
  const generators: (() => Packet)[] = [
    () => {
      const username = random.chance(0.5) ? text(random, 10) : undefined;
      return {
        cmd: 'connect',
        protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion: version,
        clientId: 'c' + text(random, 20),
        clean: random.chance(0.5),
        keepalive: random.below(0x10000),
        username,
        // mqtt-packet writes no password without a user name (MQTT 3.1.1 forbids it)
        password: username !== undefined && random.chance(0.3) ? random.bytes(random.below(10)) : undefined,
        properties: v5 ? { sessionExpiryInterval: random.below(1000), receiveMaximum: 1 + random.below(100), userProperties } : undefined,
        will: random.chance(0.3)
          ? { topic: 'w' + text(random, 10), payload: random.bytes(random.below(20)), qos, retain: random.chance(0.5), properties: v5 ? { willDelayInterval: random.below(100) } : undefined }
          : undefined,
      };
    },
    () => ({
      cmd: 'publish',
      topic: 't' + text(random, 30),
      payload: random.bytes(random.below(64)),
      qos,
      messageId: qos ? 1 + random.below(0xffff) : undefined,
      retain: random.chance(0.5),
      dup: qos > 0 && random.chance(0.2),
      properties: v5 ? { messageExpiryInterval: random.below(1000), contentType: text(random, 8), userProperties } : undefined,
    }),
    () => ({ cmd: random.pick(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const), messageId: 1 + random.below(0xffff) }),
    () => ({ cmd: 'subscribe', messageId: 1 + random.below(0xffff), subscriptions: [{ topic: text(random, 10) + random.pick(['', '/#', '/+']) || '#', qos }] }),
    () => ({ cmd: 'unsubscribe', messageId: 1 + random.below(0xffff), unsubscriptions: ['u' + text(random, 10)] }),
    () => ({ cmd: 'pingreq' }),
    () => ({ cmd: 'disconnect' }),
  ];
  return random.pick(generators)();
}

describe(`codec fuzzing (seed ${SEED})`, () => {
  it(`decodes every packet a client library generates, and never throws on ${CASES} mutated or random ones`, () => {
    const random = new Random(SEED);
    let mutatedAccepted = 0;
    for (let i = 0; i < CASES; i++) {
      const version = random.pick([3, 4, 5] as const);
      const packet = randomClientPacket(random, version);
      const bytes = mqttPacket.generate(packet, { protocolVersion: version });
      const result = decodeBytes(bytes, version);
      expect(result.ok, `case ${i}: ${bytes.toString('hex')} ${JSON.stringify(result)}`).toBe(true);
      const hostile = i % 3 === 0 ? random.bytes(random.below(40)) : random.mutate(bytes);
      const framer = new MqttFramer(1 << 16);
      framer.push(hostile, {
        onFrame: (header, buf, start, end) => {
          const decoded = header >> 4 === PacketType.CONNECT ? decodeConnect(buf, start, end) : decodePacket(header, buf, start, end, version);
          if (decoded.ok) mutatedAccepted++;
          else expect(decoded.error.reasonCode, `case ${i}: ${hostile.toString('hex')}`).toBeGreaterThanOrEqual(0x80);
          return true;
        },
        onFramingError: () => undefined,
      });
    }
    // Keeps the mutation side from going vacuous if the generators change.
    expect(mutatedAccepted).toBeGreaterThan(CASES / 20);
  });
});

describe(`broker under hostile connections (seed ${SEED})`, () => {
  it('stays up through 2,000 hostile connections while a subscriber loses nothing', async () => {
    const server = await startBroker({ maxPacketSize: 65_536 });
    const sub = await connectClient(server.url, { clientId: 'steady-sub' });
    await sub.subscribeAsync('steady/#', { qos: 1 });
    const pub = await connectClient(server.url, { clientId: 'steady-pub', protocolVersion: 5 });
    const random = new Random(SEED);
    const validConnect = mqttPacket.generate({ cmd: 'connect', protocolVersion: 5, clientId: 'fuzz', clean: true, keepalive: 30 });
    const hostile = (): Buffer => {
      switch (random.below(5)) {
        case 0:
          return random.bytes(1 + random.below(64));
        case 1:
          return random.mutate(validConnect);
        case 2: {
          const version = random.pick([3, 4, 5] as const);
          const connect = mqttPacket.generate({ cmd: 'connect', protocolId: version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: version, clientId: `f${random.below(50)}`, clean: true, keepalive: 0 }, { protocolVersion: version });
          return Buffer.concat([connect, random.mutate(mqttPacket.generate(randomClientPacket(random, version), { protocolVersion: version }))]);
        }
        case 3:
          return Buffer.concat([validConnect, random.bytes(1 + random.below(32))]);
        default:
          return Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00]);
      }
    };
    const attack = (async () => {
      for (let i = 0; i < 2_000; i++) {
        const [attacker, brokerSide] = duplexPair();
        attacker.on('error', () => undefined);
        attacker.resume();
        server.broker.handle(brokerSide, {});
        attacker.end(hostile());
        if (i % 50 === 0) await settle();
      }
    })();
    const steady = (async () => {
      for (let i = 0; i < 300; i++) await pub.publishAsync(`steady/${i % 5}`, String(i), { qos: 1 });
    })();
    await Promise.all([attack, steady]);
    const messages = await sub.inbox.waitFor(300);
    expect(messages.map((m) => m.payload)).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    expect(sub.connected && pub.connected).toBe(true);
    expect(server.broker.stats.malformedPackets).toBeGreaterThan(500);
    const fresh = await connectClient(server.url);
    await Promise.all([fresh.endAsync(), sub.endAsync(), pub.endAsync()]);
    await server.close();
  });
});
