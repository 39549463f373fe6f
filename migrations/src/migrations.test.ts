import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { Statistics1765200000000 } from './1765200000000-statistics.js';
import { DeviceKinds1765410000000 } from './1765410000000-device-kinds.js';
import { migrations } from './index.js';

const tables = async (dataSource: DataSource): Promise<string[]> =>
  (await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)).map(
    (row: { name: string }) => row.name,
  );

describe('migrations', () => {
  let dataSource: DataSource;
  afterEach(async () => {
    await dataSource?.destroy();
  });

  it('run up on an empty database, then all the way down, then up again', async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'm.db'), migrations });
    await dataSource.initialize();
    expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual(migrations.map((m) => new m().name));
    const migrated = await tables(dataSource);
    expect(migrated).toEqual(expect.arrayContaining(['migrations', 'mqtt_session', 'mqtt_retained', 'mqtt_subscription', 'mqtt_outgoing', 'mqtt_incoming', 'device', 'entity', 'entity_state', 'state_history', 'sn_predefined_topic', 'setting', 'rule', 'rule_run', 'device_sn_address', 'statistic_series', 'reading', 'statistic_5m', 'statistic_hour', 'meter', 'web_push_key', 'push_subscription']));

    for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration();
    expect(await tables(dataSource)).toEqual(['migrations']);
    await dataSource.runMigrations();
    expect(await tables(dataSource)).toEqual(migrated);
  });

  it('turn the single tariff into the first of a list, and mark recorded history for its statistics', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'm.db');
    const before = migrations.slice(0, migrations.indexOf(Statistics1765200000000));
    dataSource = new DataSource({ type: 'better-sqlite3', database, migrations: before });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query(`INSERT INTO setting (key, value, updated_at) VALUES ('tariff', '{"pricePerKwh":0.28,"currency":"EUR"}', 0)`);
    await dataSource.query(`INSERT INTO state_history (entity_id, time, state, attributes) VALUES ('sensor.t', 0, '21.5', '{}')`);
    await dataSource.destroy();
    dataSource = new DataSource({ type: 'better-sqlite3', database, migrations: migrations.slice(0, migrations.indexOf(Statistics1765200000000) + 1) });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const settings = Object.fromEntries(((await dataSource.query('SELECT key, value FROM setting')) as Array<{ key: string; value: string }>).map((row) => [row.key, JSON.parse(row.value)]));
    expect(settings).toEqual({ energyTariffs: { currency: 'EUR', tariffs: [{ validFrom: '2000-01-01', price: 0.28, exportPrice: 0, windows: [] }] }, statisticsBackfill: true });
    await dataSource.undoLastMigration();
    expect(await dataSource.query(`SELECT value FROM setting`)).toEqual([{ value: '{"pricePerKwh":0.28,"currency":"EUR"}' }]);
  });

  it('make existing device credentials generic, with their name as their topic', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'm.db');
    dataSource = new DataSource({ type: 'better-sqlite3', database, migrations: migrations.slice(0, migrations.indexOf(DeviceKinds1765410000000)) });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query(`INSERT INTO device_credential (username, password_hash, topic_prefix, source, created_at) VALUES ('porch', 'x', 'devices/porch', 'hearth', 0)`);
    await dataSource.destroy();
    dataSource = new DataSource({ type: 'better-sqlite3', database, migrations });
    await dataSource.initialize();
    await dataSource.runMigrations();
    expect(await dataSource.query(`SELECT username, kind, topic, topic_prefix FROM device_credential`)).toEqual([{ username: 'porch', kind: 'generic', topic: 'porch', topic_prefix: 'devices/porch' }]);
  });
});
