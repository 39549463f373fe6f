import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { programOf, requirePackage } from '@hearth/broker/testing/system-packages';
import { MqttClient, type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts, type IssuedDeviceCredential } from '../src/auth/accounts.js';
import { BrokerService } from '../src/broker/broker.service.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, TEST_ADMIN, type TestHub } from './support/test-hub.js';

const as = (device: IssuedDeviceCredential, extra: IClientOptions = {}): IClientOptions => ({ username: device.username, password: device.password, ...extra });
/** The granted QoS, or the failure code (128 MQTT 3.1.1, 0x87 = 135 MQTT 5) of one subscription. */
const grant = (client: MqttClient, filter: string): Promise<number> =>
  client.subscribeAsync(filter).then(
    (granted) => granted[0].qos,
    (error: { packet?: { granted: number[] } }) => error.packet!.granted[0],
  );
const refusedMessage = /Not authorized|Bad username or password|closed before CONNACK/;

/** Resolves with the CONNACK error of an in-process session, or 'connected'. */
function inProcess(hub: TestHub, identity: { device: string } | undefined, options: IClientOptions = {}): Promise<{ client: MqttClient; outcome: string }> {
  const stream = hub.app.get(BrokerService).connectInProcess(identity);
  const client = new MqttClient(() => stream, { reconnectPeriod: 0, ...options });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, outcome: 'connected' }));
    client.once('error', (error) => resolve({ client, outcome: error.message }));
  });
}

