import { Random } from '@hearth/random';
import type { ServerMessage } from '@hearth/api-types';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { connectClient } from './support/mqtt-client.js';
import { TEST_ADMIN, useTestHub } from './support/test-hub.js';

const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? Date.now() % 2 ** 31);

describe('the realtime WebSocket /ws', () => {
  const hub = useTestHub();

  const open = async (token: string): Promise<{ socket: WebSocket; messages: ServerMessage[]; closed: Promise<number> }> => {
    const socket = new WebSocket(`ws://127.0.0.1:${hub.http!.port}/ws`, { headers: { authorization: `Bearer ${token}` } });
    const messages: ServerMessage[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => (socket.once('open', () => resolve()), socket.once('error', reject)));
    return { socket, messages, closed };
  };

  it('ends the connection when its session is logged out', async () => {
    await hub.adminToken(); // creates the test admin; the session below is a second one of theirs
    const login = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    const { token } = (await login.json()) as { token: string };
    const { closed } = await open(token);
    expect((await hub.api('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBeLessThan(300);
    expect(await closed).toBe(4401);
  });

  it(`takes random frames from many clients without harm (seed ${SEED})`, async () => {
    const rand = new Random(SEED);
    const token = await hub.adminToken();
    const watcher = await open(token);
    const noisy = await Promise.all(Array.from({ length: 8 }, () => open(token)));
    for (let i = 0; i < 2000; i++) {
      const { socket } = noisy[rand.below(noisy.length)];
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (rand.chance(0.5)) socket.send(rand.bytes(rand.below(2048)));
      else socket.send(JSON.stringify({ type: rand.pick(['state', 'snapshot', 'command', '__proto__']), entity: rand.bytes(8).toString('hex') }));
    }
    const device = await connectClient(hub.mqttUrl);
    await device.publishAsync('homeassistant/sensor/fuzzprobe/config', JSON.stringify({ name: 'Fuzz probe', unique_id: 'fuzz-probe', state_topic: 'fuzz/probe' }), { qos: 1, retain: true });
    await device.publishAsync('fuzz/probe', '42', { qos: 1 });
    await expect.poll(() => watcher.messages.some((m) => m.type === 'state' && m.entity.uniqueId === 'fuzz-probe' && m.entity.state === 42)).toBe(true);
    expect((await hub.api('/api/health')).status).toBe(200);
    await device.endAsync();
    [watcher, ...noisy].forEach(({ socket }) => socket.close());
  });
});
