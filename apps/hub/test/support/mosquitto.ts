import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const HOST = '127.0.0.1';

/** A port that was free a moment ago, for servers that cannot listen on port 0 and report it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: HOST }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listening on ${HOST}:${port} after ${timeoutMs} ms`);
}

export interface RunningMosquitto {
  port: number;
  url: string;
  /** Ends the broker (SIGTERM; with `kill`, SIGKILL) and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, with what it persisted. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  remove(): Promise<void>;
}

/**
 * Debian's Mosquitto on a loopback port of its own, anonymous, keeping sessions in memory across a
 * SIGTERM restart (persistence to its own directory). Lines of its config may be added.
 */
export async function startMosquitto(extraConfig: string[] = []): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-test-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} ${HOST}`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', 'log_type error', ...extraConfig, ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk) => (log += chunk));
    await waitForListener(port, 10_000).catch((error: Error) => {
      throw new Error(`${error.message}; mosquitto said: ${log}`);
    });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill(signal);
    });
  };
  await start();
  return {
    port,
    url: `mqtt://${HOST}:${port}`,
    stop,
    restart: start,
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Skips the running test without Debian's mosquitto, naming the package; under CI (env CI set) fails instead. */
export function requireMosquitto(context: { skip(note?: string): void }): void {
  if (existsSync(MOSQUITTO)) return;
  const note = 'needs the Debian package mosquitto (apt-get install -y mosquitto)';
  if (process.env.CI) throw new Error(`${note}; CI must have it`);
  context.skip(note);
}
