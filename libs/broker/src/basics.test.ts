import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useBroker } from './testing/broker-server.js';
import { connectClient } from './testing/mqttjs.js';

describe.each([4, 5] as const)('with MQTT.js over MQTT %s', (protocolVersion) => {
  const server = useBroker();
  const connect = (options = {}) => connectClient(server.url, { protocolVersion, ...options });

  it.each([0, 1, 2] as const)('round-trips a QoS %i message', async (qos) => {
    const sub = await connect();
    await sub.subscribeAsync(`basics/${protocolVersion}/${qos}`, { qos });
    const pub = await connect();
    await pub.publishAsync(`basics/${protocolVersion}/${qos}`, `hello ${qos}`, { qos });
    const [message] = await sub.inbox.waitFor(1);
    expect(message).toMatchObject({ topic: `basics/${protocolVersion}/${qos}`, payload: `hello ${qos}`, packet: { qos, retain: false } });
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it('delivers a retained message to a later subscriber, and forgets it once cleared', async () => {
    const pub = await connect();
    await pub.publishAsync(`retained/${protocolVersion}/light`, 'ON', { qos: 1, retain: true });
    const late = await connect();
    await late.subscribeAsync(`retained/${protocolVersion}/+`, { qos: 1 });
    const [message] = await late.inbox.waitFor(1);
    expect(message).toMatchObject({ topic: `retained/${protocolVersion}/light`, payload: 'ON', packet: { retain: true, qos: 1 } });
    await pub.publishAsync(`retained/${protocolVersion}/light`, '', { qos: 1, retain: true });
    const later = await connect();
    await later.subscribeAsync(`retained/${protocolVersion}/+`);
    await pub.publishAsync(`retained/${protocolVersion}/probe`, 'x');
    expect((await later.inbox.waitFor(1)).map((m) => m.topic)).toEqual([`retained/${protocolVersion}/probe`]);
    await Promise.all([pub.endAsync(), late.endAsync(), later.endAsync()]);
  });

  it('publishes the will when a client vanishes without DISCONNECT, not after a clean one', async () => {
    const watcher = await connect();
    await watcher.subscribeAsync(`will/${protocolVersion}/#`, { qos: 1 });
    const polite = await connect({ will: { topic: `will/${protocolVersion}/polite`, payload: Buffer.from('gone'), qos: 1, retain: false } });
    await polite.endAsync();
    const plug = await connect({ will: { topic: `will/${protocolVersion}/plug`, payload: Buffer.from('offline'), qos: 1, retain: false } });
    (plug.stream as Socket).destroy();
    const [will] = await watcher.inbox.waitFor(1);
    expect(will).toMatchObject({ topic: `will/${protocolVersion}/plug`, payload: 'offline' });
    await watcher.publishAsync(`will/${protocolVersion}/marker`, 'm', { qos: 1 });
    expect((await watcher.inbox.waitFor(2)).map((m) => m.topic)).toEqual([`will/${protocolVersion}/plug`, `will/${protocolVersion}/marker`]);
    plug.end(true);
    await watcher.endAsync();
  });
});
