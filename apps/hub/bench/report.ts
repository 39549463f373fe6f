/** Turns measurements into the comparison table, the hub-against-its-core verdict and docs/benchmarks.md. */
import type { Measurement, Metric, Scenario, Sizes } from './scenarios.js';

export interface Run extends Measurement {
  /** CPU used during the measured part, as a fraction of one core; `others` by the rest of the machine. */
  cpu: { broker: number; client: number; others: number };
}

export interface Cell {
  runs: Run[];
  /** Median of each metric over the runs. */
  values?: Record<string, number>;
  error?: string;
}

export interface TargetResult {
  name: string;
  /** Why the target did not run at all. */
  skipped?: string;
  cells: Map<string, Cell>;
}

/** The hub may cost at most this much against its bare broker core on any metric. */
const HUB_BUDGET = 0.1;
const RATIOS: [string, string][] = [
  ['hub', 'core'],
  ['hub', 'mosquitto'],
  ['core', 'mosquitto'],
];

interface Row {
  metric: Metric;
  scenario: string;
  value(target: string): number | undefined;
  shown(target: string): string;
}

function rows(scenarios: Scenario[], results: TargetResult[]): Row[] {
  const byName = new Map(results.map((result) => [result.name, result]));
  return scenarios.flatMap((scenario) =>
    scenario.metrics.map((metric) => {
      const value = (target: string) => byName.get(target)?.cells.get(scenario.name)?.values?.[metric.key];
      const shown = (target: string) => {
        const result = byName.get(target);
        if (!result) return 'not run';
        if (result.skipped) return 'skipped';
        const cell = result.cells.get(scenario.name);
        if (cell?.error) return 'FAILED';
        const v = value(target);
        return v === undefined ? '—' : formatValue(v) + (cell && droppedQos0(cell) ? '*' : '');
      };
      return { metric, scenario: scenario.name, value, shown };
    }),
  );
}

