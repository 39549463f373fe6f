import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Devices, their entities (with the definition that maps topics to them), each entity's current state,
 * and the state history. Times are epoch milliseconds; states and attributes are JSON text.
 */
export class DevicesEntities1764170000000 implements MigrationInterface {
  name = 'DevicesEntities1764170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "device" ("id" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "manufacturer" text, "model" text, "area" text, "transport" text NOT NULL DEFAULT ('mqtt'), "available" integer NOT NULL DEFAULT (0), "last_seen" integer, "created_at" integer NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "entity" ("id" text PRIMARY KEY NOT NULL, "unique_id" text NOT NULL, "kind" text NOT NULL, "name" text NOT NULL, "device_id" text REFERENCES "device" ("id") ON DELETE SET NULL, "area" text, "source" text NOT NULL, "definition" text NOT NULL, "created_at" integer NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "entity_unique_id" ON "entity" ("unique_id")`);
    await queryRunner.query(
      `CREATE TABLE "entity_state" ("entity_id" text PRIMARY KEY NOT NULL REFERENCES "entity" ("id") ON DELETE CASCADE, "state" text, "attributes" text NOT NULL DEFAULT ('{}'), "available" integer NOT NULL DEFAULT (1), "last_changed" integer, "last_updated" integer)`,
    );
    // No foreign key: history outlives a removed entity, and appends must stay cheap.
    await queryRunner.query(`CREATE TABLE "state_history" ("id" integer PRIMARY KEY NOT NULL, "entity_id" text NOT NULL, "time" integer NOT NULL, "state" text, "attributes" text)`);
    await queryRunner.query(`CREATE INDEX "state_history_entity_time" ON "state_history" ("entity_id", "time")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "state_history_entity_time"`);
    await queryRunner.query(`DROP TABLE "state_history"`);
    await queryRunner.query(`DROP TABLE "entity_state"`);
    await queryRunner.query(`DROP INDEX "entity_unique_id"`);
    await queryRunner.query(`DROP TABLE "entity"`);
    await queryRunner.query(`DROP TABLE "device"`);
  }
}
