import type { MigrationInterface, QueryRunner } from 'typeorm';

const rest = `"qos" integer NOT NULL, "retain" integer NOT NULL, "subscription_identifiers" text, "topic" text, "payload" blob, "message_qos" integer, "message_retain" integer, "properties" text, "expires_at" integer, UNIQUE ("client_id", "packet_id")`;
const copied = `"seq", "client_id", "packet_id", "qos", "retain", "subscription_identifiers", "topic", "payload", "message_qos", "message_retain", "properties", "expires_at"`;

/**
 * A session's queued QoS 1/2 message may wait without a Packet Identifier (NULL) until it is sent: there
 * are only 65,535 per session, and an offline bridge or a sleeping sensor may have more waiting. The
 * broker now names a row by its `seq`, which it gives in the order queued.
 */
export class OutgoingWithoutPacketId1765500000000 implements MigrationInterface {
  name = 'OutgoingWithoutPacketId1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await rebuild(queryRunner, '"packet_id" integer');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Rows that have no identifier yet cannot be kept in the old table.
    await queryRunner.query(`DELETE FROM "mqtt_outgoing" WHERE "packet_id" IS NULL`);
    await rebuild(queryRunner, '"packet_id" integer NOT NULL');
  }
}

async function rebuild(queryRunner: QueryRunner, packetId: string): Promise<void> {
  await queryRunner.query(`CREATE TABLE "mqtt_outgoing_new" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, ${packetId}, ${rest})`);
  await queryRunner.query(`INSERT INTO "mqtt_outgoing_new" (${copied}) SELECT ${copied} FROM "mqtt_outgoing"`);
  await queryRunner.query(`DROP TABLE "mqtt_outgoing"`);
  await queryRunner.query(`ALTER TABLE "mqtt_outgoing_new" RENAME TO "mqtt_outgoing"`);
}
