import { Buffer } from 'node:buffer';
import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLITE } from '../src/database/database.tokens.js';
import { EntitiesService } from '../src/entities/entities.service.js';
import { StatisticsService } from '../src/statistics/statistics.service.js';
import { useTestHub } from './support/test-hub.js';

const DAY = 24 * 60 * 60_000;

describe('retention', () => {
  const hub = useTestHub({ HEARTH_HISTORY_RETENTION_DAYS: '10' });

  it('purges raw readings and state changes older than HEARTH_HISTORY_RETENTION_DAYS in batches, between which the hub goes on, and keeps the statistics', async () => {
    const { pipeline } = hub.app.get(EntitiesService);
    const statistics = hub.app.get(StatisticsService);
    const db = hub.app.get<Database>(SQLITE);
    const now = Date.now();
    const send = (topic: string, payload: string | object, time: number) => pipeline.receive({ topic, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), time });
    send('homeassistant/sensor/shed/config', { name: 'Shed temperature', uniq_id: 'shed_t', stat_t: 'shed/t', unit_of_meas: '°C', stat_cla: 'measurement' }, now);
    send('homeassistant/switch/pump/config', { name: 'Pump', uniq_id: 'pump', stat_t: 'pump/state', cmd_t: 'pump/set' }, now);
    // 12 days ago, a reading every 10 s for 15 hours (5,400: more than two purge batches), and the pump switching.
    const old = now - 12 * DAY;
    for (let i = 0; i < 5_400; i++) send('shed/t', String(10 + (i % 7)), old + i * 10_000);
    for (let i = 0; i < 6; i++) send('pump/state', i % 2 ? 'OFF' : 'ON', old + i * 60_000);
    // And within the window, a day ago.
    for (let i = 0; i < 30; i++) send('shed/t', String(20 + (i % 3)), now - DAY + i * 10_000);
    send('pump/state', 'ON', now - DAY);
    statistics.commit();
    const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
    const series = (db.prepare(`SELECT id FROM statistic_series WHERE key = 'sensor.shed_temperature'`).get() as { id: number }).id;
    const hourly = db.prepare('SELECT start, mean, min, max FROM statistic_hour WHERE series = ? ORDER BY start').all(series);
    expect(count('SELECT count(*) AS n FROM reading WHERE series = ?', series)).toBe(5_430);
    expect(count(`SELECT count(*) AS n FROM state_history WHERE entity_id = 'switch.pump'`)).toBe(7);

    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const purged = await statistics.purge(now);
    clearInterval(ticking);

    expect(purged).toEqual({ readings: 5_400, changes: 6 });
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT value FROM reading WHERE series = ? ORDER BY time').pluck().all(series)).toEqual(Array.from({ length: 30 }, (_, i) => 20 + (i % 3)));
    expect(db.prepare(`SELECT state FROM state_history WHERE entity_id = 'switch.pump'`).pluck().all()).toEqual(['"on"']);
    // Statistics are kept forever: the old hours still answer.
    expect(db.prepare('SELECT start, mean, min, max FROM statistic_hour WHERE series = ? ORDER BY start').all(series)).toEqual(hourly);
    const history = pipeline.historyOf('sensor.shed_temperature', { from: old, to: old + 15 * 3_600_000, resolution: 'hour', timeZone: 'UTC' });
    expect(history.statistics.length).toBeGreaterThanOrEqual(15);
    expect(history.statistics[1]).toMatchObject({ min: 10, max: 16 });
    expect(await statistics.purge(now)).toEqual({ readings: 0, changes: 0 });
  });
});
