import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { removeDataDir, tempDataDir } from './test-hub.js';

/** The compiled hub entry point; `npm test` compiles before it runs the tests. */
export const HUB_MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface HubProcess {
  child: ChildProcess;
  mqttPort: number;
  httpPort: number;
  /** Every line the hub printed, stdout and stderr. */
  output: string[];
  exited: Promise<number | null>;
}

/**
 * Runs the real hub as its own process, as `npm start -- ...args` would, and waits for its listeners to
 * be ready; `main` another build of it (the bundle).
 */
export function spawnHub(env: Record<string, string>, args: string[] = [], main = HUB_MAIN): Promise<HubProcess> {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, HEARTH_HTTP_PORT: '0', HEARTH_MQTT_PORT: '0', HEARTH_HTTP_HOST: '127.0.0.1', HEARTH_MQTT_HOST: '127.0.0.1', HEARTH_LOG_PRETTY: 'false', HEARTH_MQTT_ANONYMOUS: 'true', HEARTH_SN_UDP_PORT: '0', HEARTH_SN_UDP_HOST: '127.0.0.1', HEARTH_SN_MULTICAST: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  return new Promise((resolve, reject) => {
    const ports: Record<string, number> = {};
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      try {
        const record = JSON.parse(line) as { listener?: string; port?: number; ready?: boolean };
        if (record.listener && record.port !== undefined) ports[record.listener] = record.port;
        if (record.ready) resolve({ child, mqttPort: ports.mqtt, httpPort: ports.http, output, exited });
      } catch {
        return;
      }
    });
    void exited.then((code) => reject(new Error(`hub exited with ${code} before it was ready:\n${output.join('\n')}`)));
  });
}

/** Hub processes and data directories for the tests of one describe block: each test's are killed and removed after it. */
export function useHubProcesses(): { dataDir(): string; spawn(env: Record<string, string>, args?: string[], main?: string): Promise<HubProcess> } {
  const dirs: string[] = [];
  const children: HubProcess[] = [];
  afterEach(() => {
    children.splice(0).forEach((hub) => hub.child.kill('SIGKILL'));
    dirs.splice(0).forEach(removeDataDir);
  });
  return {
    dataDir: () => {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
    spawn: async (env, args, main) => {
      const hub = await spawnHub(env, args, main);
      children.push(hub);
      return hub;
    },
  };
}
