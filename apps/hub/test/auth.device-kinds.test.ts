import { Buffer } from 'node:buffer';
import type { FixtureMessage } from '@hearth/entities/fixtures/message';
import * as esphome from '@hearth/entities/fixtures/esphome';
import * as homie from '@hearth/entities/fixtures/homie';
import * as shelly from '@hearth/entities/fixtures/shelly';
import * as tasmota from '@hearth/entities/fixtures/tasmota';
import * as zigbee2mqtt from '@hearth/entities/fixtures/zigbee2mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedDeviceCredential } from '../src/auth/accounts.js';
import { hearth } from './support/hearth-cli.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, TEST_ADMIN, type TestHub } from './support/test-hub.js';

/** The granted QoS, or the failure code (128 MQTT 3.1.1, 135 MQTT 5) of one subscription. */
const grant = (client: MqttClient, filter: string): Promise<number> =>
  client.subscribeAsync(filter).then(
    (granted) => granted[0].qos,
    (error: { packet?: { granted: number[] } }) => error.packet!.granted[0],
  );

interface Session {
  subscriptions: string[];
  publishes: FixtureMessage[];
}

/**
 * Each firmware's captured traffic (libs/entities/src/fixtures), replayed by a real MQTT 3.1.1 client signed in
 * with a credential of that kind: MQTT 3.1.1 cannot refuse a publish but by closing the connection, so one
 * publish outside the rules would end the session.
 */
const firmwares: Array<{ name: string; body: Record<string, unknown>; clientId?: string; will: [string, string]; session: Session; command: { topic: string; payload: string } }> = [
  {
    name: 'trailer',
    body: { kind: 'tasmota', topic: 'huzzah_1' },
    clientId: 'DVES_139827',
    will: ['tele/huzzah_1/LWT', 'Offline'],
    session: (() => {
      const session = tasmota.tasmotaSession('huzzah_1', 'DVES_139827');
      return { subscriptions: [...session.subscriptions, 'homeassistant/status'], publishes: [...session.publishes, tasmota.nativePlugConfig, tasmota.nativePlugSensors] };
    })(),
    command: { topic: 'cmnd/huzzah_1/POWER', payload: 'ON' },
  },
  { name: 'livingroom', body: { kind: 'esphome' }, will: ['livingroom/status', 'offline'], session: esphome.livingroomSession, command: { topic: 'livingroom/light/ceiling_light/command', payload: '{"state":"ON"}' } },
  { name: 'plug-s', body: { kind: 'shelly', topic: shelly.gen1PlugId }, will: [`shellies/${shelly.gen1PlugId}/online`, 'false'], session: shelly.gen1Plug, command: { topic: `shellies/${shelly.gen1PlugId}/relay/0/command`, payload: 'on' } },
  {
    name: 'plus-plug',
    body: { kind: 'shelly', topic: shelly.gen2Prefix },
    will: [`${shelly.gen2Prefix}/online`, 'false'],
    session: shelly.gen2Plug,
    command: { topic: `${shelly.gen2Prefix}/rpc`, payload: '{"id":1,"src":"shellyplusplugs-e86beae0c6d8/hearth","method":"Switch.Set","params":{"id":0,"on":true}}' },
  },
  { name: 'zigbee', body: { kind: 'zigbee2mqtt', topic: 'zigbee2mqtt' }, will: ['zigbee2mqtt/bridge/state', '{"state":"offline"}'], session: zigbee2mqtt.bridgeSession, command: { topic: 'zigbee2mqtt/bulb/set', payload: '{"state":"ON"}' } },
  {
    name: 'super-car',
    body: { kind: 'homie' },
    will: ['homie/super-car/$state', 'lost'],
    session: { subscriptions: homie.superCarSubscriptions, publishes: [...homie.superCar, homie.superCarTemperature] },
    command: { topic: 'homie/super-car/engine/temperature/set', payload: '20' },
  },
];

