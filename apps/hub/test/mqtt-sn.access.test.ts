import { ReturnCode, type SnMessage } from '@hearth/mqtt-sn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { SnUdpClient } from './support/mqtt-sn.js';
import { removeDataDir, startTestHub, TEST_ADMIN, type TestHub } from './support/test-hub.js';

const shortPublish = (topicName: string, payload: string, qos: -1 | 1, msgId: number): SnMessage => ({
  type: 'publish',
  dup: false,
  qos,
  retain: false,
  topic: { topicIdType: 'short', topicName },
  msgId,
  payload: Buffer.from(payload),
});

async function register(client: SnUdpClient, topicName: string): Promise<number> {
  client.send({ type: 'register', topicId: 0, msgId: 1, topicName });
  return (await client.next('regack')).topicId;
}

/** Sensors under the production default (anonymous MQTT off): who may act on the broker, and as whom. */
describe.each([
  { allow: undefined, loopbackTrusted: true },
  { allow: '10.0.0.0/8,greenhouse', loopbackTrusted: false },
])('MQTT-SN access with HEARTH_SN_UDP_ALLOW=$allow', ({ allow, loopbackTrusted }) => {
  let hub: TestHub;
  const clients: SnUdpClient[] = [];
  const sensor = async () => {
    const client = await SnUdpClient.open(hub.mqttSn!.port);
    clients.push(client);
    return client;
  };
  const connectSensor = async (clientId: string) => {
    const client = await sensor();
    client.send({ type: 'connect', will: false, cleanSession: true, duration: 60, clientId });
    return { client, connack: await client.next('connack') };
  };

  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false', ...(allow === undefined ? {} : { HEARTH_SN_UDP_ALLOW: allow }) });
    await hub.adminToken(); // creates the admin the watcher signs in as
    await hub.app.get(Accounts).addDevice('herbs', 'garden/herbs');
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

  it(`${loopbackTrusted ? 'carries' : 'drops'} QoS -1 publishes from loopback`, async () => {
    const watcher = await connectClient(hub.mqttUrl, TEST_ADMIN);
    const inbox = collect(watcher);
    await watcher.subscribeAsync(['qs', 'marker'], { qos: 1 });
    const client = await sensor();
    client.send(shortPublish('qs', '1', -1, 0));
    if (!loopbackTrusted) {
      await expect.poll(() => hub.logs.some((r) => r.msg === 'the broker did not take a QoS -1 publish' && /HEARTH_SN_UDP_ALLOW/.test(String(r.reason)))).toBe(true);
    }
    await watcher.publishAsync('marker', 'm', { qos: 1 });
    await inbox.waitFor(loopbackTrusted ? 2 : 1);
    expect(inbox.messages.map((m) => m.topic).sort()).toEqual(loopbackTrusted ? ['marker', 'qs'] : ['marker']);
    await watcher.endAsync();
  });

  it('lets a sensor whose client id names a device credential act as that device, within its topic prefix', async () => {
    const watcher = await connectClient(hub.mqttUrl, TEST_ADMIN);
    const inbox = collect(watcher);
    await watcher.subscribeAsync('garden/#', { qos: 1 });
    const { client, connack } = await connectSensor('herbs');
    expect(connack.returnCode).toBe(ReturnCode.ACCEPTED);
    const own = await register(client, 'garden/herbs/moisture');
    client.send({ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId: own }, msgId: 2, payload: Buffer.from('38') });
    expect((await client.next('puback')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'garden/herbs/moisture', payload: '38' });

    // Outside its prefix the broker refuses it: the device's session ends and the sensor is told.
    const other = await register(client, 'garden/roses/moisture');
    client.send({ type: 'publish', dup: false, qos: 1, retain: false, topic: { topicIdType: 'normal', topicId: other }, msgId: 3, payload: Buffer.from('1') });
    expect(await client.next('disconnect')).toEqual({ type: 'disconnect' });
    expect(inbox.messages.map((m) => m.topic)).toEqual(['garden/herbs/moisture']);
    await watcher.endAsync();
  });

  if (allow !== undefined) {
    it('trusts a sensor by its client id when HEARTH_SN_UDP_ALLOW names it', async () => {
      expect((await connectSensor('greenhouse')).connack.returnCode).toBe(ReturnCode.ACCEPTED);
    });
  }
});
