// Start of a hub with a current build: the hub as `npm start` runs it (its command, node flags included,
// read from package.json's start script: the build check, then the bundled hub, in one process) and
// `npm start` itself (npm, then that command) until GET /api/health answers, the CPU the hub used by
// then, and its resident memory once idle. The budget is npm start's, as a user types it. The data directory was made by a first start (not counted), as on every start but the first.
// Run: npx tsc -b && node apps/hub/dist/bench/startup.js [runs]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, rssKb } from './proc.js';
import { freePort } from '../test/support/ports.js';

const RUNS = Number(process.argv[2] ?? 5);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url)); // from apps/hub/dist/bench
/** What `npm start` runs once the build is current: the last command of its script. */
const START_SCRIPT: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
const HUB_COMMAND = START_SCRIPT.split(' && ').at(-1)!.split(' ');
const HUB = [process.execPath, ...HUB_COMMAND.slice(1)];
const IDLE_MS = 5000;
const READY_BUDGET_MS = 1000;
const RSS_BUDGET_MB = 90;

interface Start {
  readyMs: number;
  /** CPU the hub process used until it answered (the wall time on a quiet machine, less waiting on disk). */
  cpuMs?: number;
  rssMb?: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-startup-'));

/** Starts `command` (its own process group), times it to the first answer of /api/health, then stops it. */
async function timeStart(command: string[], measureHub: boolean): Promise<Start> {
  const port = await freePort();
  const env = { ...process.env, HEARTH_DATA_DIR: dataDir, HEARTH_HTTP_HOST: '127.0.0.1', HEARTH_HTTP_PORT: String(port), HEARTH_MQTT_PORT: '0', HEARTH_SN_UDP_PORT: '0', HEARTH_LOG_LEVEL: 'warn' };
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env, stdio: 'ignore', detached: true });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
      const answered = await fetch(`http://127.0.0.1:${port}/api/health`).then((response) => response.ok, () => false);
      if (answered) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const readyMs = performance.now() - started;
    if (!measureHub) return { readyMs };
    const cpu = cpuMs(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { readyMs, cpuMs: cpu, rssMb: rssKb(child.pid!) / 1024 };
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGINT'); // the group: npm and the hub it started
  await exited;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[], digits = 0) => `(min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)})`;

try {
  await timeStart(HUB, false); // creates and migrates the database
  const hub: Start[] = [];
  const npm: Start[] = [];
  for (let run = 0; run < RUNS; run++) {
    hub.push(await timeStart(HUB, true));
    npm.push(await timeStart(['npm', 'start', '--silent'], false));
  }
  const ready = median(npm.map((start) => start.readyMs));
  const rss = median(hub.map((start) => start.rssMb!));
  const [load] = loadavg();
  process.stdout.write(
    [
      `hub start on a current build, ${RUNS} runs each, median (machine load average ${load!.toFixed(1)} while measuring):`,
      `${HUB_COMMAND.join(' ')}\n  -> /api/health answers                               ${median(hub.map((start) => start.readyMs)).toFixed(0).padStart(6)} ms ${range(hub.map((start) => start.readyMs))}`,
      `  CPU the hub used by then                             ${median(hub.map((start) => start.cpuMs!)).toFixed(0).padStart(6)} ms ${range(hub.map((start) => start.cpuMs!))}`,
      `npm start -> answers                                   ${ready.toFixed(0).padStart(6)} ms ${range(npm.map((start) => start.readyMs))}`,
      `hub resident memory ${IDLE_MS / 1000} s after it answered, idle    ${rss.toFixed(1).padStart(6)} MB ${range(hub.map((start) => start.rssMb!), 1)}`,
      `budget   npm start ready under ${READY_BUDGET_MS} ms: ${ready < READY_BUDGET_MS ? 'met' : 'MISSED'}; idle under ${RSS_BUDGET_MB} MB: ${rss < RSS_BUDGET_MB ? 'met' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
