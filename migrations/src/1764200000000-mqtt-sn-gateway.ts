import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable state of the MQTT-SN gateway, so a hub restart is invisible to the sensors: their sessions
 * (taken up again at start), topic registrations, subscriptions (a clean session's are replayed to the
 * broker), messages buffered for sleeping clients, and predefined topic ids kept in the database.
 */
export class MqttSnGateway1764200000000 implements MigrationInterface {
  name = 'MqttSnGateway1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // state: active | asleep | disconnected (a persistent session waiting for its client's next CONNECT).
    await queryRunner.query(
      `CREATE TABLE "sn_session" ("client_id" text PRIMARY KEY NOT NULL, "link" text NOT NULL, "address" text NOT NULL, "wireless_node_id" blob, "clean_session" integer NOT NULL, "keep_alive" integer NOT NULL, "state" text NOT NULL, "sleep_duration" integer NOT NULL, "will_topic" text, "will_payload" blob, "will_qos" integer, "will_retain" integer) WITHOUT ROWID`,
    );
    await queryRunner.query(
      `CREATE TABLE "sn_topic" ("client_id" text NOT NULL, "topic_id" integer NOT NULL, "topic_name" text NOT NULL, PRIMARY KEY ("client_id", "topic_id")) WITHOUT ROWID`,
    );
    await queryRunner.query(
      `CREATE TABLE "sn_subscription" ("client_id" text NOT NULL, "filter" text NOT NULL, "qos" integer NOT NULL, PRIMARY KEY ("client_id", "filter")) WITHOUT ROWID`,
    );
    // seq gives each client's buffer its FIFO order.
    await queryRunner.query(
      `CREATE TABLE "sn_buffered" ("seq" integer PRIMARY KEY NOT NULL, "client_id" text NOT NULL, "topic" text NOT NULL, "payload" blob NOT NULL, "qos" integer NOT NULL, "retain" integer NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "sn_buffered_client" ON "sn_buffered" ("client_id", "seq")`);
    // client_id '*' applies to every client.
    await queryRunner.query(
      `CREATE TABLE "sn_predefined_topic" ("client_id" text NOT NULL, "topic_id" integer NOT NULL, "topic_name" text NOT NULL, PRIMARY KEY ("client_id", "topic_id")) WITHOUT ROWID`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sn_predefined_topic"`);
    await queryRunner.query(`DROP INDEX "sn_buffered_client"`);
    await queryRunner.query(`DROP TABLE "sn_buffered"`);
    await queryRunner.query(`DROP TABLE "sn_subscription"`);
    await queryRunner.query(`DROP TABLE "sn_topic"`);
    await queryRunner.query(`DROP TABLE "sn_session"`);
  }
}
