import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web Push: the hub's VAPID key pair (one row, made on first use) and each person's push subscriptions, one
 * per browser (endpoint); a person's subscriptions go with them.
 */
export class WebPush1765450000000 implements MigrationInterface {
  name = 'WebPush1765450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "web_push_key" ("id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1), "public_key" text NOT NULL, "private_key" text NOT NULL, "created_at" integer NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "push_subscription" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, "endpoint" text NOT NULL, "p256dh" text NOT NULL, "auth" text NOT NULL, "created_at" integer NOT NULL, CONSTRAINT "UQ_push_subscription_endpoint" UNIQUE ("endpoint"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_push_subscription_user" ON "push_subscription" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "push_subscription"`);
    await queryRunner.query(`DROP TABLE "web_push_key"`);
  }
}
