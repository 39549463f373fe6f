/**
 * MQTT-SN through the gateway to an MQTT subscriber: QoS 0 PUBLISHes/s and latency, over UDP and over a
 * socat pty carrying XBee API frames (AP=2). The hub runs as its own process, like in the other benches.
 *
 *   node apps/hub/dist/bench/mqtt-sn.js [--count=N] [--window=N] [--rate=N]
 *   HEARTH_BENCH_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the hub
 *
 * Throughput: N publishes with at most `window` sent but not yet received (so nothing is lost to full
 * buffers and latency reflects that queue). Latency: a paced run at `rate`/s, the unloaded path.
 * Exits 0 whatever the numbers (a measurement), non-zero if a run could not complete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decode, encode, type SnMessage } from '@hearth/mqtt-sn';
import { encodeFrame, XbeeFrameDecoder } from '@hearth/xbee';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { nodeArgs } from './targets.js';

const HUB_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const HOST = '127.0.0.1';
const SENSOR_64 = '0013a20040522baa';
const TOPIC = 'bench/sn';

const { values: args } = parseArgs({
  options: { count: { type: 'string', default: '50000' }, window: { type: 'string', default: '200' }, rate: { type: 'string', default: '2000' } },
});
const COUNT = Number(args.count);
const WINDOW = Number(args.window);
const RATE = Number(args.rate);

/** How the bench reaches the gateway: send a frame, and hear the gateway's answers. */
interface SnPath {
  name: string;
  send(frames: Buffer[]): void;
  answers(handler: (message: SnMessage) => void): void;
  close(): Promise<void>;
}

interface Hub {
  mqttPort: number;
  snUdpPort: number;
  process: ChildProcess;
}

async function startHub(dataDir: string, serial: string): Promise<Hub> {
  const child = spawn(process.execPath, [...nodeArgs('HEARTH_BENCH_HUB_NODE_ARGS'), HUB_MAIN], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      HEARTH_DATA_DIR: dataDir,
      HEARTH_HTTP_PORT: 'off',
      HEARTH_MQTT_PORT: '0',
      HEARTH_MQTT_HOST: HOST,
      HEARTH_MQTT_ANONYMOUS: 'true',
      HEARTH_SN_UDP_PORT: '0',
      HEARTH_SN_UDP_HOST: HOST,
      HEARTH_SN_MULTICAST: 'false',
      HEARTH_SN_SERIAL: serial,
      HEARTH_SN_BAUD: '115200',
      HEARTH_SN_MAX_QUEUED: '100000',
      // The bench's sensors publish to bench/sn/<client id>: their own topic space.
      HEARTH_SN_TRUSTED_TOPICS: `${TOPIC}/%c/#`,
      HEARTH_LOG_LEVEL: 'info',
      HEARTH_LOG_PRETTY: 'false',
    },
  });
  let mqttPort = 0;
  let snUdpPort = 0;
  let serialOpen = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the hub did not report its listeners within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: { listener?: string; port?: number };
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      if (record.listener === 'mqtt') mqttPort = record.port!;
      if (record.listener === 'mqtt-sn-udp') snUdpPort = record.port!;
      if (record.listener === 'mqtt-sn-serial') serialOpen = true;
      if (mqttPort && snUdpPort && serialOpen) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { mqttPort, snUdpPort, process: child };
}

