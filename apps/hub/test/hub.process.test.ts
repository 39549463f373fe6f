import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnHub } from './support/hub-process.js';
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
});
