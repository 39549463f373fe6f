import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where an MQTT-SN sensor may prove it is a device credential: an IP address or network (UDP), an XBee
 * 64-bit address, or `wire` (the raw serial line). MQTT-SN v1.2 has no password, so a client id alone
 * never makes a sensor a device.
 */
export class DeviceSnAddresses1765100000000 implements MigrationInterface {
  name = 'DeviceSnAddresses1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "device_sn_address" ("credential_id" integer NOT NULL REFERENCES "device_credential" ("id") ON DELETE CASCADE, "address" text NOT NULL, "created_at" integer NOT NULL, PRIMARY KEY ("credential_id", "address")) WITHOUT ROWID`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "device_sn_address"`);
  }
}
