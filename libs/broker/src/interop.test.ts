import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useBroker } from './testing/broker-server.js';
import { programOf, requirePackage } from './testing/system-packages.js';
import { FakeClock } from '@hearth/fake-clock';
import { until } from './testing/until.js';

const run = promisify(execFile);
const PAHO_CHECK = fileURLToPath(new URL('./testing/paho_check.py', import.meta.url));

/** Filters the broker has been asked to subscribe to, so a test knows when a subscriber is ready. */
class Subscriptions {
  private readonly seen = new Set<string>();
  readonly hook = (_client: unknown, filter: string): boolean => {
    this.seen.add(filter);
    return true;
  };

  /** Resolves once a SUBSCRIBE to `filter` was handled (the hook runs as the subscription is added). */
  async made(filter: string): Promise<void> {
    await until(() => this.seen.has(filter), `a subscription to ${filter}`, 10_000);
    this.seen.delete(filter);
  }
}

/**
 * Runs mosquitto_sub until it printed `count` messages; `ready` resolves once the broker holds its
 * subscription to `filter` (its piped stdout is block-buffered, so it cannot tell by itself).
 */
function mosquittoSub(subscriptions: Subscriptions, port: number, filter: string, args: string[], count: number) {
  const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-C', String(count), '-W', '10', '-t', filter, ...args]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const lines = new Promise<string[]>((resolve, reject) =>
    // 'close', not 'exit': only then has all of its output been read
    child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`mosquitto_sub exited ${code}: ${out}`)))),
  );
  return { ready: subscriptions.made(filter), lines };
}

describe('mosquitto_pub and mosquitto_sub', () => {
  const clock = new FakeClock();
  const subscriptions = new Subscriptions();
  const server = useBroker({ clock, hooks: { authorizeSubscribe: subscriptions.hook } });
  const pub = (args: string[]) => run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(server.port), ...args]);

  it.for(['mqttv31', 'mqttv311', 'mqttv5'])('round-trip QoS 0, 1 and 2 over %s', async (version, context) => {
    requirePackage(context, 'mosquitto-clients');
    const sub = mosquittoSub(subscriptions, server.port, `mosq/${version}/#`, ['-V', version, '-q', '2', '-v'], 3);
    await sub.ready;
    for (const qos of [0, 1, 2]) await pub(['-V', version, '-q', String(qos), '-t', `mosq/${version}/q${qos}`, '-m', `payload ${qos}`]);
    expect(await sub.lines).toEqual([0, 1, 2].map((qos) => `mosq/${version}/q${qos} payload ${qos}`));
  });

  it('hand a retained message published earlier to a later mosquitto_sub', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    await pub(['-q', '1', '-r', '-t', 'mosq/retained', '-m', 'kept']);
    const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(server.port), '-t', 'mosq/retained', '-C', '1', '-W', '5', '-F', '%t %p %r']);
    expect(stdout.trim()).toBe('mosq/retained kept 1');
  });

  it('[MQTT-3.3.2-4] [MQTT-3.3.2-6] [MQTT-3.3.2-15] [MQTT-3.3.2-17] [MQTT-3.3.2-20] carry MQTT 5 properties from mosquitto_pub to mosquitto_sub', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    const sub = mosquittoSub(subscriptions, server.port, 'mosq/props', ['-V', 'mqttv5', '-F', '%t|%p|%C|%R|%E|%F|%P'], 1);
    await sub.ready;
    await pub([
      '-V', 'mqttv5', '-t', 'mosq/props', '-m', '21.5',
      '-D', 'publish', 'content-type', 'text/plain',
      '-D', 'publish', 'response-topic', 'mosq/replies',
      '-D', 'publish', 'message-expiry-interval', '120',
      '-D', 'publish', 'payload-format-indicator', '1',
      '-D', 'publish', 'user-property', 'room', 'kitchen',
      '-D', 'publish', 'user-property', 'room', 'hall',
    ]);
    expect(await sub.lines).toEqual(['mosq/props|21.5|text/plain|mosq/replies|120|1|room:kitchen room:hall']);
  });

  it('[MQTT-3.1.2-8] publish the will of a mosquitto_sub killed without DISCONNECT', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    const watcher = mosquittoSub(subscriptions, server.port, 'mosq/will', ['-V', 'mqttv5', '-F', '%t %p'], 1);
    await watcher.ready;
    const dying = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(server.port), '-V', 'mqttv5', '-t', 'mosq/other', '--will-topic', 'mosq/will', '--will-payload', 'gone', '--will-qos', '1']);
    await subscriptions.made('mosq/other');
    dying.kill('SIGKILL');
    expect(await watcher.lines).toEqual(['mosq/will gone']);
  });
});

describe('Eclipse Paho (Python)', () => {
  const server = useBroker();

  it.for(['31', '311'])('MQTT %s round-trips QoS 0/1/2 and sees a will', async (version, context) => {
    requirePackage(context, 'python3-paho-mqtt');
    const { stdout } = await run(programOf('python3-paho-mqtt', 'python3'), [PAHO_CHECK, String(server.port), version], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual([
      { topic: `paho/${version}/qos0`, payload: 'paho 0', qos: 0 },
      { topic: `paho/${version}/qos1`, payload: 'paho 1', qos: 1 },
      { topic: `paho/${version}/qos2`, payload: 'paho 2', qos: 2 },
      { topic: `paho/${version}/will`, payload: 'gone', qos: 1 },
    ]);
  });

  it('[MQTT-3.3.4-3] [MQTT-3.3.4-4] [MQTT-3.3.2-16] [MQTT-3.3.2-18] MQTT 5: one copy with both Subscription Identifiers, properties unaltered', async (context) => {
    requirePackage(context, 'python3-paho-mqtt');
    const { stdout } = await run(programOf('python3-paho-mqtt', 'python3'), [PAHO_CHECK, String(server.port), '5'], { timeout: 20_000 });
    const properties = (qos: number) => ({
      UserProperty: [
        ['room', 'kitchen'],
        ['room', 'hall'],
        ['unit', 'C'],
      ],
      ResponseTopic: 'paho/5/replies',
      ContentType: 'text/plain',
      CorrelationData: `0${qos}ff`,
      SubscriptionIdentifier: [1, 2],
    });
    expect(JSON.parse(stdout)).toEqual([
      { topic: 'paho/5/qos0', payload: 'paho 0', qos: 0, ...properties(0) },
      { topic: 'paho/5/qos1', payload: 'paho 1', qos: 1, ...properties(1) },
      { topic: 'paho/5/qos2', payload: 'paho 2', qos: 2, ...properties(2) },
      { topic: 'paho/5/will', payload: 'gone', qos: 1, SubscriptionIdentifier: [1, 2] },
    ]);
  });
});
