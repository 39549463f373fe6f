import { connect as connectTcp, createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, tempDataDir } from './support/test-hub.js';

describe('the hub process', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  it('exits non-zero with one message naming the setting when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const dataDir = tempDataDir();
    cleanup.push(() => blocker.close(), () => removeDataDir(dataDir));
    const port = String((blocker.address() as { port: number }).port);
    const failure = await spawnHub({ HEARTH_MQTT_PORT: port, HEARTH_DATA_DIR: dataDir }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/hub exited with 1/);
    expect(failure).toMatch(/MQTT listener: the port is already in use; stop the other program or set HEARTH_MQTT_PORT/);
  });

  it('exits with status 2 listing every invalid setting before it opens anything', async () => {
    const failure = await spawnHub({ HEARTH_HTTP_PORT: 'abc', HEARTH_LOG_LEVEL: 'chatty' }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/hub exited with 2/);
    expect(failure).toMatch(/HEARTH_HTTP_PORT \(http\.port\)/);
    expect(failure).toMatch(/HEARTH_LOG_LEVEL \(log\.level\)/);
  });

  it('logs one ready line per listener and serves the dashboard at /', async () => {
    const dataDir = tempDataDir();
    const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir });
    cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
    const listeners = hub.output.map((line) => JSON.parse(line) as { listener?: string }).filter((record) => record.listener);
    expect(listeners.map((record) => record.listener).sort()).toEqual(['http', 'mqtt', 'mqtt-sn-udp', 'mqtt-ws']);
    const page = await fetch(`http://127.0.0.1:${hub.httpPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
    const health = await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });

  it('logs the setup link of a new hub as a full URL with the port it listens on, a wildcard address as localhost', async () => {
    const dataDir = tempDataDir();
    const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_HTTP_HOST: '0.0.0.0' });
    cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
    const setup = records(hub).find((record) => record.setupToken) as { setupToken: string; setupUrl: string; msg: string };
    expect(setup.setupUrl).toBe(`http://localhost:${hub.httpPort}/setup?token=${setup.setupToken}`);
    expect(setup.msg).toContain(`open ${setup.setupUrl} to create the first admin`);
    const page = await fetch(setup.setupUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
  });

  // Clients of every kind a closing hub ends: MQTT 3.1.1 and 5 over TCP, MQTT over WebSocket, one
  // halfway through its CONNECT, and one that reconnects at once, into the closing hub.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`ends its clients quietly on ${signal}: no warning, nothing called malformed`, async () => {
      const dataDir = tempDataDir();
      const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir });
      cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
      const tcp = `mqtt://127.0.0.1:${hub.mqttPort}`;
      const clients = [
        await connectClient(tcp, { clientId: 'v311', clean: false }),
        await connectClient(tcp, { clientId: 'v5', protocolVersion: 5 }),
        await connectClient(`ws://127.0.0.1:${hub.httpPort}/mqtt`, { clientId: 'websocket' }),
        await connectClient(tcp, { clientId: 'eager', reconnectPeriod: 10 }),
      ];
      await Promise.all(clients.map((client) => client.subscribeAsync('house/#', { qos: 1 })));
      const halfConnect = connectTcp(hub.mqttPort, '127.0.0.1', () => halfConnect.write(Buffer.from([0x10, 0x20, 0x00, 0x04])));
      halfConnect.on('error', () => undefined);
      cleanup.push(() => clients.forEach((client) => client.end(true)), () => halfConnect.destroy());
      await clients[0]!.publishAsync('house/hall', 'on', { qos: 1 });

      const readyAt = hub.output.length;
      hub.child.kill(signal);
      await hub.exited;
      const afterReady = hub.output.slice(readyAt);
      expect(afterReady.filter((line) => /malformed|forbidden/.test(line))).toEqual([]);
      expect(afterReady.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((record) => record.level >= 40)).toEqual([]);
    });
  }
});

const records = (hub: HubProcess) =>
  hub.output.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

