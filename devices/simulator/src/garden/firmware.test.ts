// The Arduino sketch and the simulated sensor must put the same bytes on the air. The sketch's
// protocol headers are compiled on the host (g++) into a harness that prints the frames of one boot
// and one wake-up for given readings; the simulated twin of the sketch, driven through a real pty
// with XBee framing, must have sent exactly those frames for the readings it took.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARDUINO_TOOLCHAIN, programOf, requirePackage, skippedWithout } from '@hearth/broker/testing/system-packages';
import { Random } from '@hearth/random';
import { encodeFrame } from '@hearth/xbee';
import type { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Environment } from '../environment.js';
import { UdpLink, XbeeCoordinator } from './links.js';
import { PREDEFINED_TOPIC_IDS, type Readings, predefinedTopicsCsv } from './protocol.js';
import { GardenSensor, type GardenSensorSpec, sensorTopics } from './sensor.js';
import { type ScriptedGateway, openPort, ptyPair, udpGateway, xbeeGateway } from './test-gateway.js';

const FIRMWARE = join(dirname(fileURLToPath(import.meta.url)), '../../../firmware/garden-sensor');
const ADDRESS = '0013a20041a7b3c4';

/** The sketch's defaults (garden-sensor.ino): its simulated twin. */
const SKETCH: GardenSensorSpec = {
  id: 'herbs',
  topicIds: 'predefined',
  qos: 1,
  readings: ['moisture', 'temperature', 'battery'],
  valve: false,
  sleepSeconds: 300,
  keepAliveSeconds: 60,
};

let work: string;
let harness: string;

