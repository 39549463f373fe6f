import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The firmware a device credential is for (`kind`: tasmota, esphome, shelly, zigbee2mqtt, homie, generic) and
 * that firmware's device topic (`topic`), from which its topic rules follow. Existing credentials were
 * generic: everything under their topic prefix; their topic is their name.
 */
export class DeviceKinds1765410000000 implements MigrationInterface {
  name = 'DeviceKinds1765410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "device_credential" ADD COLUMN "kind" text NOT NULL DEFAULT 'generic'`);
    await queryRunner.query(`ALTER TABLE "device_credential" ADD COLUMN "topic" text`);
    await queryRunner.query(`UPDATE "device_credential" SET "topic" = "username"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "device_credential" DROP COLUMN "topic"`);
    await queryRunner.query(`ALTER TABLE "device_credential" DROP COLUMN "kind"`);
  }
}
