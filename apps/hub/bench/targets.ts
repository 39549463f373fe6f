/**
 * The brokers under test, as data: a name and a way to start one as its own process, so that its
 * RSS and CPU can be read from /proc and never mix with the client's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MOSQUITTO } from '../test/support/mosquitto.js';
import { freePort, waitForListener } from '../test/support/ports.js';
import { HOST } from './mqtt-client.js';

export interface RunningTarget {
  port: number;
  pid: number;
  /** Set if the process died on its own, with its last output. */
  crashed(): string | undefined;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  /** An optional target that is not installed is skipped; a missing required one fails the run. */
  optional: boolean;
  /** Null when it can run here, else why not (the run skips it and says so). */
  unavailable(): string | null;
  start(): Promise<RunningTarget>;
}

export const HUB_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const BARE_CORE = fileURLToPath(new URL('./bare-core.js', import.meta.url));

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export const TARGETS: Target[] = [
  {
    name: 'hub',
    optional: false,
    unavailable: () => (existsSync(HUB_MAIN) ? null : `${HUB_MAIN} is missing (build the hub first: npx tsc -b)`),
    start: () =>
      startHub({
        // The bare core and Mosquitto take these clients as they are: no credentials, 2,000 from one address.
        HEARTH_MQTT_ANONYMOUS: 'true',
        HEARTH_MQTT_MAX_CONNECTIONS: '100000',
        HEARTH_MQTT_MAX_CONNECTIONS_PER_IP: '0',
      }),
  },
  {
    name: 'core',
    optional: false,
    unavailable: () => (existsSync(BARE_CORE) ? null : `${BARE_CORE} is missing`),
    start: () => launch(process.execPath, [...nodeArgs('HEARTH_BENCH_CORE_NODE_ARGS'), BARE_CORE], {}, (line) => parseJson(line)?.port as number | undefined),
  },
  {
    name: 'mosquitto',
    optional: true,
    unavailable: () => (existsSync(MOSQUITTO) ? null : `${MOSQUITTO} is not installed (apt-get install mosquitto)`),
    async start() {
      const dir = await mkdtemp(join(tmpdir(), 'hearth-bench-mosquitto-'));
      const port = await freePort();
      const conf = join(dir, 'mosquitto.conf');
      await writeFile(
        conf,
        [
          `listener ${port} ${HOST}`,
          'allow_anonymous true',
          'persistence false',
          // Far above any scenario's backlog (the default, 1000 per client, drops messages beyond it).
          'max_queued_messages 1000000',
          'log_dest stderr',
          'log_type error',
          'log_type warning',
          '',
        ].join('\n'),
      );
      return launch(MOSQUITTO, ['-c', conf], { cleanup: () => rm(dir, { recursive: true, force: true }) }, () => undefined, port);
    },
  },
];

/** Debian's Mosquitto as a process of its own (an external broker for the hub, a bridge's remote end). */
export const mosquittoTarget = (): Target => TARGETS.find((target) => target.name === 'mosquitto')!;

/**
 * Node options for a broker process from an environment variable, e.g.
 * HEARTH_BENCH_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the hub under load.
 */
export function nodeArgs(variable: string): string[] {
  return process.env[variable]?.split(' ').filter(Boolean) ?? [];
}

export interface RunningHub extends RunningTarget {
  httpPort: number;
  dataDir: string;
}

/**
 * The hub as its own process on loopback ports, with a fresh data directory that `prepare` may fill
 * first (e.g. `hearth user add`), removed when the hub stops; or on `keep`, a data directory of the
 * caller's, left as it is. Ready at its final `{"ready":true}` log line.
 */
export async function startHub(env: Record<string, string>, prepare?: (dataDir: string) => Promise<void>, keep?: string): Promise<RunningHub> {
  const dataDir = keep ?? (await mkdtemp(join(tmpdir(), 'hearth-bench-')));
  await prepare?.(dataDir);
  const ports: Record<string, number> = {};
  const running = await launch(
    process.execPath,
    [...nodeArgs('HEARTH_BENCH_HUB_NODE_ARGS'), HUB_MAIN],
    {
      env: {
        HEARTH_MQTT_PORT: '0',
        HEARTH_MQTT_HOST: HOST,
        HEARTH_HTTP_PORT: '0',
        HEARTH_HTTP_HOST: HOST,
        HEARTH_DATA_DIR: dataDir,
        // The listener lines that give the ports are logged at info, the hub's default level.
        HEARTH_LOG_LEVEL: 'info',
        HEARTH_LOG_PRETTY: 'false',
        // The MQTT-SN gateway stays on, but on loopback and a free port, clear of anything else running.
        HEARTH_SN_UDP_HOST: HOST,
        HEARTH_SN_UDP_PORT: '0',
        HEARTH_SN_MULTICAST: 'false',
        ...env,
      },
      cwd: dataDir,
      cleanup: keep ? undefined : () => rm(dataDir, { recursive: true, force: true }),
    },
    (line) => {
      const record = parseJson(line);
      if (typeof record?.listener === 'string' && typeof record.port === 'number') ports[record.listener] = record.port;
      // On an external broker (HEARTH_MQTT_URL) the hub has no MQTT listener: port 0.
      return record?.ready === true ? (ports.mqtt ?? 0) : undefined;
    },
  );
  return { ...running, httpPort: ports.http, dataDir };
}

// ---------------------------------------------------------------- process handling

const live = new Set<ChildProcess>();
// A bench that dies must not leave a broker behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface LaunchOptions {
  env?: Record<string, string>;
  cwd?: string;
  cleanup?: () => Promise<void>;
}

/**
 * Spawns a broker and resolves once it is ready: when `portFromLine` returns the port from a stdout
 * line, or, given `knownPort`, when that port accepts connections.
 */
async function launch(
  command: string,
  args: string[],
  { env = {}, cwd, cleanup }: LaunchOptions,
  portFromLine: (line: string) => number | undefined,
  knownPort?: number,
): Promise<RunningTarget> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
  };
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      exit = `${command} exited (${signal ?? code}):\n${output.join('\n')}`;
      resolve();
    }),
  );
  child.once('error', (error) => remember(String(error)));
  createInterface({ input: child.stderr! }).on('line', remember);
  const stdout = createInterface({ input: child.stdout! });

  const stop = async () => {
    if (!exit) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await cleanup?.();
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} not ready within ${START_TIMEOUT_MS} ms:\n${output.join('\n')}`)), START_TIMEOUT_MS);
      const done = (port: number) => (clearTimeout(timer), resolve(port));
      void exited.then(() => (clearTimeout(timer), reject(new Error(exit))));
      stdout.on('line', (line) => {
        remember(line);
        const port = portFromLine(line);
        if (port !== undefined) done(port);
      });
      if (knownPort !== undefined) void waitForListener(knownPort, START_TIMEOUT_MS).then(() => done(knownPort), reject);
    });
    return { port, pid: child.pid!, crashed: () => exit, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