describe('MQTT with production defaults (anonymous off)', () => {
  let hub: TestHub;
  let plug: IssuedDeviceCredential;
  let lamp: IssuedDeviceCredential;
  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false' });
    const accounts = hub.app.get(Accounts);
    plug = await accounts.addDevice('plug1');
    lamp = await accounts.addDevice('lamp1', { topicPrefix: 'homie/lamp1' });
    await accounts.addUser({ ...TEST_ADMIN, role: 'admin' });
    await accounts.addUser({ username: 'resident', password: 'resident-password', role: 'user' });
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('refuses anonymous clients over TCP and WebSocket, wrong passwords, and people without the admin role', async () => {
    await expect(connectClient(hub.mqttUrl)).rejects.toThrow(refusedMessage);
    await expect(connectClient(`ws://127.0.0.1:${hub.http!.port}/mqtt`)).rejects.toThrow(refusedMessage);
    await expect(connectClient(hub.mqttUrl, { username: plug.username, password: 'wrong' })).rejects.toThrow(refusedMessage);
    await expect(connectClient(hub.mqttUrl, { username: plug.username, password: lamp.password })).rejects.toThrow(refusedMessage);
    await expect(connectClient(hub.mqttUrl, { username: 'resident', password: 'resident-password' })).rejects.toThrow(refusedMessage);
    const ok = await connectClient(hub.mqttUrl, as(plug));
    await ok.endAsync();
  });

  it('lets a device publish and subscribe under its own prefix and its discovery topics only', async () => {
    const admin = await connectClient(hub.mqttUrl, { ...TEST_ADMIN });
    const everything = collect(admin);
    await admin.subscribeAsync('#');
    const device = await connectClient(hub.mqttUrl, as(plug, { protocolVersion: 5 }));
    const inbox = collect(device);
    expect(await grant(device, 'devices/plug1/#')).toBe(0);
    expect(await grant(device, 'homie/lamp1/#')).toBe(135); // MQTT 5: 0x87 not authorized
    expect(await grant(device, '#')).toBe(135);
    expect(await grant(device, '$SYS/#')).toBe(135);
    await device.publishAsync('devices/plug1/state', 'ON', { qos: 1 });
    await device.publishAsync('homeassistant/switch/plug1/relay/config', '{}', { qos: 1 });
    await expect(device.publishAsync('homie/lamp1/light/on/set', 'true', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await expect(device.publishAsync('homeassistant/switch/lamp1/relay/config', '{}', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await admin.publishAsync('devices/plug1/cmd', 'OFF', { qos: 1 });
    await expect.poll(() => inbox.messages.map((m) => m.topic)).toContain('devices/plug1/cmd');
    await expect.poll(() => everything.messages.map((m) => m.topic)).toEqual(expect.arrayContaining(['devices/plug1/state', 'homeassistant/switch/plug1/relay/config']));
    expect(everything.messages.map((m) => m.topic)).not.toContain('homie/lamp1/light/on/set');
    await Promise.all([admin.endAsync(), device.endAsync()]);
  });

  it('closes an MQTT 3.1.1 device that publishes to another device\'s topic', async () => {
    const device = await connectClient(hub.mqttUrl, as(plug));
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('homie/lamp1/$state', 'lost', { qos: 0 });
    await closed;
    device.end(true);
  });

  it('shows $SYS to admins only', async () => {
    const admin = await connectClient(hub.mqttUrl, { ...TEST_ADMIN });
    const sys = collect(admin);
    expect(await grant(admin, '$SYS/broker/#')).toBe(0);
    await sys.waitFor(1, 15_000);
    const device = await connectClient(hub.mqttUrl, as(plug));
    expect(await grant(device, '$SYS/broker/#')).toBe(128);
    await Promise.all([admin.endAsync(), device.endAsync()]);
  });

  it('refuses a CONNECT whose will lies outside the device\'s topics', async () => {
    await expect(connectClient(hub.mqttUrl, as(plug, { will: { topic: 'homie/lamp1/$state', payload: Buffer.from('lost'), qos: 0, retain: false } }))).rejects.toThrow(refusedMessage);
    const ok = await connectClient(hub.mqttUrl, as(plug, { will: { topic: 'devices/plug1/status', payload: Buffer.from('lost'), qos: 0, retain: false } }));
    await ok.endAsync();
  });

  it('disconnects a device whose credentials are revoked, at once over the API, and refuses it after', async () => {
    const kettle = await hub.app.get(Accounts).addDevice('kettle');
    const device = await connectClient(hub.mqttUrl, as(kettle));
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    expect((await hub.api('/api/device-credentials/kettle/revoke', { method: 'POST' })).status).toBe(204);
    await closed;
    device.end(true);
    await expect(connectClient(hub.mqttUrl, as(kettle))).rejects.toThrow(refusedMessage);
  });

  it('gives in-process sessions (the MQTT-SN gateway) the ACL of the device they act for', async () => {
    const anonymous = await inProcess(hub, undefined, { clientId: 'sn-anon' });
    expect(anonymous.outcome).toMatch(/Not authorized/);
    anonymous.client.end(true);
    const unknown = await inProcess(hub, { device: 'no-such-sensor' }, { clientId: 'sn-unknown' });
    expect(unknown.outcome).toMatch(/Not authorized/);
    unknown.client.end(true);
    const { client, outcome } = await inProcess(hub, { device: 'lamp1' }, { clientId: 'sn-lamp1', protocolVersion: 5 });
    expect(outcome).toBe('connected');
    await client.publishAsync('homie/lamp1/$state', 'ready', { qos: 1 });
    await expect(client.publishAsync('devices/plug1/cmd', 'ON', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    client.end(true);
  });

  it('imports a Mosquitto password file made by mosquitto_passwd, and its ACL with patterns', async (context) => {
    requirePackage(context, 'mosquitto');
    const file = join(hub.dataDir, 'passwd');
    execFileSync(programOf('mosquitto', 'mosquitto_passwd'), ['-c', '-b', file, 'legacy-sensor', 'legacy-password']);
    const aclFile = 'user legacy-sensor\ntopic readwrite garden/legacy/#\npattern write clients/%c/status\n';
    const report = await hub.api('/api/device-credentials/import', { body: { passwordFile: readFileSync(file, 'utf8'), aclFile } });
    expect(await report.json()).toMatchObject({ credentials: 1, rules: 2, skipped: [] });
    const admin = await connectClient(hub.mqttUrl, { ...TEST_ADMIN });
    const inbox = collect(admin);
    await admin.subscribeAsync('#');
    const legacy = await connectClient(hub.mqttUrl, { clientId: 'legacy-1', username: 'legacy-sensor', password: 'legacy-password', protocolVersion: 5 });
    await legacy.publishAsync('garden/legacy/moisture', '40', { qos: 1 });
    await legacy.publishAsync('clients/legacy-1/status', 'up', { qos: 1 });
    await expect(legacy.publishAsync('clients/other/status', 'up', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await expect.poll(() => inbox.messages.map((m) => m.topic).filter((t) => /^(garden|clients)\//.test(t)).sort()).toEqual(['clients/legacy-1/status', 'garden/legacy/moisture']);
    await Promise.all([admin.endAsync(), legacy.endAsync()]);
  });
});

describe('HEARTH_MQTT_ANONYMOUS=loopback', () => {
  it('lets anonymous clients in on the plain TCP listener from loopback, never over WebSocket', async () => {
    const hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'loopback' });
    try {
      const local = await connectClient(hub.mqttUrl);
      await local.endAsync();
      await expect(connectClient(`ws://127.0.0.1:${hub.http!.port}/mqtt`)).rejects.toThrow(refusedMessage);
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});
