import { Injectable } from '@nestjs/common';
import { MqttAuthService } from './auth/mqtt-auth.service.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { SetupService } from './auth/setup.service.js';
import { BrokerService } from './broker/broker.service.js';
import { SysPublisher } from './broker/sys-publisher.js';
import { DatabaseWrites } from './database/database-writes.js';
import { WalCheckpointer } from './database/wal-checkpointer.js';
import { EntitiesService } from './entities/entities.service.js';
import { MqttSnService } from './mqtt-sn/mqtt-sn.service.js';
import { RealtimeGateway } from './realtime/realtime.gateway.js';
import { RulesService } from './rules/rules.service.js';
import { StatisticsService } from './statistics/statistics.service.js';

/**
 * The one place that says in which order the hub's parts start and stop (startHub calls these around
 * its listeners: parts, then listeners; listeners, then parts). The database is open and migrated
 * before either, and closes after.
 */
@Injectable()
export class HubLifecycle {
  constructor(
    private readonly checkpointer: WalCheckpointer,
    private readonly writes: DatabaseWrites,
    private readonly hasher: PasswordHasher,
    private readonly mqttAuth: MqttAuthService,
    private readonly broker: BrokerService,
    private readonly mqttSn: MqttSnService,
    private readonly entities: EntitiesService,
    private readonly statistics: StatisticsService,
    private readonly rules: RulesService,
    private readonly realtime: RealtimeGateway,
    private readonly sys: SysPublisher,
    private readonly setup: SetupService,
  ) {}

  /** What started, to stop in reverse: a start that failed halfway stops only what came up. */
  private readonly running: Array<() => unknown> = [];

  async start(): Promise<void> {
    const parts: Array<[start: () => unknown, stop: () => unknown]> = [
      // Stopped after the broker (below it here): its worker copies the log the broker writes to.
      [() => this.checkpointer.start(), () => this.checkpointer.stop()],
      // The hub's own last batch of writes commits, and the hashing threads end, once nothing uses them.
      [() => undefined, async () => Promise.all([this.writes.stop(), this.hasher.close()])],
      // Credential changes made by the CLI reach connected sessions.
      [() => this.mqttAuth.start(), () => this.mqttAuth.stop()],
      // The broker, with what a crash left to replay, before anything publishes or subscribes; it closes with
      // its last batch of writes committed.
      [() => this.broker.start(), () => this.broker.stop()],
      // Its sensors are broker sessions: they end (without their wills) before the broker closes. A bad
      // predefined topics file stops the start here, by name.
      [() => this.mqttSn.start(), () => this.mqttSn.stop()],
      // Entities take in the retained messages, then every message (their statistics caught up first, and
      // flushed once no message comes any more); rules read entities; realtime pushes both.
      [() => this.statistics.start(), () => this.statistics.stop()],
      [() => this.entities.start(), () => this.entities.stop()],
      [() => this.rules.start(), () => this.rules.stop()],
      [() => this.realtime.start(), () => this.realtime.stop()],
      [() => this.sys.start(), () => this.sys.stop()],
      [() => this.setup.start(), () => undefined],
    ];
    for (const [start, stop] of parts) {
      await start();
      this.running.push(stop);
    }
  }

  async stop(): Promise<void> {
    for (let stop = this.running.pop(); stop; stop = this.running.pop()) await stop();
  }
}