// The sketch's frames come from its headers compiled on the host with g++.
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hearth-firmware-'));
  harness = join(work, 'harness');
  if (skippedWithout('g++')) return;
  execFileSync(programOf('g++', 'g++'), ['-std=c++11', '-Wall', '-Wextra', '-Werror', `-I${FIRMWARE}`, join(FIRMWARE, 'host/harness.cpp'), '-o', harness]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The frames the sketch sends: [MQTT-SN hex, XBee API frame hex] per frame. */
function sketchFrames(spec: GardenSensorSpec, boot: Readings, wake?: Readings): Array<[string, string]> {
  const readings = (r: Readings) => [r.moisture, r.temperatureTenths, r.batteryMillivolts].map(String);
  const args = [spec.id, String(spec.qos), String(spec.keepAliveSeconds), String(spec.sleepSeconds), ...readings(boot), ...(wake ? readings(wake) : [])];
  return execFileSync(harness, args, { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as [string, string]);
}

/** The 0x10 Transmit Request the sketch's own radio gets for `data`: to the coordinator, frame id 0. */
const transmitRequest = (data: string) =>
  encodeFrame({ type: 'transmitRequest', frameId: 0, destination64: '0000000000000000', destination16: 0xfffe, broadcastRadius: 0, options: 0, data: Buffer.from(data, 'hex') }, 2).toString('hex');

describe('the garden-sensor sketch and its simulated twin', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function asleep(clock: ManualClock): Promise<void> {
    for (let i = 0; i < 200 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(clock.pending).toBe(1);
  }

  /** Boots and wakes the twin once; returns the readings of each report. */
  async function bootAndWake(gateway: ScriptedGateway, sensor: GardenSensor, clock: ManualClock): Promise<{ boot: Readings; wake: Readings }> {
    sensor.start();
    await asleep(clock);
    const boot = sensor.lastReadings!;
    clock.advance(SKETCH.sleepSeconds! * 1000);
    await gateway.waitFor((m) => m.type === 'pingreq');
    await asleep(clock);
    return { boot, wake: sensor.lastReadings! };
  }

  const context = (clock: ManualClock) => ({ clock, random: new Random(7), environment: new Environment() });

  it('QoS 1 over an XBee pty: same MQTT-SN frames, and the radio carries them from the sensor address', async (test) => {
    requirePackage(test, 'g++', 'socat');
    const pty = await ptyPair();
    cleanups.push(pty.close);
    const hubPort: SerialPort = await openPort(pty.hubEnd);
    const radioPort: SerialPort = await openPort(pty.radioEnd);
    cleanups.push(() => new Promise((r) => hubPort.close(r)), () => new Promise((r) => radioPort.close(r)));
    const { gateway, sources, statuses } = xbeeGateway(hubPort);
    const clock = new ManualClock();
    const sensor = new GardenSensor(SKETCH, context(clock), new XbeeCoordinator(radioPort).endpoint(ADDRESS));
    cleanups.push(() => sensor.stop());

    const { boot, wake } = await bootAndWake(gateway, sensor, clock);
    const sketch = sketchFrames(SKETCH, boot, wake);
    expect(gateway.received.map((r) => r.hex)).toEqual(sketch.map(([sn]) => sn));
    expect(gateway.types).toEqual(['connect', 'willtopic', 'willmsg', ...Array(4).fill('publish'), 'disconnect', 'pingreq', 'connect', ...Array(3).fill('publish'), 'disconnect']);
    for (const [sn, api] of sketch) expect(api).toBe(transmitRequest(sn));

    expect(new Set(sources)).toEqual(new Set([ADDRESS]));
    // Each of the gateway's Transmit Requests (frame id 1) was confirmed by the coordinator.
    await expect.poll(() => statuses.length).toBe(gateway.received.length);
    expect(statuses.every((s) => s.frameId === 1 && s.deliveryStatus === 0)).toBe(true);
  });

  it('QoS -1: same frames, no acknowledgements and no reconnect on waking', async (test) => {
    requirePackage(test, 'g++');
    const spec = { ...SKETCH, qos: -1 as const };
    const { gateway, port, close } = await udpGateway();
    cleanups.push(close);
    const link = await UdpLink.open({ host: '127.0.0.1', port });
    cleanups.push(() => link.close());
    const clock = new ManualClock();
    const sensor = new GardenSensor(spec, context(clock), link);
    cleanups.push(() => sensor.stop());

    const { boot, wake } = await bootAndWake(gateway, sensor, clock);
    await gateway.waitFor((m) => m.type === 'publish', 7);
    expect(gateway.types).toEqual(['connect', 'willtopic', 'willmsg', ...Array(4).fill('publish'), 'disconnect', 'pingreq', ...Array(3).fill('publish')]);
    expect(gateway.received.map((r) => r.hex)).toEqual(sketchFrames(spec, boot, wake).map(([sn]) => sn));
  });

  it('escapes reserved bytes in its XBee frames exactly as @hearth/xbee does', (test) => {
    requirePackage(test, 'g++');
    let escaped = 0;
    for (let t = -40; t < 400; t += 7) {
      for (const [sn, api] of sketchFrames(SKETCH, { moisture: t & 0x7f, temperatureTenths: t, batteryMillivolts: 6000 + t * 9, humidity: 0, illuminance: 0 })) {
        expect(api).toBe(transmitRequest(sn));
        if (api.slice(2).includes('7d')) escaped++;
      }
    }
    expect(escaped).toBeGreaterThan(0);
  });

  it('predefined-topics.csv holds the ids the sketch uses', () => {
    const csv = readFileSync(join(FIRMWARE, 'predefined-topics.csv'), 'utf8');
    expect(csv).toBe(predefinedTopicsCsv([{ sensorId: 'herbs', topics: sensorTopics(SKETCH) }]));
    const header = readFileSync(join(FIRMWARE, 'garden_protocol.h'), 'utf8');
    for (const topic of sensorTopics(SKETCH)) {
      expect(header).toContain(`TOPIC_${topic.toUpperCase()} = ${PREDEFINED_TOPIC_IDS[topic]};`);
    }
  });

  it('the sketch compiles for an Arduino Uno with arduino-mk', (test) => {
    requirePackage(test, ...ARDUINO_TOOLCHAIN);
    const objdir = join(work, 'build-uno');
    execFileSync('make', ['-C', FIRMWARE, `OBJDIR=${objdir}`], { stdio: 'pipe' });
    expect(existsSync(join(objdir, 'garden-sensor.hex'))).toBe(true);
  }, 120_000);
});
