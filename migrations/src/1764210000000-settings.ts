import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The house's settings (location, tariff, …): one row per key, its value as JSON, so a new setting
 * needs no schema change.
 */
export class Settings1764210000000 implements MigrationInterface {
  name = 'Settings1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "setting" ("key" text PRIMARY KEY NOT NULL, "value" text NOT NULL, "updated_at" integer NOT NULL) WITHOUT ROWID`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "setting"`);
  }
}
