import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Numeric readings and their long-term statistics. A series is an entity's numeric state or one of its
 * energy counters; `position` (JSON) is where its statistics go on from after a restart. Readings are kept
 * for the retention window, statistics forever: 5-minute and hourly buckets, small rows keyed by series
 * and start. Meters get a role; tariffs (with the currency) become a list with valid-from dates, the old
 * single price counting from the start.
 *
 * The statistics of history recorded before this version are computed once by the hub at its next start
 * (it needs the entity definitions to know what each state is): the `statisticsBackfill` setting marks it due.
 */
export class Statistics1765200000000 implements MigrationInterface {
  name = 'Statistics1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "statistic_series" ("id" integer PRIMARY KEY NOT NULL, "key" text NOT NULL UNIQUE, "kind" text NOT NULL, "unit" text, "position" text NOT NULL, "created_at" integer NOT NULL)`,
    );
    await queryRunner.query(`CREATE TABLE "reading" ("series" integer NOT NULL, "time" integer NOT NULL, "value" real NOT NULL, PRIMARY KEY ("series", "time")) WITHOUT ROWID`);
    for (const table of ['statistic_5m', 'statistic_hour'])
      await queryRunner.query(
        `CREATE TABLE "${table}" ("series" integer NOT NULL, "start" integer NOT NULL, "mean" real, "min" real, "max" real, "state" real, "sum" real, PRIMARY KEY ("series", "start")) WITHOUT ROWID`,
      );
    await queryRunner.query(`CREATE TABLE "meter" ("entity_id" text PRIMARY KEY NOT NULL, "role" text NOT NULL, "updated_at" integer NOT NULL) WITHOUT ROWID`);
    await queryRunner.query(`ALTER TABLE "state_history" ADD COLUMN "available" integer`);
    const now = Date.now();
    const [old] = (await queryRunner.query(`SELECT "value" FROM "setting" WHERE "key" = 'tariff'`)) as Array<{ value: string }>;
    const tariff = old ? (JSON.parse(old.value) as { pricePerKwh: number; currency: string } | null) : null;
    if (tariff)
      await queryRunner.query(`INSERT INTO "setting" ("key", "value", "updated_at") VALUES ('energyTariffs', ?, ?)`, [
        JSON.stringify({ currency: tariff.currency, tariffs: [{ validFrom: '2000-01-01', price: tariff.pricePerKwh, exportPrice: 0, windows: [] }] }),
        now,
      ]);
    await queryRunner.query(`DELETE FROM "setting" WHERE "key" = 'tariff'`);
    const [history] = (await queryRunner.query(`SELECT 1 AS "any" FROM "state_history" LIMIT 1`)) as unknown[];
    if (history) await queryRunner.query(`INSERT INTO "setting" ("key", "value", "updated_at") VALUES ('statisticsBackfill', 'true', ?)`, [now]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [stored] = (await queryRunner.query(`SELECT "value" FROM "setting" WHERE "key" = 'energyTariffs'`)) as Array<{ value: string }>;
    const latest = stored ? (JSON.parse(stored.value) as { currency: string; tariffs: Array<{ validFrom: string; price: number }> }) : null;
    const last = latest?.tariffs.sort((a, b) => a.validFrom.localeCompare(b.validFrom)).at(-1);
    if (latest && last) await queryRunner.query(`INSERT INTO "setting" ("key", "value", "updated_at") VALUES ('tariff', ?, ?)`, [JSON.stringify({ pricePerKwh: last.price, currency: latest.currency }), Date.now()]);
    await queryRunner.query(`DELETE FROM "setting" WHERE "key" IN ('energyTariffs', 'statisticsBackfill')`);
    await queryRunner.query(`ALTER TABLE "state_history" DROP COLUMN "available"`);
    for (const table of ['meter', 'statistic_hour', 'statistic_5m', 'reading', 'statistic_series']) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
