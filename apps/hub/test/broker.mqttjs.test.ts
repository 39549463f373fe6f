import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collect, connectClient, connectCollecting } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, useTestHub } from './support/test-hub.js';

describe('embedded broker with MQTT.js', () => {
  const hub = useTestHub();

  it.each([0, 1, 2] as const)('round-trips a QoS %i message', async (qos) => {
    const sub = await connectClient(hub.mqttUrl);
    const inbox = collect(sub);
    await sub.subscribeAsync(`roundtrip/${qos}`, { qos });
    const pub = await connectClient(hub.mqttUrl);
    await pub.publishAsync(`roundtrip/${qos}`, `hello ${qos}`, { qos });
    const [message] = await inbox.waitFor(1);
    expect(message.payload).toBe(`hello ${qos}`);
    expect(message.packet.qos).toBe(qos);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it('delivers a retained message to a late subscriber, and forgets it when cleared', async () => {
    const pub = await connectClient(hub.mqttUrl);
    await pub.publishAsync('house/kitchen/light', 'ON', { qos: 1, retain: true });
    const late = await connectClient(hub.mqttUrl);
    const inbox = collect(late);
    await late.subscribeAsync('house/+/light', { qos: 1 });
    const [message] = await inbox.waitFor(1);
    expect(message).toMatchObject({ topic: 'house/kitchen/light', payload: 'ON' });
    expect(message.packet.retain).toBe(true);

    await pub.publishAsync('house/kitchen/light', '', { qos: 1, retain: true });
    const later = await connectClient(hub.mqttUrl);
    const none = collect(later);
    await later.subscribeAsync('house/+/light');
    await pub.publishAsync('house/probe/light', 'x');
    const [first] = await none.waitFor(1);
    expect(first.topic).toBe('house/probe/light');
    await Promise.all([pub.endAsync(), late.endAsync(), later.endAsync()]);
  });

  it('publishes the will when a client vanishes without DISCONNECT', async () => {
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/plug1/status', { qos: 1 });
    const plug = await connectClient(hub.mqttUrl, {
      clientId: 'plug1',
      will: { topic: 'devices/plug1/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    (plug.stream as Socket).destroy();
    const [will] = await inbox.waitFor(1);
    expect(will).toMatchObject({ topic: 'devices/plug1/status', payload: 'offline' });
    plug.end(true);
    await watcher.endAsync();
  });

  it('does not publish the will after a clean DISCONNECT', async () => {
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('devices/plug2/#', { qos: 1 });
    const plug = await connectClient(hub.mqttUrl, { will: { topic: 'devices/plug2/status', payload: Buffer.from('offline'), qos: 1, retain: false } });
    await plug.endAsync();
    await watcher.publishAsync('devices/plug2/marker', 'after', { qos: 1 });
    const [first] = await inbox.waitFor(1);
    expect(first.topic).toBe('devices/plug2/marker');
    await watcher.endAsync();
  });

  it('carries MQTT 5 user properties and drops a message whose expiry passed while queued', async () => {
    const options = { protocolVersion: 5 as const, clean: false, clientId: 'v5-sub', properties: { sessionExpiryInterval: 300 } };
    const sub = await connectClient(hub.mqttUrl, options);
    await sub.subscribeAsync('v5/#', { qos: 1 });
    await sub.endAsync();

    const pub = await connectClient(hub.mqttUrl, { protocolVersion: 5 });
    await pub.publishAsync('v5/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('v5/props', 'kept', { qos: 1, properties: { userProperties: { room: 'kitchen' }, messageExpiryInterval: 600 } });
    await new Promise((resolve) => setTimeout(resolve, 2100));

    const { client: back, inbox } = await connectCollecting(hub.mqttUrl, { ...options, clean: false });
    const [message] = await inbox.waitFor(1);
    expect(message.topic).toBe('v5/props');
    expect(message.packet.properties?.userProperties).toEqual({ room: 'kitchen' });
    expect(message.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(598);
    await back.publishAsync('v5/marker', 'm', { qos: 1 });
    await inbox.waitFor(2);
    expect(inbox.messages.map((m) => m.topic)).toEqual(['v5/props', 'v5/marker']);
    await Promise.all([pub.endAsync(), back.endAsync()]);
  });

  it('speaks MQTT over WebSocket at /mqtt on the HTTP port', async () => {
    const ws = await connectClient(`ws://127.0.0.1:${hub.http!.port}/mqtt`);
    const inbox = collect(ws);
    await ws.subscribeAsync('ws/test', { qos: 1 });
    const tcp = await connectClient(hub.mqttUrl);
    await tcp.publishAsync('ws/test', 'over websocket', { qos: 1 });
    expect((await inbox.waitFor(1))[0].payload).toBe('over websocket');
    await Promise.all([ws.endAsync(), tcp.endAsync()]);
  });

  it('lets hub modules publish and subscribe in-process, without a network client', async () => {
    const { MqttBus } = await import('../src/broker/mqtt-bus.js');
    const bus = hub.app.get(MqttBus);
    const seen: string[] = [];
    const unsubscribe = await bus.subscribe('inproc/#', (message) => seen.push(`${message.topic}=${message.payload}`));
    const client = await connectClient(hub.mqttUrl);
    const inbox = collect(client);
    await client.subscribeAsync('inproc/to-client');
    await bus.publish('inproc/to-client', 'from hub', { qos: 1 });
    expect((await inbox.waitFor(1))[0].payload).toBe('from hub');
    await client.publishAsync('inproc/from-client', 'to hub', { qos: 1 });
    await expect.poll(() => seen).toContain('inproc/from-client=to hub');
    await unsubscribe();
    await client.endAsync();
  });
});

describe('in-process MQTT sessions', () => {
  it('lets a hub part act as a full MQTT client with its own id and will, through connectInProcess()', async () => {
    const hub = await startTestHub();
    const { BrokerService } = await import('../src/broker/broker.service.js');
    const broker = hub.app.get(BrokerService);
    const watcher = await connectClient(hub.mqttUrl);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('sn/#', { qos: 1 });

    const stream = broker.connectInProcess();
    const { MqttClient } = await import('mqtt');
    const sensor = new MqttClient(() => stream, { clientId: 'sn-sensor-1', reconnectPeriod: 0, will: { topic: 'sn/sensor-1/status', payload: Buffer.from('lost'), qos: 1, retain: false } });
    await new Promise<void>((resolve) => sensor.once('connect', () => resolve()));
    await sensor.publishAsync('sn/sensor-1/moisture', '41', { qos: 1 });
    stream.destroy(); // the sensor vanishes: its will must be published
    await inbox.waitFor(2);
    expect(inbox.messages.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['sn/sensor-1/moisture=41', 'sn/sensor-1/status=lost']);
    sensor.end(true);
    await watcher.endAsync();
    await hub.close();
    removeDataDir(hub.dataDir);
  });
});
