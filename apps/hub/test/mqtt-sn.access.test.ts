import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnClaimDto } from '@hearth/api-types';
import { ReturnCode, type SnMessage } from '@hearth/mqtt-sn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { SnUdpClient } from './support/mqtt-sn.js';
import { removeDataDir, startTestHub, tempDataDir, TEST_ADMIN, type TestHub } from './support/test-hub.js';

const DOORBELL_ID = 7;

const anonymousPublish = (topic: Extract<SnMessage, { type: 'publish' }>['topic'], payload: string): SnMessage => ({
  type: 'publish',
  dup: false,
  qos: -1,
  retain: false,
  topic,
  msgId: 0,
  payload: Buffer.from(payload),
});

const publishTo = (topicId: number, payload: string, msgId: number): SnMessage => ({
  type: 'publish',
  dup: false,
  qos: 1,
  retain: false,
  topic: { topicIdType: 'normal', topicId },
  msgId,
  payload: Buffer.from(payload),
});

async function register(client: SnUdpClient, topicName: string): Promise<number> {
  client.send({ type: 'register', topicId: 0, msgId: 1, topicName });
  return (await client.next('regack')).topicId;
}

/** Sensors under the production default (anonymous MQTT off): who may act on the broker, as whom, and where. */
describe.each([
  { allow: undefined, loopbackTrusted: true },
  { allow: '10.0.0.0/8,greenhouse', loopbackTrusted: false },
])('MQTT-SN access with HEARTH_SN_UDP_ALLOW=$allow', ({ allow, loopbackTrusted }) => {
  let hub: TestHub;
  const clients: SnUdpClient[] = [];
  const sensor = async (from?: string) => {
    const client = await SnUdpClient.open(hub.mqttSn!.port, from);
    clients.push(client);
    return client;
  };
  const connectSensor = async (clientId: string, from?: string) => {
    const client = await sensor(from);
    client.send({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId });
    return { client, connack: await client.next('connack') };
  };
  const claims = async () => (await (await hub.api('/api/mqtt-sn/claims')).json()) as SnClaimDto[];

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const predefined = join(dataDir, 'predefined.csv');
    writeFileSync(predefined, `clientId,topicName,topicId\n*,house/doorbell,${DOORBELL_ID}\n`);
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false', HEARTH_SN_PREDEFINED: predefined, ...(allow === undefined ? {} : { HEARTH_SN_UDP_ALLOW: allow }) }, dataDir);
    await hub.adminToken(); // creates the admin the watcher signs in as
    await hub.app.get(Accounts).addDevice('herbs', { topicPrefix: 'garden/herbs' });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it(`${loopbackTrusted ? 'trusts' : 'refuses'} a sensor without a device credential on loopback`, async () => {
    const { connack } = await connectSensor('stranger');
    expect(connack.returnCode === ReturnCode.ACCEPTED).toBe(loopbackTrusted);
  });

  it(`${loopbackTrusted ? 'carries' : 'drops'} QoS -1 publishes from loopback to predefined topics, and drops them to any other topic`, async () => {
    const watcher = await connectClient(hub.mqttUrl, TEST_ADMIN);
    const inbox = collect(watcher);
    await watcher.subscribeAsync(['house/doorbell', 'qs', 'marker'], { qos: 1 });
    const client = await sensor();
    client.send(anonymousPublish({ topicIdType: 'predefined', topicId: DOORBELL_ID }, 'ring'));
    client.send(anonymousPublish({ topicIdType: 'short', topicName: 'qs' }, '1'));
    await expect.poll(() => hub.logs.filter((r) => r.msg === 'the broker did not take a QoS -1 publish').length).toBe(loopbackTrusted ? 1 : 2);
    await watcher.publishAsync('marker', 'm', { qos: 1 });
    await inbox.waitFor(loopbackTrusted ? 2 : 1);
    expect(inbox.messages.map((m) => m.topic).sort()).toEqual(loopbackTrusted ? ['house/doorbell', 'marker'] : ['marker']);
    await watcher.endAsync();
  });

  it('refuses a sensor that names a device credential from an address not bound to it, and leaves the device its session', async () => {
    await hub.app.get(Accounts).addDevice('thyme', { topicPrefix: 'garden/thyme', snAddresses: ['127.0.0.5'] });
    const real = await connectSensor('thyme', '127.0.0.5');
    expect(real.connack.returnCode).toBe(ReturnCode.ACCEPTED);

    const impostor = await connectSensor('thyme', '127.0.0.6');
    expect(impostor.connack.returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    expect(hub.logs).toContainEqual(expect.objectContaining({ msg: 'refused an MQTT-SN client', clientId: 'thyme', address: expect.stringMatching(/^127\.0\.0\.6:/) }));
    // The device's own session was not ended or taken over by the claim.
    real.client.send({ type: 'pingreq' });
    expect(await real.client.next('pingresp')).toEqual({ type: 'pingresp' });
  });

  it('shows an admin who wants to be a device; a yes binds that address, and the sensor then acts as the device within its prefix', async () => {
    const watcher = await connectClient(hub.mqttUrl, TEST_ADMIN);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('garden/#', { qos: 1 });
    const first = await connectSensor('herbs', '127.0.0.7');
    expect(first.connack.returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    const [claim] = (await claims()).filter((c) => c.device === 'herbs');
    expect(claim).toMatchObject({ device: 'herbs', address: '127.0.0.7', link: 'udp', attempts: 1 });

    const accepted = await hub.api(`/api/mqtt-sn/claims/${claim.id}/accept`, { method: 'POST' });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ username: 'herbs', snAddresses: ['127.0.0.7'] });
    expect((await claims()).some((c) => c.id === claim.id)).toBe(false);

    const { client, connack } = await connectSensor('herbs', '127.0.0.7');
    expect(connack.returnCode).toBe(ReturnCode.ACCEPTED);
    const own = await register(client, 'garden/herbs/moisture');
    client.send(publishTo(own, '38', 2));
    expect((await client.next('puback')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'garden/herbs/moisture', payload: '38' });

    // Outside its prefix the broker refuses it: the device's session ends and the sensor is told.
    const other = await register(client, 'garden/roses/moisture');
    client.send(publishTo(other, '1', 3));
    expect(await client.next('disconnect')).toEqual({ type: 'disconnect' });
    expect(inbox.messages.map((m) => m.topic)).toEqual(['garden/herbs/moisture']);
    await watcher.endAsync();
  });

  it('forgets a dismissed claim: it is not shown again and the sensor stays refused', async () => {
    await hub.app.get(Accounts).addDevice('sage', { topicPrefix: 'garden/sage' });
    expect((await connectSensor('sage', '127.0.0.8')).connack.returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    const [claim] = (await claims()).filter((c) => c.device === 'sage');
    expect((await hub.api(`/api/mqtt-sn/claims/${claim.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await connectSensor('sage', '127.0.0.8')).connack.returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    expect((await claims()).filter((c) => c.device === 'sage')).toEqual([]);
    expect((await hub.api(`/api/mqtt-sn/claims/${claim.id}/accept`, { method: 'POST' })).status).toBe(404);
  });

  it('binds addresses given when the credential is created: a network, an XBee address; a bad one is a 400 naming it', async () => {
    const created = await hub.api('/api/device-credentials', { body: { name: 'bed3', topicPrefix: 'garden/bed3', snAddresses: ['127.0.0.0/29', '0013A200 41A7B0C3'] } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ username: 'bed3', snAddresses: ['0013a20041a7b0c3', '127.0.0.0/29'] });
    expect((await connectSensor('bed3', '127.0.0.3')).connack.returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await connectSensor('bed3', '127.0.0.9')).connack.returnCode).toBe(ReturnCode.NOT_SUPPORTED);

    const bad = await hub.api('/api/device-credentials', { body: { name: 'bed4', snAddresses: ['garden-bed'] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/MQTT-SN address .*"garden-bed"/);
  });

  if (loopbackTrusted) {
    it('confines a sensor trusted by its network to its own topics: no #, no other device, no device prefix its id names', async () => {
      await hub.app.get(Accounts).addDevice('pump-controller', { topicPrefix: 'garden/pump' });
      const watcher = await connectClient(hub.mqttUrl, TEST_ADMIN);
      const inbox = collect(watcher);
      await watcher.subscribeAsync(['garden/#', 'marker'], { qos: 1 });

      const { client } = await connectSensor('lurker');
      client.send({ type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: '#' } });
      expect(await client.next('suback')).toMatchObject({ returnCode: ReturnCode.NOT_SUPPORTED });
      client.send({ type: 'subscribe', dup: false, qos: 0, msgId: 2, topic: { topicIdType: 'normal', topicName: 'garden/herbs/#' } });
      expect(await client.next('suback')).toMatchObject({ returnCode: ReturnCode.NOT_SUPPORTED });
      client.send({ type: 'subscribe', dup: false, qos: 0, msgId: 3, topic: { topicIdType: 'normal', topicName: 'garden/lurker/#' } });
      expect(await client.next('suback')).toMatchObject({ returnCode: ReturnCode.ACCEPTED });
      const own = await register(client, 'garden/lurker/moisture');
      client.send(publishTo(own, '40', 4));
      expect((await client.next('puback')).returnCode).toBe(ReturnCode.ACCEPTED);
      // Another device's command topic: refused, and the session ends.
      const command = await register(client, 'garden/herbs/valve/set');
      client.send(publishTo(command, 'open', 5));
      expect(await client.next('disconnect')).toEqual({ type: 'disconnect' });

      // A client id whose topic space a device credential's prefix takes: that part stays the device's.
      const pump = (await connectSensor('pump')).client;
      const pumpTopic = await register(pump, 'garden/pump/valve/set');
      pump.send(publishTo(pumpTopic, 'open', 6));
      expect(await pump.next('disconnect')).toEqual({ type: 'disconnect' });

      await watcher.publishAsync('marker', 'm', { qos: 1 });
      await inbox.waitFor(2);
      expect(inbox.messages.map((m) => m.topic)).toEqual(['garden/lurker/moisture', 'marker']);
      await watcher.endAsync();
    });
  } else {
    it('trusts a sensor by its client id when HEARTH_SN_UDP_ALLOW names it, within its own topics', async () => {
      const { client, connack } = await connectSensor('greenhouse');
      expect(connack.returnCode).toBe(ReturnCode.ACCEPTED);
      client.send({ type: 'subscribe', dup: false, qos: 0, msgId: 1, topic: { topicIdType: 'normal', topicName: '#' } });
      expect(await client.next('suback')).toMatchObject({ returnCode: ReturnCode.NOT_SUPPORTED });
    });
  }
});
