import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programOf } from '@hearth/broker/testing/system-packages';
import mqtt from 'mqtt';
import { freePort, waitForListener } from './ports.js';

const HOST = '127.0.0.1';

export interface NatsNode {
  name: string;
  mqttUrl: string;
  /** Ends the node (SIGKILL by default: a node that dies) and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Stops every node and removes their files. */
  remove(): Promise<void>;
}

/**
 * A NATS cluster from Debian's nats-server on loopback ports of its own: JetStream on every node (NATS keeps
 * MQTT sessions and retained messages in it, replicated) and an MQTT listener on each. Resolves once every
 * node takes an MQTT session, i.e. JetStream has its leader.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-test-nats-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), cluster: await freePort(), mqtt: await freePort() })));
  const routes = ports.map((port) => `nats://${HOST}:${port.cluster}`).join(', ');
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const nodes = ports.map((port, i): NatsNode => {
    const name = `n${i + 1}`;
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      [
        `server_name: ${name}`,
        `listen: ${HOST}:${port.client}`,
        `jetstream { store_dir: "${join(dir, name)}" }`,
        `cluster { name: hearth-test, listen: ${HOST}:${port.cluster}, routes: [${routes}] }`,
        // Explicit: left to NATS, the MQTT streams get as many replicas as it sees peers when the first
        // client connects, which on a slow start can be fewer than three, and then a node's death loses them.
        `mqtt { listen: ${HOST}:${port.mqtt}, stream_replicas: ${Math.min(size, 3)} }`,
        '',
      ].join('\n'),
    );
    const child = spawn(programOf('nats-server', 'nats-server'), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    logs[i] = '';
    child.stderr!.on('data', (chunk) => (logs[i] += chunk));
    children.push(child);
    return {
      name,
      mqttUrl: `mqtt://${HOST}:${port.mqtt}`,
      stop: (signal: NodeJS.Signals = 'SIGKILL') =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill(signal);
        }),
    };
  });
  const remove = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((port) => waitForListener(port.mqtt, 15_000)));
    for (const node of nodes) await untilSessionTaken(node.mqttUrl, 30_000);
  } catch (error) {
    await remove();
    throw new Error(`${(error as Error).message}; nats-server said: ${logs.join('\n')}`);
  }
  return { nodes, remove };
}

/** A node answers MQTT only once JetStream is up across the cluster: until then it refuses the session. */
async function untilSessionTaken(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const client = mqtt.connect(url, { clientId: `probe-${Date.now()}`, reconnectPeriod: 0, connectTimeout: 5_000 });
      client.once('connect', () => {
        resolve(true);
        client.end(true);
      });
      client.once('error', () => client.end(true));
      client.once('close', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} took no MQTT session within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
