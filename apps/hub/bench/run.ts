/**
 * `npm run bench`: the same MQTT scenarios against the hub, the bare broker core of
 * libs/broker and Mosquitto, one broker at a time, then a comparison table and docs/benchmarks.md.
 *
 *   --only=hub,core,mosquitto   run only these targets
 *   --scenarios=fan-out,qos1     run only these scenarios
 *   --quick                      small counts, a smoke run
 * Only a full run (no --only, --scenarios or --quick) writes docs/benchmarks.md.
 *   --repeat=N                   runs per scenario and target, each on a fresh broker (default 3); the median is reported
 *
 * Exits 0 whatever the numbers are (a measurement, not a test); non-zero if a scenario could not complete.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMs, machineBusyMs } from './proc.js';
import { describeCell, details, hubVerdict, machineNoise, renderDoc, resultsTable, type Cell, type Run, type TargetResult } from './report.js';
import { FULL, SCENARIOS, SMALL, type Broker, type Scenario, type Sizes } from './scenarios.js';
import { MOSQUITTO } from '../test/support/mosquitto.js';
import { TARGETS, type RunningTarget, type Target } from './targets.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url)); // from apps/hub/dist/bench
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const WATCHDOG_MS = 15 * 60_000;

/** What the broker, the bench and the whole machine had used at one moment. */
interface CpuSnapshot {
  at: number;
  broker: number;
  client: NodeJS.CpuUsage;
  busy: number;
}

const snapshot = (pid: number): CpuSnapshot => ({ at: performance.now(), broker: cpuMs(pid), client: process.cpuUsage(), busy: machineBusyMs() });

