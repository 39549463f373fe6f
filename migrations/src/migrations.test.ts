import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
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
    expect(migrated).toEqual(expect.arrayContaining(['migrations', 'mqtt_retained', 'mqtt_subscription', 'mqtt_outgoing', 'mqtt_journal', 'device', 'entity', 'entity_state', 'state_history', 'sn_predefined_topic', 'setting', 'rule', 'rule_run', 'device_sn_address']));

    for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration();
    expect(await tables(dataSource)).toEqual(['migrations']);
    await dataSource.runMigrations();
    expect(await tables(dataSource)).toEqual(migrated);
  });
});
