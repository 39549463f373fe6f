/**
 * Energy and history benchmark (#13), three parts:
 *
 * 1. Ingest: N Home Assistant discovery sensors (half power in W, half temperatures) updated at a fixed
 *    total rate by one MQTT publisher, through the real hub (PUBLISH -> entity -> recorder -> statistics),
 *    while a second client asks for history over HTTP the whole time. Reports the rate reached, that every
 *    reading was stored (rows in `reading` once the hub committed), the hub's CPU and the history latencies.
 * 2. A year: 10-second readings of 5 meters (a grid meter's kWh counter, set to grid_import, and 4 power
 *    plugs) for a year, generated here and fed through the hub's StatisticsRecorder and SQLite repository
 *    into a data directory whose entities the hub announced; raw readings only for the retention window (as
 *    the purge would leave them). Then the hub starts on it and the energy and history API are timed.
 * 3. Database bytes per million readings, raw (`reading`) and statistics (`statistic_5m` + `statistic_hour`),
 *    from SQLite's dbstat table over the year's database.
 *
 *   node apps/hub/dist/bench/energy.js [--quick] [--sensors=1000] [--rate=22000] [--seconds=15] [--days=365]
 *
 * --quick: 200 sensors at 5,000/s for 5 s, and 30 days. Prints a JSON summary as its last line.
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { EntityDto } from '@hearth/api-types';
import { StatisticsRecorder, type Reading, type SavedSeries, type SeriesSpec, type SeriesStatistics, type StatisticsStore } from '@hearth/statistics';
import { pino } from 'pino';
import { DatabaseWrites } from '../src/database/database-writes.js';
import { StatisticsRepository } from '../src/statistics/statistics.repository.js';
import { BenchClient, encodeConnect, encodePublish, HOST, PacketRun } from './mqtt-client.js';
import { cpuMs, machineBusyMs } from './proc.js';
import { ADMIN, addAdmin, waitFor } from './bench-admin.js';
import { startHub, type RunningHub } from './targets.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
/** The hub's defaults (HEARTH_HISTORY_RETENTION_DAYS, HEARTH_ENERGY_MAX_GAP); the year is fed with them. */
const RETENTION_DAYS = 10;
const ENERGY_MAX_GAP = 5 * 60 * SECOND;
const MEASUREMENT_HOLD = 6 * HOUR;
const TARGET_MS = 50;

// ------------------------------------------------------------------------------------------ helpers

/** An HTTP client of the hub, logged in as the bench's admin. */
class Api {
  private constructor(
    readonly base: string,
    private readonly headers: Record<string, string>,
  ) {}

  static async login(hub: RunningHub): Promise<Api> {
    const base = `http://${HOST}:${hub.httpPort}`;
    const response = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    if (!response.ok) throw new Error(`login: HTTP ${response.status}`);
    const { token } = (await response.json()) as { token: string };
    return new Api(base, { authorization: `Bearer ${token}` });
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { headers: this.headers });
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { method: 'PUT', headers: { ...this.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The entities whose unique id starts with `prefix`, once there are `count` of them. */
  entities(prefix: string, count: number): Promise<EntityDto[]> {
    return waitFor(
      `${count} entities ${prefix}*`,
      async () => {
        const mine = (await this.get<EntityDto[]>('/api/entities')).filter((entity) => entity.uniqueId.startsWith(prefix));
        return mine.length === count ? mine : undefined;
      },
      60_000,
    );
  }
}

export interface Latencies {
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** The hub's CPU time per request, in ms (less sensitive to a busy machine than the latencies). */
  hubCpuMs?: number;
}

/** Nearest-rank percentiles, in ms. */
function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1] ?? NaN };
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

/** CPU over a stretch, in cores (1 = one core busy): the hub's, this process's, and every other process's on the machine. */
export interface CpuShares {
  hub: number;
  bench: number;
  others: number;
}

function cpuMeter(hubPid: number): () => CpuShares {
  const [hub, bench, busy, start] = [cpuMs(hubPid), process.cpuUsage(), machineBusyMs(), performance.now()];
  return () => {
    const wall = performance.now() - start;
    const shares = { hub: (cpuMs(hubPid) - hub) / wall, bench: ((u) => (u.user + u.system) / 1000 / wall)(process.cpuUsage(bench)) };
    return { ...shares, others: Math.max(0, (machineBusyMs() - busy) / wall - shares.hub - shares.bench) };
  };
}