/** One run: the target started fresh, warmed up with small counts, then measured; stopped either way. */
async function measureOnce(target: Target, scenario: Scenario, sizes: Sizes): Promise<Run | { error: string; started: boolean }> {
  let running: RunningTarget | undefined;
  const held: (() => void)[] = [];
  try {
    running = await target.start();
    const pid = running.pid;
    let measuring = false;
    let trafficEnd: CpuSnapshot | undefined;
    const broker: Broker = {
      port: running.port,
      pid,
      hold: (release) => held.push(release),
      trafficDone: () => {
        if (measuring) trafficEnd ??= snapshot(pid);
      },
    };
    await scenario.run(broker, SMALL, 'warm');
    measuring = true;
    const start = snapshot(pid);
    const measurement = await scenario.run(broker, sizes, 'bench');
    const end = trafficEnd ?? snapshot(pid);
    const wall = end.at - start.at;
    const clientMs = (end.client.user + end.client.system - start.client.user - start.client.system) / 1000;
    const cpu = { broker: (end.broker - start.broker) / wall, client: clientMs / wall };
    return { ...measurement, cpu: { ...cpu, others: Math.max(0, (end.busy - start.busy) / wall - cpu.broker - cpu.client) } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const crash = running?.crashed();
    return { error: crash ? `${message}\n${crash}` : message, started: running !== undefined };
  } finally {
    for (const release of held) release();
    await running?.stop();
  }
}

/** The cell of one target and scenario: the median of each metric over the runs. */
function summarize(scenario: Scenario, runs: Run[]): Cell {
  return { runs, values: Object.fromEntries(scenario.metrics.map(({ key }) => [key, median(runs.map((run) => run.values[key]))])) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function progressLine(target: string, scenario: Scenario, cell: Cell): string {
  const head = `${target.padEnd(10)} ${scenario.name.padEnd(13)}`;
  return cell.error ? `${head} FAILED: ${cell.error}` : `${head} ${describeCell(scenario, cell)}`;
}

function machine(ran: string[]): string[] {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const lines = [
    `Machine: nproc ${availableParallelism()}, ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Linux ${release()}`,
    `Node ${process.version}`,
  ];
  if (ran.includes('mosquitto')) {
    const version = /mosquitto version (\S+)/.exec(spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout)?.[1];
    lines.push(`Mosquitto ${version ?? 'unknown version'} (${MOSQUITTO})`);
  }
  return lines;
}

async function main(): Promise<number> {
  const { values: flags } = parseArgs({ options: { only: { type: 'string' }, scenarios: { type: 'string' }, quick: { type: 'boolean', default: false }, repeat: { type: 'string', default: '3' } } });
  const only = flags.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !TARGETS.some((target) => target.name === name)) ?? [];
  if (unknown.length) {
    console.error(`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map((target) => target.name).join(', ')}`);
    return 2;
  }
  const chosen = flags.scenarios?.split(',').map((name) => name.trim());
  const unknownScenarios = chosen?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknownScenarios.length) {
    console.error(`unknown scenario(s) ${unknownScenarios.join(', ')}; known: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
    return 2;
  }
  const scenarios = SCENARIOS.filter((scenario) => !chosen || chosen.includes(scenario.name));
  const repeat = Number(flags.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10) {
    console.error(`--repeat must be an integer from 1 to 10, not ${flags.repeat}`);
    return 2;
  }
  const targets = TARGETS.filter((target) => !only || only.includes(target.name));
  const sizes = flags.quick ? SMALL : FULL;
  const failures: string[] = [];
  const results: TargetResult[] = [];

  const runnable: Target[] = [];
  for (const target of targets) {
    const result: TargetResult = { name: target.name, cells: new Map() };
    results.push(result);
    const unavailable = target.unavailable();
    if (!unavailable) runnable.push(target);
    else {
      result.skipped = unavailable;
      console.log(`${target.name}: skipped: ${unavailable}`);
      if (!target.optional) failures.push(`${target.name}: ${unavailable}`);
    }
  }

  // Targets take turns within each repetition, so that a machine getting busier or quieter mid-run
  // affects all of them alike, and who goes first rotates: the bench's own process gets faster over its
  // first few runs (connect: Mosquitto 5,600, 6,900, then 10,200 conn/s), so the first place is a handicap.
  const notStarted = new Map<Target, string>(); // a target that did not start once is not retried
  for (const scenario of scenarios) {
    const runs = new Map<Target, Run[]>(runnable.map((target) => [target, []]));
    const errors = new Map<Target, string>();
    for (let i = 0; i < repeat * (scenario.runsPerRepeat ?? 1); i++) {
      const first = i % runnable.length;
      for (const target of [...runnable.slice(first), ...runnable.slice(0, first)]) {
        if (errors.has(target) || notStarted.has(target)) continue;
        const run = await measureOnce(target, scenario, sizes);
        if (!('error' in run)) runs.get(target)!.push(run);
        else {
          errors.set(target, run.error);
          if (!run.started) notStarted.set(target, run.error);
        }
      }
    }
    for (const target of runnable) {
      const error = errors.get(target) ?? notStarted.get(target);
      const cell: Cell = error ? { runs: runs.get(target)!, error } : summarize(scenario, runs.get(target)!);
      results.find((result) => result.name === target.name)!.cells.set(scenario.name, cell);
      console.log(progressLine(target.name, scenario, cell));
      if (error) failures.push(`${target.name} ${scenario.name}: ${error.split('\n')[0]}`);
    }
  }

  const columns = TARGETS.map((target) => target.name);
  const table = resultsTable(scenarios, results, columns);
  const verdict = hubVerdict(scenarios, results);
  console.log(`\n${table}\n\nHub against its bare broker core (target: at most 10% cost):\n${verdict.join('\n')}\n\nLoad: ${machineNoise(results)}`);

  if (failures.length) {
    console.error(`\n${failures.length} failure(s); docs/benchmarks.md not written:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    return 1;
  }
  if (!flags.quick && !flags.only && !flags.scenarios) {
    const args = process.argv.slice(2);
    const viaNpm = process.env.npm_lifecycle_event === 'bench';
    const command = viaNpm ? ['npm run bench', ...(args.length ? ['--', ...args] : [])].join(' ') : ['node apps/hub/dist/bench/run.js', ...args].join(' ');
    const ran = results.filter((result) => !result.skipped).map((result) => result.name);
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const doc = renderDoc({ date, noise: machineNoise(results), command, machine: machine(ran), sizes, repeat, table, verdict, details: details(scenarios, results) });
    writeFileSync(DOC, `${doc.trimEnd()}\n${companionBenches()}`);
    console.log(`\nwrote ${DOC}`);
  }
  return 0;
}

/** The other capabilities' benchmarks, each its own script: run in turn, their output kept as they print it. */
const COMPANIONS = [
  { title: 'Entities: 1,000 entities at 10,000 state messages/s, PUBLISH to WebSocket push', script: 'entities.js', target: 'p99 under 10 ms, every update stored' },
  { title: 'MQTT-SN gateway: publishes/s through the gateway to an MQTT subscriber', script: 'mqtt-sn.js', target: 'over 11,000 publishes/s on the pty (XBee) path' },
  { title: 'Dashboard: first render of Home in headless Chromium', script: 'dashboard.js', target: 'under 300 ms' },
  { title: 'Start: a hub with a current build until it answers, and its idle memory', script: 'startup.js', target: 'ready in under 1 s, idle under 90 MB RSS' },
  {
    title: 'Other brokers: entities through an external Mosquitto beside the embedded broker; a bridge at QoS 1 and its backlog',
    script: 'external.js',
    target: 'external mode keeps every update (its cost beside the embedded broker recorded); the bridge drains 100,000 stored messages after the link returns',
  },
  {
    title: 'Energy and history: ingest through MQTT while history is asked for; a year of 5 meters through the API; bytes per million readings',
    script: 'energy.js',
    target: '>= 20,000 readings/s sustained, every one stored; a year of daily kWh, a week of hourly kWh and a day at 5 minutes each p95 under 50 ms',
  },
];

function companionBenches(): string {
  return COMPANIONS.map(({ title, script, target }) => {
    console.log(`\n${title}`);
    const run = spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), script)], { encoding: 'utf8', timeout: 300_000 });
    const output = `${run.stdout ?? ''}${run.status === 0 ? '' : `\n(exited ${run.status ?? run.signal}: ${(run.stderr ?? '').trim().split('\n').slice(-3).join(' / ')})`}`.trim();
    console.log(output);
    return `\n## ${title}\n\nTarget: ${target}. Command: \`node apps/hub/dist/bench/${script}\` (also run by \`npm run bench\`).\n\n\`\`\`\n${output}\n\`\`\`\n`;
  }).join('');
}

// Every wait inside is bounded; this is the last resort against a hang.
setTimeout(() => {
  console.error(`bench still running after ${WATCHDOG_MS / 60_000} minutes: giving up`);
  process.exit(1);
}, WATCHDOG_MS).unref();

process.exitCode = await main();
