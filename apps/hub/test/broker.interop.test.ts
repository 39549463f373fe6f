import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { programOf, requirePackage } from '@hearth/broker/testing/system-packages';
import { describe, expect, it } from 'vitest';
import { BrokerService } from '../src/broker/broker.service.js';
import { mosquittoSub } from './support/mosquitto-sub.js';
import { useTestHub } from './support/test-hub.js';

const run = promisify(execFile);
const PAHO_CHECK = createRequire(import.meta.url).resolve('@hearth/broker/testing/paho_check.py');

describe('interop with third-party clients', () => {
  const hub = useTestHub();

  it.for(['mqttv31', 'mqttv311', 'mqttv5'])('mosquitto_pub and mosquitto_sub round-trip QoS 0, 1 and 2 over %s', async (version, context) => {
    requirePackage(context, 'mosquitto-clients');
    const sub = mosquittoSub(hub, `mosq/${version}`, ['-V', version, '-q', '2'], 3);
    await sub.ready;
    for (const qos of [0, 1, 2]) {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(hub.mqtt!.port), '-V', version, '-q', String(qos), '-t', `mosq/${version}/q${qos}`, '-m', `payload ${qos}`]);
    }
    expect(await sub.lines).toEqual([0, 1, 2].map((qos) => `mosq/${version}/q${qos} payload ${qos}`));
  });

  it('mosquitto_sub receives a retained message published earlier by mosquitto_pub', async (context) => {
    requirePackage(context, 'mosquitto-clients');
    const port = String(hub.mqtt!.port);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-r', '-t', 'mosq/retained', '-m', 'kept']);
    const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', 'mosq/retained', '-C', '1', '-W', '5', '-v']);
    expect(stdout.trim()).toBe('mosq/retained kept');
  });

  it.for(['31', '311'])('Eclipse Paho (MQTT %s) round-trips QoS 0/1/2 and sees a will', async (protocol, context) => {
    requirePackage(context, 'python3-paho-mqtt');
    const { stdout } = await run(programOf('python3-paho-mqtt', 'python3'), [PAHO_CHECK, String(hub.mqtt!.port), protocol], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual([
      { topic: `paho/${protocol}/qos0`, payload: 'paho 0', qos: 0 },
      { topic: `paho/${protocol}/qos1`, payload: 'paho 1', qos: 1 },
      { topic: `paho/${protocol}/qos2`, payload: 'paho 2', qos: 2 },
      { topic: `paho/${protocol}/will`, payload: 'gone', qos: 1 },
    ]);
  });
});