const percent = (cores: number) => `${(cores * 100).toFixed(0)}%`;
/** As run.ts marks them: a stretch during which other processes used more than 15% of a core. */
const load = ({ hub, bench, others }: CpuShares) => `CPU: hub ${percent(hub)}, bench ${percent(bench)}, other processes ${percent(others)}${others > 0.15 ? ' (a busy machine: times are inflated)' : ''}`;

const ms = (value: number) => `${value.toFixed(1)} ms`;
const describe = ({ count, p50, p95, max, hubCpuMs }: Latencies) =>
  `p50 ${ms(p50)}, p95 ${ms(p95)}, max ${ms(max)} (${count} requests${hubCpuMs === undefined ? '' : `; hub CPU ${ms(hubCpuMs)} per request`})`;

// ------------------------------------------------------------------------------------------ 1. ingest

export interface IngestResult {
  sensors: number;
  rate: number;
  sent: number;
  achievedRate: number;
  stored: number;
  /** While the publisher sent. */
  cpu: CpuShares;
  historyRaw: Latencies;
  history5m: Latencies;
}

async function ingest({ sensors, rate, seconds }: { sensors: number; rate: number; seconds: number }): Promise<IngestResult> {
  const hub = await startHub({ HEARTH_MQTT_ANONYMOUS: 'true' }, addAdmin);
  try {
    const api = await Api.login(hub);
    const client = await BenchClient.open(hub.port, encodeConnect('bench-energy'));
    const power = (i: number) => i % 2 === 0;
    const configs = Array.from({ length: sensors }, (_, i) => {
      const config = power(i)
        ? { name: `Plug ${i}`, unique_id: `bench-ingest-${i}`, state_topic: `bench/${i}/state`, unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' }
        : { name: `Room ${i}`, unique_id: `bench-ingest-${i}`, state_topic: `bench/${i}/state`, unit_of_measurement: '°C', device_class: 'temperature', state_class: 'measurement' };
      return encodePublish(`homeassistant/sensor/bench${i}/config`, Buffer.from(JSON.stringify(config)), 1, true, i + 1);
    });
    await client.send(Buffer.concat(configs));
    const entities = await api.entities('bench-ingest-', sensors);

    // Round robin over the sensors: a sensor's readings are `sensors` messages apart, so no two of them
    // arrive in the same millisecond (the hub stamps readings with its clock, and one at the same time as
    // the last is a duplicate).
    const total = rate * seconds;
    const run = new PacketRun(
      Array.from({ length: total }, (_, seq) => {
        const i = seq % sensors;
        const value = power(i) ? (40 + ((seq * 7) % 2000) / 10).toFixed(1) : (18 + ((seq * 3) % 80) / 10).toFixed(1);
        return encodePublish(`bench/${i}/state`, Buffer.from(value));
      }),
    );

    // History asked for all along, one request at a time: the last minute raw, or the last 24 hours at
    // 5 minutes, of a sensor taken in turn.
    const raw: number[] = [];
    const fiveMinutes: number[] = [];
    let sending = true;
    const queries = (async () => {
      for (let n = 0; sending; n++) {
        const entity = entities[n % entities.length];
        const to = Date.now();
        if (n % 2 === 0) raw.push(await timed(() => api.get(`/api/history/${entity.id}?resolution=raw&from=${new Date(to - 60 * SECOND).toISOString()}&to=${new Date(to).toISOString()}`)));
        else fiveMinutes.push(await timed(() => api.get(`/api/history/${entity.id}?resolution=5m&from=${new Date(to - DAY).toISOString()}&to=${new Date(to).toISOString()}`)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    // Paced: every millisecond, the messages due by then, as one write.
    const cpu = cpuMeter(hub.pid);
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      if (due > sent) {
        await client.send(run.slice(sent, due));
        sent = due;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const sendMs = performance.now() - start;
    const shares = cpu();
    sending = false;
    await queries;

    // Every reading in `reading`, once the hub has committed them (it commits each turn's writes).
    const db = new Database(join(hub.dataDir, 'hearth.db'), { readonly: true });
    const count = db.prepare(`SELECT count(*) AS n FROM reading WHERE series IN (SELECT id FROM statistic_series WHERE key IN (SELECT value FROM json_each(?)))`);
    const ids = JSON.stringify(entities.map((entity) => entity.id));
    const stored = await waitFor('every reading stored', () => {
      const { n } = count.get(ids) as { n: number };
      return n >= total ? n : undefined;
    }, 30_000).catch(() => (count.get(ids) as { n: number }).n);
    db.close();
    client.close();
    return { sensors, rate, sent: total, achievedRate: Math.round((total * 1000) / sendMs), stored, cpu: shares, historyRaw: latencies(raw), history5m: latencies(fiveMinutes) };
  } finally {
    await hub.stop();
  }
}

// ------------------------------------------------------------------------------------------ 2. a year

/** The meters: a grid meter's kWh counter (the house, grid import) and four plugs measuring power. */
const METERS = [
  { uniqueId: 'bench-meter-grid', name: 'Grid meter', config: { unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' } },
  { uniqueId: 'bench-meter-fridge', name: 'Fridge', config: { unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' } },
  { uniqueId: 'bench-meter-washer', name: 'Washing machine', config: { unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' } },
  { uniqueId: 'bench-meter-heat-pump', name: 'Heat pump', config: { unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' } },
  { uniqueId: 'bench-meter-office', name: 'Office', config: { unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' } },
] as const;

/** A plug's power at a time: made up, but with days, seasons, cycles and idle stretches. */
function plugWatts(plug: number, time: number): number {
  const hourOfDay = (time % DAY) / HOUR;
  const season = Math.cos((2 * Math.PI * (time % (365 * DAY))) / (365 * DAY)); // 1 in winter, -1 in summer
  const noise = ((Math.imul(Math.floor(time / 10_000), 0x9e3779b1) ^ Math.imul(plug, 40503)) >>> 0) % 1000 / 1000; // deterministic, 0..1
  switch (plug) {
    case 1: // fridge: compressor on 20 minutes of every 50
      return (time / 60_000) % 50 < 20 ? 90 + noise * 10 : 2;
    case 2: // washing machine: an hour and a half most evenings
      return Math.floor(time / DAY) % 3 !== 0 && hourOfDay >= 19 && hourOfDay < 20.5 ? 400 + noise * 1600 : 1;
    case 3: // heat pump: more in winter, more at night
      return Math.max(0, 800 + 700 * season + (hourOfDay < 6 ? 300 : 0) + noise * 200);
    default: // office: weekdays' working hours
      return Math.floor(time / DAY) % 7 < 5 && hourOfDay >= 8 && hourOfDay < 18 ? 120 + noise * 80 : 8;
  }
}

/** The statistics store with raw readings older than the retention window left out, as the purge would leave them. */
class RetentionWindow implements StatisticsStore {
  constructor(
    private readonly store: StatisticsStore,
    private readonly since: number,
  ) {}

  loadSeries(): SavedSeries[] {
    return this.store.loadSeries();
  }

  addSeries(spec: SeriesSpec): number {
    return this.store.addSeries(spec);
  }

  changeSeries(id: number, spec: SeriesSpec): void {
    this.store.changeSeries(id, spec);
  }

  appendReading(series: number, reading: Reading): void {
    if (reading.time >= this.since) this.store.appendReading(series, reading);
  }

  readingsAfter(series: number, time: number): Iterable<Reading> {
    return this.store.readingsAfter(series, time);
  }

  saveStatistics(batch: SeriesStatistics[]): void {
    this.store.saveStatistics(batch);
  }
}

export interface YearResult {
  days: number;
  readings: number;
  feedSeconds: number;
  readingsPerSecond: number;
  rawRows: number;
  dailyKwh: Latencies;
  hourlyKwh: Latencies;
  day5m: Latencies;
  /** While the 60 timed requests ran. */
  cpu: CpuShares;
  /** The year of daily kWh, as JSON. */
  dailyBytes: number;
  bytes: { raw: number; statistics: number; rawPerMillion: number; statisticsPerMillion: number; file: number; source: string };
}

/** Feeds the readings of `days` up to `now` into the hub's database, through the hub's recorder and repository. */
function feed(file: string, specs: SeriesSpec[], days: number, now: number): { readings: number; seconds: number } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const writes = new DatabaseWrites(db, pino({ level: 'warn' }));
  const store = new RetentionWindow(new StatisticsRepository(db, writes), now - RETENTION_DAYS * DAY);
  const recorder = new StatisticsRecorder(store, { energyMaxGapMs: ENERGY_MAX_GAP, measurementHoldMs: MEASUREMENT_HOLD });
  recorder.load();
  const step = 10 * SECOND;
  const end = now - (now % step);
  const start = end - days * DAY;
  const [grid, ...plugs] = specs;
  let counter = 12_345.6; // kWh on the grid meter when the year began
  let readings = 0;
  const started = performance.now();
  for (let time = start; time < end; time += step) {
    let watts = 150; // what no plug measures
    for (let p = 0; p < plugs.length; p++) {
      const w = plugWatts(p + 1, time);
      watts += w;
      recorder.record(plugs[p], time, Math.round(w * 10) / 10);
    }
    counter += (watts * step) / (1000 * HOUR);
    recorder.record(grid, time, Math.round(counter * 1000) / 1000); // a meter's display: Wh steps
    readings += specs.length;
    // As the hub does every few seconds: statistics flushed; and the group commit.
    if ((time - start) % HOUR === HOUR - step) {
      recorder.flush();
      writes.commitNow();
    }
  }
  recorder.flush();
  writes.commitNow();
  const seconds = (performance.now() - started) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { readings, seconds };
}

/** Bytes of each table: dbstat when SQLite has it, else pages counted by walking nothing (the file's share). */
function tableBytes(file: string): { bytes: Record<string, number>; file: number; source: string } {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('reading', 'statistic_5m', 'statistic_hour') GROUP BY name`).all() as Array<{ name: string; bytes: number }>;
    const { size } = db.prepare('SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()').get() as { size: number };
    return { bytes: Object.fromEntries(rows.map((row) => [row.name, row.bytes])), file: size, source: 'dbstat' };
  } finally {
    db.close();
  }
}

async function year({ days, requests }: { days: number; requests: number }): Promise<YearResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hearth-bench-energy-'));
  try {
    // The hub once: the admin, the meters announced, the grid meter's role set; stopped.
    let hub = await startHub({ HEARTH_MQTT_ANONYMOUS: 'true' }, addAdmin, dataDir);
    let specs: SeriesSpec[];
    let ids: string[];
    try {
      const api = await Api.login(hub);
      const client = await BenchClient.open(hub.port, encodeConnect('bench-energy-meters'));
      await client.send(
        Buffer.concat(
          METERS.map(({ uniqueId, name, config }, i) =>
            encodePublish(`homeassistant/sensor/${uniqueId}/config`, Buffer.from(JSON.stringify({ name, unique_id: uniqueId, state_topic: `bench/${uniqueId}/state`, ...config })), 1, true, i + 1),
          ),
        ),
      );
      const entities = await api.entities('bench-meter-', METERS.length);
      client.close();
      ids = METERS.map(({ uniqueId }) => entities.find((entity) => entity.uniqueId === uniqueId)!.id);
      await api.put(`/api/energy/meters/${ids[0]}`, { role: 'grid_import' });
      // The series the hub records them in (libs/entities recorded-series.ts): by unit, the kWh counter and power.
      specs = METERS.map(({ config }, i) => ({ key: ids[i], kind: config.unit_of_measurement === 'kWh' ? 'counter' : 'power', unit: config.unit_of_measurement }));
    } finally {
      await hub.stop();
    }

    const file = join(dataDir, 'hearth.db');
    const now = Date.now();
    const { readings, seconds } = feed(file, specs, days, now);

    hub = await startHub({ HEARTH_MQTT_ANONYMOUS: 'true' }, undefined, dataDir);
    const none = latencies([]);
    let [dailyKwh, hourlyKwh, day5m] = [none, none, none];
    let shares: CpuShares = { hub: NaN, bench: NaN, others: NaN };
    let dailyBytes = NaN;
    try {
      const api = await Api.login(hub);
      const iso = (time: number) => new Date(time).toISOString();
      const queries = {
        daily: `/api/energy?period=day&from=${iso(now - 365 * DAY)}&to=${iso(now)}`,
        hourly: `/api/energy?period=hour&from=${iso(now - 7 * DAY)}&to=${iso(now)}`,
        fiveMinutes: `/api/history/${ids[3]}?resolution=5m&from=${iso(now - DAY)}&to=${iso(now)}`,
      };
      // Right answers before times: the year's kWh are there, and the day has its 288 buckets.
      const report = await api.get<{ buckets: unknown[]; total: { house: { kwh: number } } }>(queries.daily);
      const history = await api.get<{ statistics: unknown[] }>(queries.fiveMinutes);
      if (report.buckets.length < Math.min(days, 365) || !(report.total.house.kwh > 0)) throw new Error(`the daily report is not the fed year: ${report.buckets.length} buckets, ${report.total.house.kwh} kWh`);
      if (history.statistics.length < 287) throw new Error(`a day at 5 minutes has ${history.statistics.length} buckets`);
      dailyBytes = JSON.stringify(report).length;
      await api.get(queries.hourly); // each route once before timing
      const time = async (path: string): Promise<Latencies> => {
        const samples: number[] = [];
        const before = cpuMs(hub.pid);
        for (let i = 0; i < requests; i++) samples.push(await timed(() => api.get(path)));
        return { ...latencies(samples), hubCpuMs: (cpuMs(hub.pid) - before) / requests };
      };
      const cpu = cpuMeter(hub.pid);
      dailyKwh = await time(queries.daily);
      hourlyKwh = await time(queries.hourly);
      day5m = await time(queries.fiveMinutes);
      shares = cpu();
    } finally {
      await hub.stop();
    }

    const { bytes, file: fileBytes, source } = tableBytes(file);
    const db = new Database(file, { readonly: true });
    const { n: rawRows } = db.prepare('SELECT count(*) AS n FROM reading').get() as { n: number };
    db.close();
    const raw = bytes.reading ?? 0;
    const statistics = (bytes.statistic_5m ?? 0) + (bytes.statistic_hour ?? 0);
    return {
      days,
      readings,
      feedSeconds: seconds,
      readingsPerSecond: Math.round(readings / seconds),
      rawRows,
      dailyKwh,
      hourlyKwh,
      day5m,
      cpu: shares,
      dailyBytes,
      bytes: { raw, statistics, rawPerMillion: Math.round((raw / rawRows) * 1e6), statisticsPerMillion: Math.round((statistics / readings) * 1e6), file: fileBytes, source },
    };
  } finally {
    // HEARTH_BENCH_KEEP=1 leaves the year's data directory for a closer look (profiling a query, say).
    if (process.env.HEARTH_BENCH_KEEP) console.error(`kept ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ main

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, sensors: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, days: { type: 'string' }, only: { type: 'string' } },
  });
  const quick = values.quick;
  const only = values.only?.split(',') ?? ['ingest', 'year'];
  const options = {
    sensors: Number(values.sensors ?? (quick ? 200 : 1000)),
    // Paced a tenth above the target, so that reaching the target is measured, not rounded to.
    rate: Number(values.rate ?? (quick ? 5_000 : 22_000)),
    seconds: Number(values.seconds ?? (quick ? 5 : 15)),
    days: Number(values.days ?? (quick ? 30 : 365)),
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const summary: { ingest?: IngestResult; year?: YearResult } = {};

  if (only.includes('ingest')) {
    const r = (summary.ingest = await ingest(options));
    console.log(
      `ingest: ${r.sensors} sensors (half W, half °C), ${r.sent} readings at ${r.achievedRate}/s over MQTT; stored ${r.stored} of ${r.sent}; ${load(r.cpu)}`,
    );
    console.log(`  history during ingest: last minute raw ${describe(r.historyRaw)}; last 24 h at 5m ${describe(r.history5m)}`);
    const stored = r.stored === r.sent ? 'every one stored' : `${r.sent - r.stored} NOT STORED`;
    console.log(`  target >= 20000 readings/s, every one stored: ${r.rate < 20_000 ? `not measured (--rate=${r.rate}); ${stored}` : verdict(r.achievedRate >= 20_000 && r.stored === r.sent)}`);
  }
  if (only.includes('year')) {
    const r = (summary.year = await year({ days: options.days, requests: 20 }));
    console.log(
      `year: ${r.days} days of 10 s readings of 5 meters (grid kWh counter + 4 power plugs): ${r.readings} readings fed through the recorder in ${r.feedSeconds.toFixed(1)} s (${r.readingsPerSecond}/s), raw rows kept ${r.rawRows} (last ${RETENTION_DAYS} days)`,
    );
    console.log(`  GET /api/energy?period=day over 365 days: ${describe(r.dailyKwh)}; ${(r.dailyBytes / 1024).toFixed(0)} kB of JSON`);
    console.log(`  GET /api/energy?period=hour over 7 days:  ${describe(r.hourlyKwh)}`);
    console.log(`  GET /api/history/:id?resolution=5m, 24 h:  ${describe(r.day5m)}`);
    console.log(`  ${load(r.cpu)}`);
    console.log(`  target p95 < ${TARGET_MS} ms each: ${verdict(Math.max(r.dailyKwh.p95, r.hourlyKwh.p95, r.day5m.p95) < TARGET_MS)}`);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;
    console.log(
      `  bytes per million readings (${r.bytes.source}): raw ${(r.bytes.rawPerMillion / 2 ** 20).toFixed(1)} MB (reading: ${kb(r.bytes.raw)} for ${r.rawRows} rows); statistics ${(r.bytes.statisticsPerMillion / 2 ** 20).toFixed(2)} MB (statistic_5m + statistic_hour: ${kb(r.bytes.statistics)} for ${r.readings} readings); database file ${(r.bytes.file / 2 ** 20).toFixed(0)} MB`,
    );
  }
  console.log(JSON.stringify(summary));
}
