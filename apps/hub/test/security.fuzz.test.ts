import { connect } from 'node:net';
import { Random } from '@hearth/random';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts, type IssuedDeviceCredential } from '../src/auth/accounts.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// Seeded, so a failure replays with HEARTH_FUZZ_SEED set to the seed in the test name.
const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? Date.now() % 2 ** 31);

function randomValue(rand: Random, depth = 0): unknown {
  const pick = rand.below(depth > 2 ? 6 : 8);
  // Math.floor(next() * …), not below(…): next() must draw before the range's chance(), or old seeds stop replaying.
  const text = () => Array.from({ length: rand.below(40) }, () => String.fromCodePoint(Math.floor(rand.next() * (rand.chance(0.8) ? 128 : 0x10ffff - 0xe000)) || 32)).join('');
  switch (pick) {
    case 0: return null;
    case 1: return rand.chance(0.5);
    case 2: return rand.below(2 ** 40) * (rand.chance(0.5) ? -1 : 1);
    case 3: return text();
    case 4: return rand.pick(['admin', 'user', 'all', '', 'a/+/b', '$SYS/x', 'homeassistant', '../..', '%c']);
    case 5: return 'x'.repeat(rand.below(3000));
    case 6: return Array.from({ length: rand.below(5) }, () => randomValue(rand, depth + 1));
    default: {
      const keys = ['username', 'password', 'role', 'areas', 'name', 'topicPrefix', 'token', 'currentPassword', 'newPassword', 'passwordFile', 'aclFile', '__proto__', 'constructor', text()];
      return Object.fromEntries(Array.from({ length: rand.below(5) }, () => [rand.pick(keys), randomValue(rand, depth + 1)]));
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
    const rand = new Random(SEED);
    const routes = ['POST /api/auth/login', 'POST /api/auth/setup', 'PUT /api/auth/password', 'POST /api/users', 'PATCH /api/users/test-admin', 'POST /api/device-credentials', 'POST /api/device-credentials/import'];
    const failures: string[] = [];
    const deadline = Date.now() + 4000;
    for (let i = 0; Date.now() < deadline; i++) {
      const [method, path] = routes[i % routes.length].split(' ');
      const raw = rand.chance(0.15) ? rand.bytes(rand.below(200)).toString('latin1') : JSON.stringify(randomValue(rand));
      const response = await fetch(`${hub.httpUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.adminToken()}` }, body: raw });
      if (response.status >= 500) failures.push(`${method} ${path} ${raw.slice(0, 200)} -> ${response.status}`);
    }
    expect(failures).toEqual([]);
    expect((await hub.api('/api/health')).status).toBe(200);
  });

  it('lets in only the right credentials whatever CONNECT carries', async () => {
    const rand = new Random(SEED + 1);
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
      const near = rand.chance(0.3);
      const username = near ? device.username : rand.chance(0.5) ? rand.bytes(rand.below(20)).toString('latin1') : undefined;
      const password = near ? Buffer.from(device.password.slice(0, rand.below(device.password.length))) : rand.chance(0.5) ? rand.bytes(rand.below(64)) : undefined;
      const packet = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: rand.chance(0.5) ? 4 : 5, clientId: `fuzz-${rand.below(1e6)}`, clean: true, keepalive: 10, username, password: username === undefined ? undefined : password } as mqttPacket.IConnectPacket);
      const code = await attempt(rand.chance(0.2) ? Buffer.concat([packet.subarray(0, rand.below(packet.length)), rand.bytes(8)]) : packet);
      if (code === 0) accepted.push(`${username}:${password?.toString('hex')}`);
    }
    expect(accepted).toEqual([]);
    const good = await connectClient(hub.mqttUrl, { username: device.username, password: device.password });
    await good.endAsync();
  });
});
