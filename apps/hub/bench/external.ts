/**
 * The hub with other brokers: entity updates through an external Mosquitto (HEARTH_MQTT_URL) side by side
 * with the embedded broker, in the same run; and a bridge to a remote Mosquitto: QoS 1 messages forwarded
 * per second, and the time to deliver a backlog of 100,000 stored while the remote broker was away.
 *
 *   node apps/hub/dist/bench/external.js [--messages=20000] [--backlog=100000]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type RunningMosquitto } from '../test/support/mosquitto.js';
import { runEntitiesBench, type EntitiesResult } from './entities.js';
import { HOST } from './mqtt-client.js';
import { startHub, type RunningHub } from './targets.js';

const connect = (url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> =>
  new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });

/** Resolves once `count()` reaches `n`, checking every 10 ms; rejects after `ms`. */
const reach = (count: () => number, n: number, ms: number, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const timer = setInterval(() => {
      if (count() >= n) return clearInterval(timer), resolve();
      if (Date.now() > deadline) clearInterval(timer), reject(new Error(`${what}: ${count()} of ${n} after ${ms} ms`));
    }, 10);
  });

/** Publishes `n` QoS 1 messages, `window` unacknowledged at a time, numbered in their payload. */
async function publishAll(client: MqttClient, topic: string, n: number, window = 100): Promise<void> {
  for (let sent = 0; sent < n; sent += window) {
    await Promise.all(Array.from({ length: Math.min(window, n - sent) }, (_, i) => client.publishAsync(topic, String(sent + i), { qos: 1 })));
  }
}

interface BridgeResult {
  forwardedPerSecond: number;
  backlog: number;
  /** From the remote broker's restart to the bridge's first delivery (its reconnect wait). */
  reconnectMs: number;
  /** From the first delivery to the last. */
  drainMs: number;
}

async function runBridgeBench(messages: number, backlog: number): Promise<BridgeResult> {
  // Mosquitto keeps at most 1,000 queued per client by default: the backlog would not fit.
  const remote: RunningMosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 100']);
  let hub: RunningHub | undefined;
  const clients: MqttClient[] = [];
  try {
    hub = await startHub({ HEARTH_MQTT_ANONYMOUS: 'true', HEARTH_BRIDGES: JSON.stringify([{ name: 'bench', url: remote.url, topics: ['bench/# out 1'] }]) });
    let received = 0;
    let firstAt = 0;
    const far = await connect(remote.url, { clientId: 'bench-far', clean: false, reconnectPeriod: 100 });
    clients.push(far);
    far.on('message', () => {
      if (received++ === 0) firstAt = performance.now();
    });
    await far.subscribeAsync('bench/#', { qos: 1 });
    const local = await connect(`mqtt://${HOST}:${hub.port}`, { clientId: 'bench-local' });
    clients.push(local);
    // The bridge is up once a message crosses.
    await local.publishAsync('bench/warm', 'x', { qos: 1 });
    await reach(() => received, 1, 30_000, 'the bridge to come up');

    received = 0;
    const started = performance.now();
    await publishAll(local, 'bench/stream', messages);
    await reach(() => received, messages, 120_000, 'forwarded');
    const forwardedPerSecond = Math.round(messages / ((performance.now() - started) / 1000));

    await remote.stop();
    await publishAll(local, 'bench/backlog', backlog);
    received = 0;
    const restarted = performance.now();
    await remote.restart();
    await reach(() => received, backlog, 600_000, 'the backlog');
    return { forwardedPerSecond, backlog, reconnectMs: Math.round(firstAt - restarted), drainMs: Math.round(performance.now() - firstAt) };
  } finally {
    for (const client of clients) client.end(true);
    await hub?.stop();
    await remote.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, backlog: { type: 'string' } } });
  const line = (name: string, result: EntitiesResult) =>
    `${name.padEnd(26)} ${String(result.achievedRate).padStart(7)}/s  pushed ${result.pushed}/${result.sent}  stored ${result.stored}  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`;
  const embedded = await runEntitiesBench({ broker: 'embedded' });
  const external = await runEntitiesBench({ broker: 'mosquitto' });
  console.log('Entities, 1,000 entities at 10,000 updates/s, device PUBLISH -> dashboard push:');
  console.log(line('embedded broker', embedded));
  console.log(line('external Mosquitto', external));
  const bridge = await runBridgeBench(Number(values.messages ?? 20_000), Number(values.backlog ?? 100_000));
  console.log(`\nBridge to a remote Mosquitto, QoS 1: ${bridge.forwardedPerSecond} messages/s forwarded`);
  console.log(`Backlog of ${bridge.backlog} stored while the remote was away: first delivered ${bridge.reconnectMs} ms after it restarted, all ${bridge.drainMs} ms later (${Math.round(bridge.backlog / (bridge.drainMs / 1000))}/s)`);
  console.log(JSON.stringify({ embedded, external, bridge }));
}
