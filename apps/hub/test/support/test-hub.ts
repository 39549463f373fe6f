import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { Accounts } from '../../src/auth/accounts.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startHub, type RunningHub } from '../../src/hub.js';
import { startMosquitto } from './mosquitto.js';

export interface TestHub extends RunningHub {
  dataDir: string;
  mqttUrl: string;
  httpUrl: string;
  /** Log records the hub wrote, parsed, for tests that assert what was logged. */
  logs: Array<Record<string, unknown>>;
  /**
   * fetch() against the hub's HTTP API, e.g. `api('/api/entities')`; JSON bodies are sent as JSON.
   * Signed in as an admin (bearer token) unless `headers.authorization` is given ('' = no credentials).
   */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** A session token of the test admin (`test-admin`, created on first use). */
  adminToken(): Promise<string>;
}

export const TEST_ADMIN = { username: 'test-admin', password: 'test-admin-password' };

export const tempDataDir = (): string => mkdtempSync(join(tmpdir(), 'hearth-test-'));

/**
 * A real hub on ephemeral 127.0.0.1 ports with its own SQLite file. Pass `dataDir` to restart on the
 * data of a previous hub; extra settings go in as HEARTH_* environment variables.
 */
export async function startTestHub(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<TestHub> {
  // The `external` test project runs the same suites with each hub on a Mosquitto of its own (HEARTH_MQTT_URL).
  const external = process.env.HEARTH_TEST_BROKER === 'mosquitto' && env.HEARTH_MQTT_URL === undefined ? await startMosquitto() : undefined;
  if (external) env = { ...env, HEARTH_MQTT_URL: external.url };
  const config = loadConfig({
    env: {
      HEARTH_HTTP_PORT: '0',
      HEARTH_HTTP_HOST: '127.0.0.1',
      HEARTH_HTTPS_PORT: '0',
      HEARTH_MQTT_PORT: '0',
      HEARTH_MQTTS_PORT: '0',
      HEARTH_MQTTS_CLIENT_CERT_PORT: '0',
      // Tests of other features speak MQTT without credentials; security tests set this to false.
      HEARTH_MQTT_ANONYMOUS: 'true',
      HEARTH_MQTT_HOST: '127.0.0.1',
      HEARTH_SN_UDP_PORT: '0',
      HEARTH_SN_UDP_HOST: '127.0.0.1',
      // Hubs of parallel tests would hear each other in the default group; multicast tests pick their own.
      HEARTH_SN_MULTICAST: 'false',
      HEARTH_DATA_DIR: dataDir,
      HEARTH_LOG_LEVEL: 'debug',
      HEARTH_LOG_PRETTY: 'false',
      ...env,
    },
    cwd: dataDir,
  });
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: config.log.level }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const hub = await startHub(config, logger).catch(async (error: unknown) => {
    await external?.remove();
    throw error;
  });
  const httpUrl = hub.http ? `http://127.0.0.1:${hub.http.port}` : '';
  let token: Promise<string> | undefined;
  const adminToken = (): Promise<string> =>
    (token ??= (async () => {
      const accounts = hub.app.get(Accounts);
      if (!accounts.listUsers().some((user) => user.username === TEST_ADMIN.username)) await accounts.addUser({ ...TEST_ADMIN, role: 'admin' });
      const response = await fetch(`${httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
      return ((await response.json()) as { token: string }).token;
    })());
  const api: TestHub['api'] = async (path, init = {}) => {
    const { authorization = `Bearer ${await adminToken()}`, ...headers } = init.headers ?? {};
    return fetch(`${httpUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}), ...headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  };
  return {
    ...hub,
    close: async () => {
      await hub.close();
      await external?.remove();
    },
    dataDir,
    logs,
    api,
    adminToken,
    mqttUrl: external?.url ?? (hub.mqtt ? `mqtt://127.0.0.1:${hub.mqtt.port}` : ''),
    httpUrl,
  };
}

export const removeDataDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/**
 * A hub for the tests of one describe block: started before them, closed and removed after them. The
 * object returned stands for that hub (it forwards to it once started), so tests use it as they would
 * the result of startTestHub().
 */
export function useTestHub(env: Record<string, string> = {}): TestHub {
  let current: TestHub | undefined;
  beforeAll(async () => {
    current = await startTestHub(env);
  });
  afterAll(async () => {
    if (!current) return;
    await current.close();
    removeDataDir(current.dataDir);
  });
  return new Proxy({} as TestHub, {
    get: (_target, key) => {
      if (!current) throw new Error('the test hub is used before beforeAll started it');
      return Reflect.get(current, key);
    },
  });
}
