import { Random } from '@hearth/random';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Environment } from '../environment.js';
import { UdpLink } from './links.js';
import { GardenSensor, type GardenSensorSpec } from './sensor.js';
import { type ScriptedGateway, udpGateway } from './test-gateway.js';

const hex = (text: string) => text.replace(/#.*$/gm, '').replace(/\s+/g, '');
const ascii = (text: string) => Buffer.from(text).toString('hex');

describe('garden sensor over UDP', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(spec: GardenSensorSpec) {
    const { gateway, port, close } = await udpGateway();
    cleanups.push(close);
    const link = await UdpLink.open({ host: '127.0.0.1', port });
    cleanups.push(() => link.close());
    const clock = new ManualClock();
    const sensor = new GardenSensor(spec, { clock, random: new Random(42), environment: new Environment() }, link, { retryMs: 2000 });
    cleanups.push(() => sensor.stop());
    sensor.start();
    return { gateway, clock, sensor };
  }

  /** The sensor has its DISCONNECT answered and its wake-up scheduled. */
  async function asleep(clock: ManualClock): Promise<void> {
    for (let i = 0; i < 100 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(clock.pending).toBe(1);
  }

  const lastOf = (gateway: ScriptedGateway, type: string) => gateway.received.filter((r) => r.message.type === type).at(-1)!.hex;

  it('searches, connects with a will, registers, subscribes to the valve, reports and sleeps', async () => {
    const { gateway } = await start({ id: 'lawn', topicIds: 'register', qos: 1, searchGateway: true, sleepSeconds: 300, keepAliveSeconds: 60 });
    await gateway.waitFor((m) => m.type === 'disconnect');

    expect(gateway.types).toEqual([
      'searchgw', 'connect', 'willtopic', 'willmsg',
      ...Array(7).fill('register'), 'subscribe',
      'publish', // status online
      ...Array(5).fill('publish'), 'publish', // readings, valve
      'disconnect',
    ]);
    const [search, connect, willTopic, willMsg, firstRegister] = gateway.received.map((r) => r.hex);
    expect(search).toBe(hex('03 01 01  # SEARCHGW radius 1'));
    expect(connect).toBe(hex(`0a 04      # CONNECT, 10 bytes
      0c          # flags: Will, CleanSession
      01 00 3c    # protocol id, keep-alive 60 s`) + ascii('lawn'));
    expect(willTopic).toBe(hex('15 07 30  # WILLTOPIC, flags QoS 1 + Retain') + ascii('garden/lawn/status'));
    expect(willMsg).toBe(hex('09 09') + ascii('offline'));
    expect(firstRegister).toBe(hex('1a 0a 00 00 00 01  # REGISTER, topic id 0, msg id 1') + ascii('garden/lawn/moisture'));
    expect(gateway.received[11].hex).toBe(hex('1a 12 20 00 08  # SUBSCRIBE QoS 1, normal name, msg id 8') + ascii('garden/lawn/valve/set'));
    // Registered ids are handed out from 0x20 in topic order: status is the 6th.
    expect(gateway.received[12].hex).toBe(hex('0d 0c 30 00 25 00 09  # PUBLISH QoS 1 Retain, topic 0x25, msg id 9') + ascii('online'));
    expect(gateway.received[18].hex).toBe(hex('0a 0c 30 00 26 00 0f') + ascii('OFF'));
    expect(lastOf(gateway, 'disconnect')).toBe(hex('04 18 01 2c  # DISCONNECT, asleep for 300 s'));
  });

  it('wakes with PINGREQ, takes the buffered valve command, reconnects, reports and sleeps again', async () => {
    const { gateway, clock, sensor } = await start({ id: 'lawn', topicIds: 'register', qos: 1, sleepSeconds: 300 });
    await asleep(clock);
    const before = gateway.received.length;
    const moistureAtBoot = sensor.lastReadings!.moisture;

    // The gateway assigned 0x27 to valve/set in its SUBACK.
    gateway.buffer({ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId: 0x27 }, msgId: 0x1234, payload: Buffer.from('ON') });
    clock.advance(299_000);
    expect(gateway.received.length).toBe(before);
    clock.advance(1_000);
    await gateway.waitFor((m) => m.type === 'disconnect', 2);
    await asleep(clock);

    const wake = gateway.received.slice(before);
    expect(wake.map((r) => r.message.type)).toEqual(['pingreq', 'puback', 'connect', ...Array(6).fill('publish'), 'disconnect']);
    expect(wake[0].hex).toBe(hex('06 16  # PINGREQ with the client id') + ascii('lawn'));
    expect(wake[1].hex).toBe(hex('07 0d 00 27 12 34 00  # PUBACK topic 0x27, msg id 0x1234, accepted'));
    expect(wake[2].hex).toBe(hex('0a 04 00 01 00 3c  # CONNECT, no will, no clean session') + ascii('lawn'));
    expect(wake.at(-2)!.hex).toBe(hex('09 0c 30 00 26 00 15') + ascii('ON'));
    expect(sensor.valveOpen).toBe(true);

    // With the valve open the bed gets wetter by the next report.
    clock.advance(300_000);
    await gateway.waitFor((m) => m.type === 'disconnect', 3);
    expect(sensor.lastReadings!.moisture).toBeGreaterThan(moistureAtBoot);
  });

  it('with QoS -1 and predefined ids publishes without acknowledgements and wakes without reconnecting', async () => {
    const { gateway, clock } = await start({ id: 'tomatoes', topicIds: 'predefined', qos: -1, sleepSeconds: 600 });
    await gateway.waitFor((m) => m.type === 'disconnect');
    expect(gateway.types).toEqual(['connect', 'willtopic', 'willmsg', 'subscribe', ...Array(7).fill('publish'), 'disconnect']);
    expect(gateway.received[3].hex).toBe(hex('07 12 21 00 01 00 08  # SUBSCRIBE QoS 1, predefined id 8, msg id 1'));
    expect(gateway.received[4].hex).toBe(hex('0d 0c 71 00 06 00 00  # PUBLISH QoS -1 Retain predefined, topic 6, msg id 0') + ascii('online'));
    expect(lastOf(gateway, 'disconnect')).toBe(hex('04 18 02 58'));
    await asleep(clock);

    const before = gateway.received.length;
    clock.advance(600_000);
    await gateway.waitFor((m) => m.type === 'publish' && m.topic.topicIdType === 'predefined' && m.topic.topicId === 7, 2);
    expect(gateway.types.slice(before)).toEqual(['pingreq', ...Array(6).fill('publish')]);
    await asleep(clock);
  });

  it('boots again at once when the gateway ends a session it does not know', async () => {
    const { gateway, clock } = await start({ id: 'lawn', topicIds: 'predefined', qos: 1, valve: false });
    await asleep(clock);
    gateway.forgetSessions();
    clock.advance(300_000);
    await gateway.waitFor((m) => m.type === 'pingreq');
    // Booting again is due at once, not after another sleep.
    await asleep(clock);
    clock.advance(0);
    await gateway.waitFor((m) => m.type === 'connect' && m.will, 2);
  });
});
