import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts, type IssuedDeviceCredential } from '../src/auth/accounts.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

/** mulberry32: seeded, so a failure replays with HEARTH_FUZZ_SEED. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? Date.now() % 2 ** 31);

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 2 ? 6 : 8));
  const text = () => Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCodePoint(Math.floor(rand() * (rand() < 0.8 ? 128 : 0x10ffff - 0xe000) ) || 32)).join('');
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor(rand() * 2 ** 40) * (rand() < 0.5 ? -1 : 1);
    case 3: return text();
    case 4: return ['admin', 'user', 'all', '', 'a/+/b', '$SYS/x', 'homeassistant', '../..', '%c'][Math.floor(rand() * 9)];
    case 5: return 'x'.repeat(Math.floor(rand() * 3000));
    case 6: return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default: {
      const keys = ['username', 'password', 'role', 'areas', 'name', 'topicPrefix', 'token', 'currentPassword', 'newPassword', 'passwordFile', 'aclFile', '__proto__', 'constructor', text()];
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [keys[Math.floor(rand() * keys.length)], randomValue(rand, depth + 1)]));
    }
  }
}

describe(`security fuzzing (seed ${SEED})`, () => {
  let hub: TestHub;
  let device: IssuedDeviceCredential;
  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false', HEARTH_LOG_LEVEL: 'error', HEARTH_AUTH_MAX_FAILURES: '1000000' });
    device = await hub.app.get(Accounts).addDevice('fuzz-device');
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('answers random REST bodies on every writing route with a 4xx, never a 5xx', async () => {
    const rand = random(SEED);
    const routes = ['POST /api/auth/login', 'POST /api/auth/setup', 'PUT /api/auth/password', 'POST /api/users', 'PATCH /api/users/test-admin', 'POST /api/device-credentials', 'POST /api/device-credentials/import'];
    const failures: string[] = [];
    const deadline = Date.now() + 4000;
    for (let i = 0; Date.now() < deadline; i++) {
      const [method, path] = routes[i % routes.length].split(' ');
      const raw = rand() < 0.15 ? Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))).toString('latin1') : JSON.stringify(randomValue(rand));
      const response = await fetch(`${hub.httpUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.adminToken()}` }, body: raw });
      if (response.status >= 500) failures.push(`${method} ${path} ${raw.slice(0, 200)} -> ${response.status}`);
    }
    expect(failures).toEqual([]);
    expect((await hub.api('/api/health')).status).toBe(200);
  });

  it('lets in only the right credentials whatever CONNECT carries', async () => {
    const rand = random(SEED + 1);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const attempt = (packet: Buffer) =>
      new Promise<number | null>((resolve) => {
        const socket = connect(hub.mqtt!.port, '127.0.0.1', () => socket.write(packet));
        const parser = mqttPacket.parser({ protocolVersion: 5 });
        parser.on('packet', (p) => (p.cmd === 'connack' ? resolve((p as mqttPacket.IConnackPacket).returnCode ?? (p as mqttPacket.IConnackPacket).reasonCode ?? 0) : undefined));
        parser.on('error', () => resolve(null));
        socket.on('data', (data) => parser.parse(data));
        socket.on('error', () => resolve(null));
        socket.on('close', () => resolve(null));
        socket.setTimeout(2000, () => socket.destroy());
      });
    const accepted: string[] = [];
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      const near = rand() < 0.3;
      const username = near ? device.username : rand() < 0.5 ? bytes(Math.floor(rand() * 20)).toString('latin1') : undefined;
      const password = near ? Buffer.from(device.password.slice(0, Math.floor(rand() * device.password.length))) : rand() < 0.5 ? bytes(Math.floor(rand() * 64)) : undefined;
      const packet = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: rand() < 0.5 ? 4 : 5, clientId: `fuzz-${Math.floor(rand() * 1e6)}`, clean: true, keepalive: 10, username, password: username === undefined ? undefined : password } as mqttPacket.IConnectPacket);
      const code = await attempt(rand() < 0.2 ? Buffer.concat([packet.subarray(0, Math.floor(rand() * packet.length)), bytes(8)]) : packet);
      if (code === 0) accepted.push(`${username}:${password?.toString('hex')}`);
    }
    expect(accepted).toEqual([]);
    const good = await connectClient(hub.mqttUrl, { username: device.username, password: device.password });
    await good.endAsync();
  });
});
