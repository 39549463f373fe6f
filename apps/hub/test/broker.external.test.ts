import type { BrokerLinkDto, EntityDto, EntityHistoryDto, ServerMessage } from '@hearth/api-types';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ReturnCode, type SnMessage } from '@hearth/mqtt-sn';
import { connectCollecting } from './support/mqtt-client.js';
import { SnUdpClient } from './support/mqtt-sn.js';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import { useTestParts } from './support/cleanups.js';
import { removeDataDir, startTestHub, tempDataDir, type TestHub } from './support/test-hub.js';

// The hub on an external broker (HEARTH_MQTT_URL): Debian's Mosquitto, started here on loopback ports.

const LAMP = {
  topic: 'homeassistant/light/porch_lamp/config',
  config: { name: 'Porch Lamp', unique_id: 'porch-lamp', state_topic: 'porch/lamp/state', command_topic: 'porch/lamp/set', device: { identifiers: ['porch-lamp'], name: 'Porch Lamp' } },
};
const THERMOMETER = {
  topic: 'homeassistant/sensor/shed_temperature/config',
  config: { name: 'Shed Temperature', unique_id: 'shed-temperature', state_topic: 'shed/temperature', unit_of_measurement: '°C', state_class: 'measurement', device_class: 'temperature' },
};

interface Health {
  status: string;
  broker: { status: string; link: BrokerLinkDto; clients?: number };
  mqttSn: { status: string };
}

