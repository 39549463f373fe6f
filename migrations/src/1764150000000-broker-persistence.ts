import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable state of the MQTT broker (SqlitePersistence): retained messages, subscriptions of persistent
 * sessions, per-client outgoing queues, incoming QoS 2 packets, the QoS 1 journal and wills.
 *
 * Every packet is stored in the same columns: one per common packet field (NULL when the packet lacks it)
 * and `extra`, JSON of the rest (MQTT 5 properties, messageExpiry...; Buffers as { type: 'Buffer', data }).
 * The broker reads these tables only at start-up, so they carry no secondary indexes.
 */
export class BrokerPersistence1764150000000 implements MigrationInterface {
  name = 'BrokerPersistence1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mqtt_retained" ("topic" text PRIMARY KEY NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text) WITHOUT ROWID`,
    );
    await queryRunner.query(
      `CREATE TABLE "mqtt_subscription" ("client_id" text NOT NULL, "topic" text NOT NULL, "qos" integer NOT NULL, "rh" integer, "rap" integer, "nl" integer, "subscription_identifier" integer, PRIMARY KEY ("client_id", "topic")) WITHOUT ROWID`,
    );
    // seq is assigned by the broker in enqueue order: it is the FIFO order of every client's queue.
    await queryRunner.query(
      `CREATE TABLE "mqtt_outgoing" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "topic" text, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text)`,
    );
    await queryRunner.query(
      `CREATE TABLE "mqtt_incoming" ("client_id" text NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "topic" text, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer NOT NULL, "extra" text, PRIMARY KEY ("client_id", "message_id")) WITHOUT ROWID`,
    );
    // QoS 1 publishes acknowledged but not yet fully published: replayed at start after a crash.
    await queryRunner.query(
      `CREATE TABLE "mqtt_journal" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "topic" text, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text)`,
    );
    await queryRunner.query(
      `CREATE TABLE "mqtt_will" ("client_id" text PRIMARY KEY NOT NULL, "cmd" text, "broker_id" text, "broker_counter" integer, "topic" text, "payload" blob, "qos" integer, "retain" integer, "dup" integer, "message_id" integer, "extra" text) WITHOUT ROWID`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mqtt_will"`);
    await queryRunner.query(`DROP TABLE "mqtt_journal"`);
    await queryRunner.query(`DROP TABLE "mqtt_incoming"`);
    await queryRunner.query(`DROP TABLE "mqtt_outgoing"`);
    await queryRunner.query(`DROP TABLE "mqtt_subscription"`);
    await queryRunner.query(`DROP TABLE "mqtt_retained"`);
  }
}
