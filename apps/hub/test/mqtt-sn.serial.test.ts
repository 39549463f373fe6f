import { Buffer } from 'node:buffer';
import { encode, ReturnCode, type SnMessage } from '@hearth/mqtt-sn';
import { encodeFrame } from '@hearth/xbee';
import type { MqttClient } from 'mqtt';
import type { SerialPort } from 'serialport';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { MqttSnService } from '../src/mqtt-sn/mqtt-sn.service.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { bufferedFor, closePort, openPort, PtyPair, WiredSensor, XbeeRadio } from './support/mqtt-sn.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

const SENSOR = '0013a20040522baa';
const OTHER_RADIO = '0013a20040522bbb';
const BROADCAST = '000000000000ffff';

const qos0 = (topicId: number, payload: string): SnMessage => ({
  type: 'publish',
  dup: false,
  qos: 0,
  retain: false,
  topic: { topicIdType: 'normal', topicId },
  msgId: 0,
  payload: Buffer.from(payload),
});

/** Deterministic noise, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

describe('MQTT-SN gateway on a serial line', () => {
  // Every test here talks through a pty pair from socat.
  beforeEach((context) => requirePackage(context, 'socat'));
  let hub: TestHub | undefined;
  let pty: PtyPair | undefined;
  const ports: SerialPort[] = [];
  const mqttClients: MqttClient[] = [];
  const gateway = () => hub!.app.get(MqttSnService).health();

  const start = async (env: Record<string, string>) => {
    pty = await PtyPair.create();
    hub = await startTestHub({ HEARTH_SN_SERIAL: pty.hubEnd, HEARTH_SN_BAUD: '115200', HEARTH_SN_RETRY_INTERVAL: '200', ...env });
    const port = await openPort(pty.testEnd);
    ports.push(port);
    const watcher = await connectClient(hub.mqttUrl);
    mqttClients.push(watcher);
    return { port, watcher };
  };

  afterEach(async () => {
    for (const client of mqttClients.splice(0)) await client.endAsync();
    for (const port of ports.splice(0)) await closePort(port);
    await hub?.close();
    await pty?.remove();
    if (hub) removeDataDir(hub.dataDir);
    hub = pty = undefined;
  });

  async function connectSensor(radio: XbeeRadio, from: string, clientId: string): Promise<void> {
    radio.send(from, { type: 'connect', will: false, cleanSession: true, duration: 600, clientId });
    expect(await radio.next(from, 'connack')).toEqual({ type: 'connack', returnCode: ReturnCode.ACCEPTED });
  }

  async function registerSensor(radio: XbeeRadio, from: string, topicName: string): Promise<number> {
    radio.send(from, { type: 'register', topicId: 0, msgId: 1, topicName });
    return (await radio.next(from, 'regack')).topicId;
  }

  for (const apiMode of [2, 1] as const) {
    it(`speaks XBee API mode ${apiMode}: ADVERTISE, GWINFO broadcast, and unicasts to the sender's address`, async () => {
      const { port, watcher } = await start({ HEARTH_SN_XBEE_API_MODE: String(apiMode), HEARTH_SN_ADVERTISE_INTERVAL: '60' });
      const radio = new XbeeRadio(port, apiMode);
      // The ADVERTISE sent when the port opened may come before the radio listened: ask for GWINFO as a sensor would.
      radio.send(SENSOR, { type: 'searchgw', radius: 1 });
      expect(await radio.next(BROADCAST, 'gwinfo')).toEqual({ type: 'gwinfo', gwId: 1 });
      expect(hub!.logs).toContainEqual(expect.objectContaining({ listener: 'mqtt-sn-serial', path: pty!.hubEnd, mode: 'xbee' }));

      const inbox = collect(watcher);
      await watcher.subscribeAsync('garden/#');
      await connectSensor(radio, SENSOR, 'garden-1');
      const topicId = await registerSensor(radio, SENSOR, 'garden/garden-1/moisture');
      radio.send(SENSOR, qos0(topicId, '41'));
      const [message] = await inbox.waitFor(1);
      expect([message.topic, message.payload]).toEqual(['garden/garden-1/moisture', '41']);

      radio.send(SENSOR, { type: 'subscribe', dup: false, qos: 0, msgId: 2, topic: { topicIdType: 'normal', topicName: 'garden/garden-1/valve' } });
      const suback = await radio.next(SENSOR, 'suback');
      await watcher.publishAsync('garden/garden-1/valve', 'open');
      expect(await radio.next(SENSOR, 'publish')).toMatchObject({ topic: { topicIdType: 'normal', topicId: suback.topicId }, payload: Buffer.from('open') });
    });
  }

  it('takes an XBee radio for a device credential only from the 64-bit address bound to it', async () => {
    const { port, watcher } = await start({});
    await hub!.app.get(Accounts).addDevice('bed-5', { topicPrefix: 'garden/bed-5', snAddresses: [SENSOR.toUpperCase()] });
    const radio = new XbeeRadio(port);
    radio.send(OTHER_RADIO, { type: 'connect', will: false, cleanSession: true, duration: 600, clientId: 'bed-5' });
    expect(await radio.next(OTHER_RADIO, 'connack')).toEqual({ type: 'connack', returnCode: ReturnCode.NOT_SUPPORTED });
    const claims = (await (await hub!.api('/api/mqtt-sn/claims')).json()) as Array<{ device: string; address: string; link: string }>;
    expect(claims).toMatchObject([{ device: 'bed-5', address: OTHER_RADIO, link: 'serial' }]);

    const inbox = collect(watcher);
    await watcher.subscribeAsync('garden/#');
    await connectSensor(radio, SENSOR, 'bed-5');
    radio.send(SENSOR, qos0(await registerSensor(radio, SENSOR, 'garden/bed-5/moisture'), '33'));
    expect((await inbox.waitFor(1)).map((m) => [m.topic, m.payload])).toEqual([['garden/bed-5/moisture', '33']]);
  });

  it('knows a sleeping radio that wakes with a PINGREQ without its client id by its 64-bit address: what was buffered, then PINGRESP', async () => {
    const { port, watcher } = await start({});
    const radio = new XbeeRadio(port);
    await connectSensor(radio, SENSOR, 'sleepy-radio');
    radio.send(SENSOR, { type: 'subscribe', dup: false, qos: 0, msgId: 2, topic: { topicIdType: 'normal', topicName: 'garden/sleepy-radio/valve' } });
    const { topicId } = await radio.next(SENSOR, 'suback');
    radio.send(SENSOR, { type: 'disconnect', duration: 600 });
    await radio.next(SENSOR, 'disconnect');
    await watcher.publishAsync('garden/sleepy-radio/valve', 'open');
    expect(gateway().clients.asleep).toBe(1);
    await expect.poll(() => bufferedFor(hub!, 'sleepy-radio')).toBe(1);
    expect(radio.inbox.drain()).toEqual([]);

    radio.send(SENSOR, { type: 'pingreq' });
    expect(await radio.next(SENSOR, 'publish')).toMatchObject({ topic: { topicIdType: 'normal', topicId }, payload: Buffer.from('open') });
    await radio.next(SENSOR, 'pingresp');
  });

  it('carries one wired sensor in raw mode and resyncs after line noise', async () => {
    const { port, watcher } = await start({ HEARTH_SN_SERIAL_MODE: 'raw' });
    const sensor = new WiredSensor(port);
    sensor.send({ type: 'connect', will: false, cleanSession: true, duration: 600, clientId: 'wired-1' });
    expect(await sensor.next('connack')).toEqual({ type: 'connack', returnCode: ReturnCode.ACCEPTED });
    sensor.send({ type: 'register', topicId: 0, msgId: 1, topicName: 'devices/wired-1/temp' });
    const { topicId } = await sensor.next('regack');
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/wired-1/#');
    const random = prng(7);
    for (let burst = 0; burst < 20; burst++) {
      sensor.send(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256))));
      // Like a sensor after its Tretry: PINGREQ until answered. Noise may swallow a few; the gateway must come back.
      for (let attempt = 0; ; attempt++) {
        sensor.send({ type: 'pingreq' });
        const answered = await sensor.next('pingresp', 500).then(() => true, () => false);
        if (answered) break;
        expect(attempt).toBeLessThan(5);
      }
      sensor.send({ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId }, msgId: burst + 2, payload: Buffer.from(`t${burst}`) });
      expect(await sensor.next('puback')).toMatchObject({ msgId: burst + 2, returnCode: ReturnCode.ACCEPTED });
    }
    await inbox.waitFor(20);
    expect(inbox.messages.map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect(gateway().serial?.framesDropped).toBeGreaterThan(0);
  });

  it('runs without its serial device, opens it when it appears, and reopens it after an unplug', async () => {
    pty = PtyPair.paths();
    hub = await startTestHub({ HEARTH_SN_SERIAL: pty.hubEnd, HEARTH_SN_SERIAL_RETRY: '50' });
    expect(gateway()).toMatchObject({ status: 'degraded', serial: { open: false } });

    await pty.start();
    await expect.poll(() => gateway().serial?.open, { timeout: 5000 }).toBe(true);
    let port = await openPort(pty.testEnd);
    let radio = new XbeeRadio(port);
    await connectSensor(radio, SENSOR, 'replug-1');
    const topicId = await registerSensor(radio, SENSOR, 'devices/replug-1/temp');

    await closePort(port);
    await pty.unplug();
    await expect.poll(() => gateway().serial?.open, { timeout: 5000 }).toBe(false);
    await pty.start();
    await expect.poll(() => gateway().serial?.open, { timeout: 5000 }).toBe(true);
    port = await openPort(pty.testEnd);
    ports.push(port);
    radio = new XbeeRadio(port);
    // The session outlived the unplug: the sensor goes on with its topic id.
    const watcher = await connectClient(hub.mqttUrl);
    mqttClients.push(watcher);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/replug-1/#');
    radio.send(SENSOR, { type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId }, msgId: 9, payload: Buffer.from('7') });
    expect(await radio.next(SENSOR, 'puback')).toMatchObject({ topicId, msgId: 9, returnCode: ReturnCode.ACCEPTED });
    expect((await inbox.waitFor(1))[0].payload).toBe('7');
  });

  it('loses nothing from a good sensor among 10,000 random and mutated frames', async () => {
    const { port, watcher } = await start({});
    const radio = new XbeeRadio(port);
    await connectSensor(radio, SENSOR, 'good-1');
    const topicId = await registerSensor(radio, SENSOR, 'devices/good-1/reading');
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/good-1/#');

    const random = prng(42);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const neighbour = () => bytes(8).toString('hex');
    const junk = (): Buffer => {
      switch (Math.floor(random() * 5)) {
        case 0: // line noise
          return bytes(1 + Math.floor(random() * 40));
        case 1: {
          // a good frame with one byte flipped after the start delimiter: bad checksum, or a bad length
          const frame = Buffer.from(radio.frame(SENSOR, qos0(topicId, 'mutated')));
          frame[1 + Math.floor(random() * (frame.length - 1))] ^= 1 + Math.floor(random() * 255);
          return frame;
        }
        case 2: // cut short
          return radio.frame(SENSOR, qos0(topicId, 'truncated')).subarray(0, 1 + Math.floor(random() * 20));
        case 3: // intact XBee frames from other radios carrying garbage instead of MQTT-SN
          return radio.frame(neighbour(), bytes(1 + Math.floor(random() * 30)));
        default: // frame types a coordinator also sends: modem status, with random status
          return encodeFrame({ type: 'modemStatus', status: Math.floor(random() * 256) }, 2);
      }
    };
    const expected: string[] = [];
    let chunk: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      chunk.push(junk());
      if (i % 50 === 49) {
        expected.push(`r${expected.length}`);
        chunk.push(radio.frame(SENSOR, qos0(topicId, expected.at(-1)!)));
        port.write(Buffer.concat(chunk));
        chunk = [];
      }
    }
    await inbox.waitFor(expected.length, 15_000);
    expect(inbox.messages.map((m) => m.payload)).toEqual(expected);
    const health = gateway();
    expect(health.serial!.framesDropped).toBeGreaterThan(1000);
    expect(health.counters.badFrames).toBeGreaterThan(100);
  });
});