describe('the hub on an external MQTT broker', () => {
  const parts = useTestParts();
  const { undo } = parts;
  const mosquitto = () => parts.mosquitto();
  const hubOn = (urls: string, dataDir?: string): Promise<TestHub> => parts.hub({ HEARTH_MQTT_URL: urls, HEARTH_MQTT_URL_CLIENT_ID: 'hearth-test' }, dataDir);
  const device = parts.client;
  const health = async (hub: TestHub): Promise<Health> => (await hub.api('/api/health')).json() as Promise<Health>;
  const entity = async (hub: TestHub, id: string): Promise<EntityDto | undefined> => {
    const response = await hub.api(`/api/entities/${id}`);
    return response.ok ? ((await response.json()) as EntityDto) : undefined;
  };

  it('maps what devices publish there (retained before the hub started, and live), and sends commands to them there', async (context) => {
    requirePackage(context, 'mosquitto');
    const broker = await mosquitto();
    const lamp = await device(broker.url);
    await lamp.publishAsync(LAMP.topic, JSON.stringify(LAMP.config), { retain: true, qos: 1 });
    await lamp.publishAsync('porch/lamp/state', 'ON', { retain: true, qos: 1 });

    const hub = await hubOn(broker.url);
    // Its own broker stays off: no MQTT listener of its own.
    expect(hub.mqtt).toBeNull();
    // Devices are told the external broker, and no MQTT listener of the hub's own (MQTT-SN sensors still come to the hub).
    const port = Number(new URL(broker.url).port);
    expect(await (await hub.api('/api/listeners')).json()).toMatchObject({ mqtt: null, websocket: null, mqttSnUdp: hub.mqttSn!.port, externalBroker: { host: '127.0.0.1', port } });
    await expect.poll(() => entity(hub, 'light.porch_lamp'), { timeout: 10_000 }).toMatchObject({ state: 'on' });

    const commands = await connectCollecting(broker.url);
    undo(() => commands.client.endAsync(true));
    await commands.client.subscribeAsync('porch/lamp/set', { qos: 1 });
    expect((await hub.api('/api/entities/light.porch_lamp/command', { body: { on: false } })).status).toBe(202);
    await expect.poll(() => commands.inbox.messages.map((m) => m.payload.toString()), { timeout: 5_000 }).toContain('OFF');

    await lamp.publishAsync('porch/lamp/state', 'OFF', { qos: 1 });
    await expect.poll(() => entity(hub, 'light.porch_lamp'), { timeout: 5_000 }).toMatchObject({ state: 'off' });

    const report = await health(hub);
    expect(report).toMatchObject({ status: 'ok', broker: { status: 'ok', link: { mode: 'external', connected: true, node: broker.url, nodes: [broker.url] } }, mqttSn: { status: 'ok' } });
  });

  it('carries MQTT-SN sensors to it, each with its own rights, checked by the hub', async (context) => {
    requirePackage(context, 'mosquitto');
    const broker = await mosquitto();
    const hub = await hubOn(broker.url);
    const far = await connectCollecting(broker.url);
    undo(() => far.client.endAsync(true));
    await far.client.subscribeAsync('#', { qos: 1 });

    // A sensor on a trusted network: its own topic space (HEARTH_SN_TRUSTED_TOPICS), nothing else.
    const sensor = await SnUdpClient.open(hub.mqttSn!.port);
    undo(() => sensor.close());
    sensor.send({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId: 'bed-3' });
    expect(await sensor.next('connack')).toEqual({ type: 'connack', returnCode: ReturnCode.ACCEPTED });
    const register = async (topicName: string, msgId: number) => {
      sensor.send({ type: 'register', topicId: 0, msgId, topicName });
      return (await sensor.next('regack')).topicId;
    };
    const publish = (topicId: number, payload: string, msgId: number): SnMessage => ({ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId }, msgId, payload: Buffer.from(payload) });
    const own = await register('garden/bed-3/moisture', 1);
    sensor.send(publish(own, '41', 2));
    expect(await sensor.next('puback')).toMatchObject({ msgId: 2, returnCode: ReturnCode.ACCEPTED });
    await expect.poll(() => far.inbox.messages.map((m) => `${m.topic}=${m.payload.toString()}`)).toContain('garden/bed-3/moisture=41');

    const foreign = await register('garden/bed-4/valve', 3);
    sensor.send(publish(foreign, 'open', 4));
    expect(await sensor.next('puback')).toMatchObject({ msgId: 4, returnCode: ReturnCode.CONGESTION });
    sensor.send({ type: 'subscribe', dup: false, qos: 1, msgId: 5, topic: { topicIdType: 'normal', topicName: '#' } });
    expect(await sensor.next('suback')).toMatchObject({ msgId: 5, returnCode: ReturnCode.NOT_SUPPORTED });

    sensor.send({ type: 'subscribe', dup: false, qos: 1, msgId: 6, topic: { topicIdType: 'normal', topicName: 'garden/bed-3/set' } });
    expect(await sensor.next('suback')).toMatchObject({ msgId: 6, returnCode: ReturnCode.ACCEPTED });
    await far.client.publishAsync('garden/bed-3/set', 'water', { qos: 1 });
    expect((await sensor.next('publish')).payload.toString()).toBe('water');
    expect(far.inbox.messages.some((m) => m.topic === 'garden/bed-4/valve')).toBe(false);
  });

  it('refuses a command while the broker is gone, says so in /api/health, and picks up where it was when it is back', async (context) => {
    requirePackage(context, 'mosquitto');
    const broker = await mosquitto();
    const hub = await hubOn(broker.url);
    const lamp = await device(broker.url, { reconnectPeriod: 100 });
    await lamp.publishAsync(LAMP.topic, JSON.stringify(LAMP.config), { retain: true, qos: 1 });
    await expect.poll(() => entity(hub, 'light.porch_lamp'), { timeout: 10_000 }).toBeDefined();

    // The dashboard is told at once, over its WebSocket.
    const pushed: BrokerLinkDto[] = [];
    const socket = new WebSocket(`${hub.httpUrl.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${await hub.adminToken()}` } });
    undo(() => socket.close());
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === 'broker') pushed.push(message.link);
    });
    await expect.poll(() => pushed.map((link) => link.connected)).toEqual([true]);

    await broker.stop();
    await expect.poll(async () => (await health(hub)).broker, { timeout: 10_000 }).toMatchObject({ status: 'degraded', link: { connected: false } });
    await expect.poll(() => pushed.map((link) => link.connected)).toEqual([true, false]);
    // The dashboard and the rest of the API still serve.
    expect((await health(hub)).status).toBe('ok');
    const refused = await hub.api('/api/entities/light.porch_lamp/command', { body: { on: true } });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toMatch(/no link to the MQTT broker/);

    await broker.restart();
    await expect.poll(async () => (await health(hub)).broker.link.connected, { timeout: 15_000 }).toBe(true);
    await expect.poll(() => pushed.map((link) => link.connected)).toEqual([true, false, true]);
    await expect.poll(() => lamp.connected, { timeout: 5_000 }).toBe(true);
    await lamp.publishAsync('porch/lamp/state', 'ON', { qos: 1 });
    await expect.poll(() => entity(hub, 'light.porch_lamp'), { timeout: 5_000 }).toMatchObject({ state: 'on' });
    expect(hub.logs.some((line) => line.msg === 'lost the MQTT broker; trying its nodes in turn')).toBe(true);
  });

  it('fails over to the next node when the one it is on goes away', async (context) => {
    requirePackage(context, 'mosquitto');
    const [first, second] = [await mosquitto(), await mosquitto()];
    const hub = await hubOn(`${first.url},${second.url}`);
    await expect.poll(async () => (await health(hub)).broker.link, { timeout: 10_000 }).toMatchObject({ connected: true, node: first.url });

    await first.stop('SIGKILL');
    await expect.poll(async () => (await health(hub)).broker.link, { timeout: 10_000 }).toMatchObject({ connected: true, node: second.url });
    const sensor = await device(second.url);
    await sensor.publishAsync(THERMOMETER.topic, JSON.stringify(THERMOMETER.config), { retain: true, qos: 1 });
    await sensor.publishAsync('shed/temperature', '11.5', { qos: 1 });
    await expect.poll(() => entity(hub, 'sensor.shed_temperature'), { timeout: 10_000 }).toMatchObject({ state: 11.5 });
  });

  it('keeps its session while it is stopped: readings sent meanwhile at QoS 1 arrive when it starts again', async (context) => {
    requirePackage(context, 'mosquitto');
    const broker = await mosquitto();
    const dataDir = tempDataDir();
    const first = await startTestHub({ HEARTH_MQTT_URL: broker.url, HEARTH_MQTT_URL_CLIENT_ID: 'hearth-test' }, dataDir);
    undo(() => removeDataDir(dataDir));
    const sensor = await device(broker.url);
    await sensor.publishAsync(THERMOMETER.topic, JSON.stringify(THERMOMETER.config), { retain: true, qos: 1 });
    await sensor.publishAsync('shed/temperature', '9', { qos: 1 });
    await expect.poll(() => entity(first, 'sensor.shed_temperature'), { timeout: 10_000 }).toMatchObject({ state: 9 });
    await first.close();

    // Not retained: only the hub's persistent session on the broker keeps these for it.
    for (const reading of ['9.5', '10', '10.5']) await sensor.publishAsync('shed/temperature', reading, { qos: 1 });
    const second = await hubOn(broker.url, dataDir);
    await expect.poll(() => entity(second, 'sensor.shed_temperature'), { timeout: 10_000 }).toMatchObject({ state: 10.5 });
    const history = (await (await second.api('/api/history/sensor.shed_temperature')).json()) as EntityHistoryDto;
    expect(history.points.map((point) => point.state)).toEqual([9, 9.5, 10, 10.5]);
  });
});