export function formatValue(value: number): string {
  const size = Math.abs(value);
  if (size >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(size >= 10 ? 1 : size >= 1 ? 2 : 3);
}

function ratio(row: Row, a: string, b: string): number | undefined {
  const [x, y] = [row.value(a), row.value(b)];
  return x === undefined || y === undefined || y === 0 ? undefined : x / y;
}

/** A Markdown table with padded columns, readable on a terminal too. */
function table(header: string[], body: string[][]): string {
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i < 2 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function resultsTable(scenarios: Scenario[], results: TargetResult[], targets: string[]): string {
  const header = ['scenario', 'unit', ...targets, ...RATIOS.map(([a, b]) => `${a}/${b}`)];
  const body = rows(scenarios, results).map((row) => [
    row.metric.label,
    row.metric.unit,
    ...targets.map((target) => row.shown(target)),
    ...RATIOS.map(([a, b]) => {
      const r = ratio(row, a, b);
      return r === undefined ? '—' : `${r.toFixed(2)}x`;
    }),
  ]);
  return table(header, body);
}

/** One line per metric: is the hub within HUB_BUDGET of its bare broker core? */
export function hubVerdict(scenarios: Scenario[], results: TargetResult[]): string[] {
  return rows(scenarios, results).map((row) => {
    const r = ratio(row, 'hub', 'core');
    if (r === undefined) return `- ${row.metric.label}: not measured (hub ${row.shown('hub')}, core ${row.shown('core')})`;
    const within = row.metric.better === 'higher' ? r >= 1 - HUB_BUDGET : r <= 1 + HUB_BUDGET;
    const cost = row.metric.better === 'higher' ? 1 - r : r - 1;
    const percentCost = Math.round(cost * 100);
    const costText = percentCost === 0 ? 'no difference' : percentCost < 0 ? `${-percentCost}% better` : `${percentCost}% worse`;
    return `- ${row.metric.label}: ${within ? 'within' : 'NOT within'} 10% (hub/core ${r.toFixed(2)}x, ${costText})`;
  });
}

/** Other processes using more than this share of a core during a measurement make it unreliable. */
const NOISY = 0.15;
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
const droppedQos0 = (cell: Cell) => cell.runs.some((run) => run.notes.some((note) => note.startsWith('delivered')));

/** Every run's values, mean CPU, and each distinct note: `rate 25,042 / 27,100 / 30,001 msg/s; broker CPU 80%, ...`. */
export function describeCell(scenario: Scenario, cell: Cell): string {
  const values = scenario.metrics.map(({ key, unit }) => `${key} ${cell.runs.map((run) => formatValue(run.values[key])).join(' / ')} ${unit}`);
  const mean = (pick: (run: Run) => number) => cell.runs.reduce((sum, run) => sum + pick(run), 0) / cell.runs.length;
  const others = mean((run) => run.cpu.others);
  const cpu = cell.runs.length
    ? [`CPU: broker ${percent(mean((run) => run.cpu.broker))}, client ${percent(mean((run) => run.cpu.client))}, other processes ${percent(others)}${others > NOISY ? ' (busy machine: numbers unreliable)' : ''}`]
    : [];
  const notes = [...new Set(cell.runs.flatMap((run) => run.notes))];
  return [...values, ...cpu, ...notes].join('; ');
}

/** How much CPU the rest of the machine took during the measurements: the run's noise floor. */
export function machineNoise(results: TargetResult[]): string {
  const others = results.flatMap((result) => [...result.cells.values()].flatMap((cell) => cell.runs.map((run) => run.cpu.others)));
  if (!others.length) return 'no measurements';
  const mean = others.reduce((sum, value) => sum + value, 0) / others.length;
  const max = Math.max(...others);
  return `other processes used ${percent(mean)} of a core on average during measurements (max ${percent(max)})${max > NOISY ? ': some runs were disturbed, see Details' : ''}`;
}

export function details(scenarios: Scenario[], results: TargetResult[]): string[] {
  return results.flatMap((result) => {
    if (result.skipped) return [`- ${result.name}: skipped: ${result.skipped}`];
    return scenarios.flatMap((scenario) => {
      const cell = result.cells.get(scenario.name);
      if (!cell) return [];
      if (cell.error) return [`- ${result.name} ${scenario.name}: FAILED: ${cell.error.split('\n')[0]}`];
      return [`- ${result.name} ${scenario.name}: ${describeCell(scenario, cell)}`];
    });
  });
}

export function describeSizes(sizes: Sizes): string[] {
  const { fanIn, fanOut, qos1, latency, connect, retained, payloadBytes } = sizes;
  return [
    `- fan-in: ${fanIn.publishers} publishers → 1 subscriber on a \`#\` filter, ${fanIn.messages.toLocaleString('en-US')} QoS 0 messages of ${payloadBytes} B; rate at the subscriber, first to last message. Flood: publishers write as fast as the broker's sockets accept; paced: at most ${fanIn.paced.toLocaleString('en-US')} messages sent but not yet delivered`,
    `- fan-out: 1 publisher → ${fanOut.subscribers} subscribers, ${fanOut.messages.toLocaleString('en-US')} QoS 0 messages each; deliveries/s over all subscribers`,
    `- QoS 1: ${qos1.messages.toLocaleString('en-US')} messages, ${qos1.window} in flight, subscriber acks every one; each sequence number checked (any loss fails the run); first send to last delivery and PUBACK`,
    `- latency: ${latency.samples.toLocaleString('en-US')} QoS 0 messages one at a time (publish, wait for delivery, next)`,
    `- connect: ${connect.clients.toLocaleString('en-US')} clients, ${connect.concurrency} connecting at a time, CONNECT → CONNACK; then broker RSS growth / ${connect.clients.toLocaleString('en-US')} with all of them idle`,
    `- retained: ${retained.messages.toLocaleString('en-US')} retained messages on distinct topics (stored as QoS 1, each PUBACKed), then a new subscriber to \`#\` of them: SUBSCRIBE to the last retained message`,
  ];
}

export interface DocInput {
  date: string;
  noise: string;
  repeat: number;
  command: string;
  machine: string[];
  sizes: Sizes;
  table: string;
  verdict: string[];
  details: string[];
}

export function renderDoc({ date, noise, repeat, command, machine, sizes, table, verdict, details }: DocInput): string {
  return `# Benchmarks

MQTT broker benchmark: the hub (durable persistence, \`$SYS\` and in-process subscribers on) against its
broker core bare (\`libs/broker\`, in-memory store, no hub around it) and Mosquitto (Debian package, default
settings except a larger per-client queue). This file is written by the bench; run it again to refresh it.

- Command: \`${command}\` (code in \`apps/hub/bench/\`)
- Date: ${date}
- Load: ${noise}
${machine.map((line) => `- ${line}`).join('\n')}

## Results

${table}

Ratios divide the two columns' values: for msg/s, deliveries/s and conn/s higher is better; for ms and kB
lower is better. \`*\` marks a QoS 0 rate where the broker dropped messages (see Details).

## Hub against its bare broker core

Target: the hub costs at most 10% against the bare core on every scenario.

${verdict.join('\n')}

## Method

Every broker runs as its own process (RSS from \`/proc/<pid>/status\`, CPU from \`/proc/<pid>/stat\`),
one at a time. Each scenario runs ${repeat === 1 ? 'once' : `${repeat} times`} per broker (latency three times as
often: its p99 moves by 20 % or more between runs), the brokers taking turns, who goes first rotating (the
bench's own process gets faster over its first runs), each time on a freshly started process: first with
small counts as a warm-up, then measured on the same process. CPU shares are over the measured traffic
(connect: not the second it then waits before reading RSS). The table shows the median, Details every run. Clients are raw TCP
sockets in one Node process speaking MQTT 3.1.1, with packets encoded before the measurement (QoS 0
publishes written 100 to a write), a frame cutter on the receive side, TCP_NODELAY, and backpressure
respected. All traffic is on 127.0.0.1.

${describeSizes(sizes).join('\n')}

## Reading the numbers

- Flood against paced fan-in: flooded, the brokers must absorb a backlog (the Node brokers pause the
  publishers feeding a subscriber that falls behind); paced, the backlog stays small and the rate shows the cost
  per message. A large gap between the two rows is the broker's backlog handling.
- QoS 1 is bounded by round trips as much as by CPU: Mosquitto sends at most 20 QoS 1 messages in flight
  to a subscriber by default (\`max_inflight_messages\`, left at its default here), the hub and the core
  send at most HEARTH_MQTT_MAX_INFLIGHT (also 20); the client's CPU share in Details shows when the client, not the broker, was the limit.
- Latencies are tens of microseconds: 10% of them is a few microseconds, below the run-to-run spread.
  p50 also depends on where the scheduler puts client and broker: on one core a round trip is faster
  than across two, and a run can land either way.
- Latency maxima near 40 ms come from brokers leaving Nagle's algorithm on (Mosquitto does by
  default; the hub sets TCP_NODELAY) meeting the client kernel's delayed ACKs; p50 and p99 are
  mostly clear of it.
- A Node broker's RSS grows in steps as V8 enlarges its heap, and free heap left from start-up (the hub
  has more) absorbs part of the 2,000 connections: RSS per idle connection compares Node brokers only
  roughly; against Mosquitto the order of magnitude is what counts.
- Client and broker share the machine's cores. Runs during which other processes used more than
  ${percent(NOISY)} of a core are marked in Details; compare ratios from quiet runs only.

## Details

${details.join('\n')}
`;
}