describe('device credentials by firmware kind', () => {
  let hub: TestHub;
  const issued = new Map<string, IssuedDeviceCredential>();
  const as = (name: string, extra: IClientOptions = {}): IClientOptions => ({ username: name, password: issued.get(name)!.password, ...extra });

  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false' });
    for (const firmware of firmwares) {
      const response = await hub.api('/api/device-credentials', { method: 'POST', body: { name: firmware.name, ...firmware.body } });
      expect(response.status, firmware.name).toBe(201);
      issued.set(firmware.name, (await response.json()) as IssuedDeviceCredential);
    }
  });
  afterAll(async () => {
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it('creates credentials with the kind and the device topic (default: the name)', () => {
    expect(issued.get('trailer')).toMatchObject({ kind: 'tasmota', topic: 'huzzah_1', topicPrefix: null });
    expect(issued.get('livingroom')).toMatchObject({ kind: 'esphome', topic: 'livingroom' });
    expect(issued.get('super-car')).toMatchObject({ kind: 'homie', topic: 'super-car' });
  });

  it.each(firmwares.map((firmware) => [firmware.body.kind as string, firmware] as const))(
    'lets %s firmware publish and subscribe exactly as it does, and receive its commands',
    async (_kind, firmware) => {
      const admin = await connectClient(hub.mqttUrl, { ...TEST_ADMIN });
      const seen = collect(admin);
      await admin.subscribeAsync('#');
      // With its will (its availability topic): a will outside the rules would refuse the CONNECT.
      const [willTopic, willPayload] = firmware.will;
      const device = await connectClient(hub.mqttUrl, as(firmware.name, { clientId: firmware.clientId ?? `${firmware.name}-client`, will: { topic: willTopic, payload: Buffer.from(willPayload), qos: 1, retain: true } }));
      const inbox = collect(device);
      let closed = false;
      device.once('close', () => (closed = true));
      for (const filter of firmware.session.subscriptions) expect(await grant(device, filter), filter).toBe(0);
      for (const { topic, payload } of firmware.session.publishes) await device.publishAsync(topic, payload, { qos: 1, retain: topic.includes('/config') });
      expect(closed).toBe(false);
      await expect.poll(() => seen.messages.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(firmware.session.publishes.length);
      expect(seen.messages.map((m) => m.topic)).toEqual(expect.arrayContaining(firmware.session.publishes.map((m) => m.topic)));
      await admin.publishAsync(firmware.command.topic, firmware.command.payload, { qos: 1 });
      await expect.poll(() => inbox.messages.map((m) => m.topic), { timeout: 10_000 }).toContain(firmware.command.topic);
      // Gone without a DISCONNECT: the will goes out.
      device.stream.destroy();
      await expect.poll(() => seen.messages.some((m) => m.topic === willTopic && m.payload.toString() === willPayload), { timeout: 10_000 }).toBe(true);
      await admin.endAsync();
    },
  );

  it('lets a Shelly Plus plug appear by its profile and take a JSON-RPC command whose reply stays in its own topics', async () => {
    const plug = await connectClient(hub.mqttUrl, as('plus-plug'));
    const inbox = collect(plug);
    for (const filter of shelly.gen2Plug.subscriptions) await plug.subscribeAsync(filter);
    await plug.publishAsync(`${shelly.gen2Prefix}/status/switch:0`, shelly.gen2SwitchOn, { qos: 1 });
    const relayOf = async () => ((await (await hub.api('/api/entities')).json()) as Array<{ id: string; kind: string; deviceId: string; state: unknown }>).find((e) => e.deviceId === `shelly-gen2-switch/${shelly.gen2Prefix}` && e.kind === 'switch');
    await expect.poll(async () => (await relayOf())?.state, { timeout: 10_000 }).toBe('on');
    const relay = (await relayOf())!;
    expect((await hub.api(`/api/entities/${relay.id}/command`, { body: { on: false } })).status).toBe(202);
    await expect.poll(() => inbox.messages.map((m) => m.topic), { timeout: 10_000 }).toContain(`${shelly.gen2Prefix}/rpc`);
    const request = JSON.parse(inbox.messages.find((m) => m.topic === `${shelly.gen2Prefix}/rpc`)!.payload.toString()) as { src: string };
    let closed = false;
    plug.once('close', () => (closed = true));
    await plug.publishAsync(`${request.src}/rpc`, JSON.stringify({ id: 1, src: shelly.gen2Prefix, dst: request.src, result: { was_on: true } }), { qos: 1 });
    expect(closed).toBe(false);
    await plug.endAsync();
  });

  it("refuses every kind another device's topics, the discovery of others and #", async () => {
    for (const firmware of firmwares) {
      const device = await connectClient(hub.mqttUrl, as(firmware.name, { protocolVersion: 5 }));
      expect(await grant(device, '#'), firmware.name).toBe(135);
      for (const other of firmwares.filter((candidate) => candidate !== firmware)) {
        const otherTopic = other.session.publishes.find((m) => !m.topic.startsWith('homeassistant/') && !m.topic.startsWith('tasmota/') && m.topic !== 'shellies/announce')!.topic;
        await expect(device.publishAsync(otherTopic, 'x', { qos: 1 }), `${firmware.name} -> ${otherTopic}`).rejects.toThrow(/Not authorized|135/);
        expect(await grant(device, other.command.topic), `${firmware.name} subscribes ${other.command.topic}`).toBe(135);
      }
      await device.endAsync();
    }
  });

  it("takes a discovery message as a device's own only when it points into the device's topics", async () => {
    const trailer = await connectClient(hub.mqttUrl, as('trailer', { protocolVersion: 5 }));
    // Another Tasmota's config (its Topic is not huzzah_1), and a sensors message for a MAC this session never announced.
    await expect(trailer.publishAsync(tasmota.nativeDimmerConfig.topic, tasmota.nativeDimmerConfig.payload, { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await expect(trailer.publishAsync(tasmota.nativeDimmerSensors.topic, tasmota.nativeDimmerSensors.payload, { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    // Zigbee2MQTT announcing an entity whose state lies in ESPHome's topics.
    const zigbee = await connectClient(hub.mqttUrl, as('zigbee', { protocolVersion: 5 }));
    await expect(zigbee.publishAsync('homeassistant/light/0x00124b0000000001/light/config', JSON.stringify({ state_topic: 'livingroom/light/ceiling_light/state', command_topic: 'zigbee2mqtt/x/set' }), { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await expect(zigbee.publishAsync(esphome.rgbLight.topic, '', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    // Subscribed to the whole discovery prefix, it receives its own retained configs and not ESPHome's.
    const inbox = collect(zigbee);
    expect(await grant(zigbee, 'homeassistant/#')).toBe(0);
    await expect.poll(() => inbox.messages.map((m) => m.topic), { timeout: 10_000 }).toContain(zigbee2mqtt.bulb.topic);
    expect(inbox.messages.map((m) => m.topic)).not.toContain(esphome.rgbLight.topic);
    expect(inbox.messages.map((m) => m.topic)).not.toContain(tasmota.nativePlugConfig.topic);
    await Promise.all([trailer.endAsync(), zigbee.endAsync()]);
  });

  it('answers a bad kind or topic with 400 naming the field, and a topic another device owns with 409', async () => {
    const post = async (body: Record<string, unknown>) => {
      const response = await hub.api('/api/device-credentials', { method: 'POST', body });
      return { status: response.status, text: await response.text() };
    };
    expect(await post({ name: 'x1', kind: 'sonoff' })).toMatchObject({ status: 400, text: expect.stringContaining('kind must be one of tasmota, esphome, shelly, zigbee2mqtt, homie, generic') });
    expect(await post({ name: 'x2', kind: 'tasmota', topic: 'a/b' })).toMatchObject({ status: 400, text: expect.stringContaining('topic') });
    expect(await post({ name: 'x3', kind: 'esphome', topic: 'homeassistant' })).toMatchObject({ status: 400, text: expect.stringContaining('topic') });
    expect(await post({ name: 'x4', kind: 'zigbee2mqtt', topic: 'z/#' })).toMatchObject({ status: 400, text: expect.stringContaining('topic') });
    expect(await post({ name: 'x5', kind: 'homie', topicPrefix: 'homie/x5' })).toMatchObject({ status: 400, text: expect.stringContaining('topicPrefix') });
    expect(await post({ name: 'x6', kind: 'tasmota', topic: 'huzzah_1' })).toMatchObject({ status: 409, text: expect.stringContaining('trailer') });
    expect(await post({ name: 'x7', topicPrefix: 'zigbee2mqtt/x7' })).toMatchObject({ status: 409, text: expect.stringContaining('zigbee') });
  });

  it('exports each kind\'s rules to the Mosquitto ACL file', async () => {
    const { aclFile } = (await (await hub.api('/api/device-credentials/export')).json()) as { aclFile: string };
    expect(aclFile.match(/pattern read cmnd\/%c_fb\/#/g)).toHaveLength(1);
    const trailer = aclFile.slice(aclFile.indexOf('user trailer'), aclFile.indexOf('\n\n', aclFile.indexOf('user trailer')) + 1 || undefined);
    expect(trailer).toContain('topic write tele/huzzah_1/#');
    expect(trailer).toContain('topic readwrite cmnd/huzzah_1/#');
    expect(trailer).toContain('topic read cmnd/tasmotas/#');
    expect(aclFile).toContain(`topic readwrite shellies/${shelly.gen1PlugId}/#`);
    expect(aclFile).toContain('topic readwrite homie/super-car/#');
    expect(aclFile).toContain('topic readwrite zigbee2mqtt/#');
  });

  it('hearth device add takes --kind and --topic', async () => {
    const added = await hearth(['device', 'add', 'porch-plug', '--kind', 'shelly', '--topic', 'shellyplug-s-0A0B0C'], hub.dataDir);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ username: 'porch-plug', kind: 'shelly', topic: 'shellyplug-s-0A0B0C', topicPrefix: null });
    const refused = await hearth(['device', 'add', 'porch-2', '--kind', 'lamp'], hub.dataDir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('kind must be one of');
  }, 60_000);
});
