import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automation rules (the rule JSON as parsed, with its name and enabled flag as columns for listing) and
 * their run traces, the newest few per rule (the hub prunes older ones as it adds). Times are epoch ms.
 */
export class Rules1764220000000 implements MigrationInterface {
  name = 'Rules1764220000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rule" ("id" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "enabled" integer NOT NULL, "definition" text NOT NULL, "created_at" integer NOT NULL, "updated_at" integer NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "rule_run" ("id" integer PRIMARY KEY NOT NULL, "rule_id" text NOT NULL REFERENCES "rule" ("id") ON DELETE CASCADE, "time" integer NOT NULL, "trigger" text NOT NULL, "result" text NOT NULL, "trace" text NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "rule_run_rule_id" ON "rule_run" ("rule_id", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "rule_run_rule_id"`);
    await queryRunner.query(`DROP TABLE "rule_run"`);
    await queryRunner.query(`DROP TABLE "rule"`);
  }
}