async function udpPath(port: number): Promise<SnPath> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  return {
    name: 'UDP',
    send: (frames) => frames.forEach((frame) => socket.send(frame, port, HOST)),
    answers: (handler) =>
      socket.on('message', (frame) => {
        const result = decode(frame);
        if (result.ok) handler(result.message);
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

async function xbeePath(path: string): Promise<SnPath> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  return {
    name: 'pty, XBee AP=2',
    // One write per batch, as a serial driver would deliver them.
    send: (frames) =>
      port.write(Buffer.concat(frames.map((data) => encodeFrame({ type: 'receivePacket', source64: SENSOR_64, source16: 0x1234, options: 1, data }, 2)))),
    answers: (handler) => {
      const decoder = new XbeeFrameDecoder({
        apiMode: 2,
        onFrame: (frame) => {
          if (frame.type !== 'transmitRequest') return;
          const result = decode(frame.data);
          if (result.ok) handler(result.message);
        },
      });
      port.on('data', (chunk: Buffer) => decoder.push(chunk));
    },
    close: () => new Promise((resolve) => port.close(() => resolve())),
  };
}

/** CONNECT and REGISTER as a sensor; resolves with the topic id. */
async function handshake(path: SnPath, clientId: string): Promise<number> {
  const waiting = new Map<string, (m: SnMessage) => void>();
  path.answers((message) => waiting.get(message.type)?.(message));
  const ask = <T extends SnMessage>(message: SnMessage, answer: T['type']) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${path.name}: no ${answer.toUpperCase()}`)), 5000);
      waiting.set(answer, (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      path.send([encode(message)]);
    });
  await ask({ type: 'connect', will: false, cleanSession: true, duration: 600, clientId }, 'connack');
  const regack = await ask<Extract<SnMessage, { type: 'regack' }>>({ type: 'register', topicId: 0, msgId: 1, topicName: `${TOPIC}/${clientId}` }, 'regack');
  return regack.topicId;
}

/** Payload: the send time (ms, performance.now) and a sequence number. */
function publishFrame(topicId: number, seq: number): Buffer {
  const payload = Buffer.allocUnsafe(12);
  payload.writeDoubleBE(performance.now(), 0);
  payload.writeUInt32BE(seq, 8);
  return encode({ type: 'publish', dup: false, qos: 0, retain: false, topic: { topicIdType: 'normal', topicId }, msgId: 0, payload });
}

class Receiver {
  received = 0;
  latencies: number[] = [];
  private wake: (() => void) | undefined;

  constructor(subscriber: MqttClient, topic: string) {
    subscriber.on('message', (t, payload) => {
      if (t !== topic) return;
      this.latencies.push(performance.now() - payload.readDoubleBE(0));
      this.received++;
      this.wake?.();
    });
  }

  /** Resolves once `count` messages arrived in total; rejects if none arrives for 5 s. */
  until(count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const check = () => {
        clearTimeout(timer);
        if (this.received >= count) {
          this.wake = undefined;
          return resolve();
        }
        timer = setTimeout(() => reject(new Error(`stalled at ${this.received} of ${count} messages`)), 5000);
      };
      this.wake = check;
      check();
    });
  }

  reset(): void {
    this.received = 0;
    this.latencies = [];
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

interface Result {
  path: string;
  throughput: number;
  p50: number;
  p99: number;
  pacedP50: number;
  pacedP99: number;
}

async function measure(path: SnPath, subscriber: MqttClient, clientId: string): Promise<Result> {
  const topicId = await handshake(path, clientId);
  const receiver = new Receiver(subscriber, `${TOPIC}/${clientId}`);
  const batch = Math.max(1, Math.floor(WINDOW / 4));

  // Warm-up, then throughput with a bounded window.
  for (const [count, keep] of [[Math.min(5000, COUNT), false], [COUNT, true]] as const) {
    receiver.reset();
    const start = performance.now();
    let sent = 0;
    while (sent < count) {
      await receiver.until(Math.max(0, sent + batch - WINDOW));
      const frames: Buffer[] = [];
      for (let i = 0; i < batch && sent < count; i++) frames.push(publishFrame(topicId, sent++));
      path.send(frames);
    }
    await receiver.until(count);
    if (!keep) continue;
    const seconds = (performance.now() - start) / 1000;
    const sorted = receiver.latencies.sort((a, b) => a - b);
    const throughput = count / seconds;
    const loaded = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };

    // Paced: RATE/s for 2 s, sent every 10 ms.
    receiver.reset();
    const total = RATE * 2;
    const perTick = Math.max(1, Math.round(RATE / 100));
    let paced = 0;
    const tick = setInterval(() => {
      const frames: Buffer[] = [];
      for (let i = 0; i < perTick && paced < total; i++) frames.push(publishFrame(topicId, paced++));
      path.send(frames);
      if (paced >= total) clearInterval(tick);
    }, 10);
    await receiver.until(total);
    const pacedSorted = receiver.latencies.sort((a, b) => a - b);
    return { path: path.name, throughput, ...loaded, pacedP50: percentile(pacedSorted, 50), pacedP99: percentile(pacedSorted, 99) };
  }
  throw new Error('unreachable');
}

async function main(): Promise<void> {
  if (!existsSync(HUB_MAIN)) throw new Error(`${HUB_MAIN} is missing: build first (npx tsc -b)`);
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-sn-'));
  const socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'hub')}`, `pty,raw,echo=0,link=${join(dir, 'radio')}`], { stdio: 'ignore' });
  let hub: Hub | undefined;
  try {
    while (!existsSync(join(dir, 'radio')) || !existsSync(join(dir, 'hub'))) await new Promise((resolve) => setTimeout(resolve, 10));
    hub = await startHub(dir, join(dir, 'hub'));
    const subscriber = mqtt.connect(`mqtt://${HOST}:${hub.mqttPort}`, { reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => subscriber.once('connect', () => resolve()).once('error', reject));
    await subscriber.subscribeAsync(`${TOPIC}/#`, { qos: 0 });

    const results: Result[] = [];
    for (const [open, clientId] of [
      [() => udpPath(hub!.snUdpPort), 'bench-udp'],
      [() => xbeePath(join(dir, 'radio')), 'bench-xbee'],
    ] as const) {
      const path = await open();
      results.push(await measure(path, subscriber, clientId));
      await path.close();
    }
    await subscriber.endAsync();

    const ms = (v: number) => `${v.toFixed(2)} ms`;
    console.log(`MQTT-SN gateway, QoS 0 PUBLISH (12-byte payload) to one MQTT subscriber; ${COUNT} messages, window ${WINDOW}; paced run at ${RATE}/s`);
    console.log('| path | publishes/s | p50 | p99 | paced p50 | paced p99 |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(`| ${r.path} | ${Math.round(r.throughput)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.pacedP50)} | ${ms(r.pacedP99)} |`);
    }
  } finally {
    hub?.process.kill();
    socat.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
