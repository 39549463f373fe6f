import { copyFileSync, readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { requirePackage, skippedWithout } from '@hearth/broker/testing/system-packages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Accounts, type IssuedDeviceCredential } from '../src/auth/accounts.js';
import { certificateAuthority } from './support/certificates.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, TEST_ADMIN, type TestHub } from './support/test-hub.js';

describe('TLS listeners', () => {
  // The certificates come from the openssl CLI.
  beforeEach((context) => requirePackage(context, 'openssl'));
  let authority: ReturnType<typeof certificateAuthority>;
  type Issued = ReturnType<typeof authority.issue>;
  let server: Issued;
  let sensor: Issued;
  let stranger: Issued;
  let ca: Buffer;
  let hub: TestHub;
  let device: IssuedDeviceCredential;
  beforeAll(async () => {
    if (skippedWithout('openssl')) return;
    authority = certificateAuthority();
    server = authority.issue('server', 'hearth-1', true);
    sensor = authority.issue('sensor', 'garden-sensor');
    stranger = certificateAuthority().issue('stranger', 'garden-sensor');
    ca = readFileSync(authority.ca);
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false', HEARTH_TLS_CERT: server.cert, HEARTH_TLS_KEY: server.key, HEARTH_TLS_CA: authority.ca });
    device = await hub.app.get(Accounts).addDevice('garden-sensor');
    await hub.app.get(Accounts).addUser({ ...TEST_ADMIN, role: 'admin' });
  });
  afterAll(async () => {
    if (!hub) return;
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('logs one ready line per TLS listener', () => {
    const listeners = hub.logs.filter((record) => typeof record.listener === 'string').map((record) => record.listener);
    expect(listeners).toEqual(expect.arrayContaining(['mqtts', 'mqtts-client-cert', 'https', 'mqtt-wss']));
  });

  it('speaks MQTT over TLS with device credentials, and refuses anonymous clients there too', async () => {
    const url = `mqtts://127.0.0.1:${hub.tls.mqtts!.port}`;
    const client = await connectClient(url, { ca, username: device.username, password: device.password });
    await client.publishAsync('devices/garden-sensor/moisture', '41', { qos: 1 });
    await client.endAsync();
    await expect(connectClient(url, { ca })).rejects.toThrow(/Not authorized/);
    await expect(connectClient(`mqtt://127.0.0.1:${hub.tls.mqtts!.port}`, { connectTimeout: 1000 })).rejects.toThrow();
  });

  it('requires a client certificate from the configured CA on the client-certificate listener, its CN naming the device', async () => {
    const url = `mqtts://127.0.0.1:${hub.tls.mqttsClientCert!.port}`;
    const admin = await connectClient(`mqtt://127.0.0.1:${hub.mqtt!.port}`, { ...TEST_ADMIN });
    const inbox = collect(admin);
    await admin.subscribeAsync('devices/#', { qos: 1 });
    const client = await connectClient(url, { ca, cert: readFileSync(sensor.cert), key: readFileSync(sensor.key), protocolVersion: 5 });
    await client.publishAsync('devices/garden-sensor/temp', '12', { qos: 1 });
    await expect(client.publishAsync('devices/other/temp', '12', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    expect((await inbox.waitFor(1))[0].topic).toBe('devices/garden-sensor/temp');
    await Promise.all([client.endAsync(), admin.endAsync()]);
    await expect(connectClient(url, { ca, username: device.username, password: device.password })).rejects.toThrow();
    await expect(connectClient(url, { ca, cert: readFileSync(stranger.cert), key: readFileSync(stranger.key) })).rejects.toThrow();
  });

  it('serves HTTPS with Secure cookies and HSTS, and MQTT over WSS', async () => {
    const { default: https } = await import('node:https');
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const request = https.request(`https://127.0.0.1:${hub.tls.https!.port}/api/auth/login`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, resolve);
      request.on('error', reject);
      request.end(JSON.stringify(TEST_ADMIN));
    });
    response.resume();
    expect(response.statusCode).toBe(200);
    expect(response.headers['set-cookie']![0]).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
    const wss = await connectClient(`wss://127.0.0.1:${hub.tls.https!.port}/mqtt`, { ca, username: device.username, password: device.password });
    await wss.publishAsync('devices/garden-sensor/battery', '90', { qos: 1 });
    await wss.endAsync();
  });

  it('uses a renewed certificate for new connections without a restart', async () => {
    const peerCommonName = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: hub.tls.mqtts!.port, ca }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.destroy();
        });
        socket.on('error', reject);
      });
    expect(await peerCommonName()).toBe('hearth-1');
    const renewed = authority.issue('renewed', 'hearth-renewed', true);
    copyFileSync(renewed.key, server.key);
    copyFileSync(renewed.cert, server.cert);
    await expect.poll(peerCommonName, { timeout: 5000, interval: 200 }).toBe('hearth-renewed');
  });
});
