/**
 * Entities benchmark: N entities (Home Assistant discovery sensors) updated at a fixed total rate by one
 * MQTT publisher; measures the time from writing each PUBLISH to its `state` push on the /ws WebSocket
 * (p50/p99), checks every update arrived and every one was stored in the history.
 *
 *   node apps/hub/dist/bench/entities.js [--entities=1000] [--rate=10000] [--seconds=10] [--broker=embedded|mosquitto]
 *
 * With `--broker=mosquitto` the hub runs on a Mosquitto of its own (HEARTH_MQTT_URL) and the publisher speaks
 * to that Mosquitto: the same path with an external broker in it.
 *
 * Prints a JSON summary as its last line (run.ts puts it in docs/benchmarks.md).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { EntityDto, ServerMessage } from '@hearth/api-types';
import { WebSocket } from 'ws';
import { BenchClient, encodeConnect, encodePublish, HOST, PacketRun } from './mqtt-client.js';
import { ADMIN, addAdmin, waitFor } from './bench-admin.js';
import { mosquittoTarget, startHub } from './targets.js';


export interface EntitiesResult {
  entities: number;
  rate: number;
  sent: number;
  pushed: number;
  stored: number;
  achievedRate: number;
  p50: number;
  p99: number;
  max: number;
}

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

export type BenchBroker = 'embedded' | 'mosquitto';

export async function runEntitiesBench({ entities = 1000, rate = 10_000, seconds = 10, broker = 'embedded' as BenchBroker } = {}): Promise<EntitiesResult> {
  const mosquitto = broker === 'mosquitto' ? await mosquittoTarget().start() : undefined;
  const hub = await startHub({ HEARTH_MQTT_ANONYMOUS: 'true', ...(mosquitto ? { HEARTH_MQTT_URL: `mqtt://${HOST}:${mosquitto.port}` } : {}) }, addAdmin).catch(async (error: unknown) => {
    await mosquitto?.stop();
    throw error;
  });
  try {
    const http = `http://${HOST}:${hub.httpPort}`;
    const login = await fetch(`${http}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const { token } = (await login.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}` };

    const client = await BenchClient.open(mosquitto?.port ?? hub.port, encodeConnect('bench-entities'));
    const configs = Array.from({ length: entities }, (_, i) =>
      encodePublish(`homeassistant/sensor/bench${i}/config`, Buffer.from(JSON.stringify({ name: `Bench ${i}`, unique_id: `bench-${i}`, state_topic: `bench/${i}/state` })), 1, true, i + 1),
    );
    await client.send(Buffer.concat(configs));
    await waitFor('the entities', async () => {
      const list = (await (await fetch(`${http}/api/entities`, { headers })).json()) as EntityDto[];
      return list.filter((e) => e.uniqueId.startsWith('bench-')).length === entities ? true : undefined;
    }, 60_000);

    // Payload = sequence number: unique, so every message is a state change, and it names its send time.
    const total = rate * seconds;
    const run = new PacketRun(Array.from({ length: total }, (_, seq) => encodePublish(`bench/${seq % entities}/state`, Buffer.from(String(seq)))));
    const sentAt = new Float64Array(total);
    const latency = new Float64Array(total);
    let pushed = 0;

    const socket = new WebSocket(`ws://${HOST}:${hub.httpPort}/ws`, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'snapshot') return resolve();
        if (message.type !== 'state' || !message.entity.uniqueId.startsWith('bench-')) return;
        const seq = message.entity.state as number;
        latency[seq] = performance.now() - sentAt[seq];
        pushed++;
      });
    });

    // Paced: every millisecond, the messages due by then, as one write (a timer, not a busy loop, so the
    // client leaves the CPU to the hub).
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      if (due > sent) {
        const now = performance.now();
        for (let seq = sent; seq < due; seq++) sentAt[seq] = now;
        await client.send(run.slice(sent, due));
        sent = due;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const sendSeconds = (performance.now() - start) / 1000;
    await waitFor('every push', () => (pushed >= total ? true : undefined), 30_000).catch(() => undefined);

    const db = new Database(join(hub.dataDir, 'hearth.db'), { readonly: true });
    const stored = await waitFor(
      'the history',
      () => {
        const { n } = db.prepare(`SELECT count(*) AS n FROM state_history WHERE entity_id IN (SELECT id FROM entity WHERE unique_id LIKE 'bench-%')`).get() as { n: number };
        return n >= total ? n : undefined;
      },
      30_000,
    ).catch(() => (db.prepare(`SELECT count(*) AS n FROM state_history`).get() as { n: number }).n);
    db.close();
    socket.close();
    client.close();

    const sorted = latency.slice(0, total).filter((value) => value > 0).sort();
    return {
      entities,
      rate,
      sent: total,
      pushed,
      stored,
      achievedRate: Math.round(total / sendSeconds),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1],
    };
  } finally {
    await hub.stop();
    await mosquitto?.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { entities: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, broker: { type: 'string' } } });
  const result = await runEntitiesBench({
    entities: Number(values.entities ?? 1000),
    rate: Number(values.rate ?? 10_000),
    seconds: Number(values.seconds ?? 10),
    broker: values.broker === 'mosquitto' ? 'mosquitto' : 'embedded',
  });
  console.log(`entities ${result.entities}, ${result.sent} updates at ${result.achievedRate}/s: pushed ${result.pushed}, stored ${result.stored}; PUBLISH -> WebSocket p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(1)} ms`);
  console.log(JSON.stringify(result));
}
