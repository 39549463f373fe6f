import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programOf } from '@hearth/broker/testing/system-packages';
import { freePort, waitForListener } from './ports.js';

/** Where Debian puts the broker (bench targets read it; tests spawn it with programOf). */
export const MOSQUITTO = '/usr/sbin/mosquitto';
const HOST = '127.0.0.1';

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
    child = spawn(programOf('mosquitto', 'mosquitto'), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
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
