import { Inject, Injectable } from '@nestjs/common';
import { MqttAuthService } from './auth/mqtt-auth.service.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { SetupService } from './auth/setup.service.js';
import { BridgesService } from './bridge/bridges.service.js';
import { BrokerService } from './broker/broker.service.js';
import { ExternalBroker } from './broker/external-broker.js';
import { SysPublisher } from './broker/sys-publisher.js';
import { onExternalBroker, type HubConfig } from './config/config.schema.js';
import { HUB_CONFIG } from './config/config.token.js';
import { DatabaseWrites } from './database/database-writes.js';
import { WalCheckpointer } from './database/wal-checkpointer.js';
import { EntitiesService } from './entities/entities.service.js';
import { MqttSnService } from './mqtt-sn/mqtt-sn.service.js';
import { RealtimeGateway } from './realtime/realtime.gateway.js';
import { RulesService } from './rules/rules.service.js';
import { StatisticsService } from './statistics/statistics.service.js';

type Part = [start: () => unknown, stop: () => unknown];

/**
 * The one place that says in which order the hub's parts start and stop (startHub calls these around
 * its listeners: parts, then listeners; listeners, then parts). The database is open and migrated
 * before either, and closes after.
 */
@Injectable()
export class HubLifecycle {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly checkpointer: WalCheckpointer,
    private readonly writes: DatabaseWrites,
    private readonly hasher: PasswordHasher,
    private readonly mqttAuth: MqttAuthService,
    private readonly broker: BrokerService,
    private readonly external: ExternalBroker,
    private readonly mqttSn: MqttSnService,
    private readonly entities: EntitiesService,
    private readonly statistics: StatisticsService,
    private readonly rules: RulesService,
    private readonly realtime: RealtimeGateway,
    private readonly sys: SysPublisher,
    private readonly setup: SetupService,
    private readonly bridges: BridgesService,
  ) {}

  /** What started, to stop in reverse: a start that failed halfway stops only what came up. */
  private readonly running: Array<() => unknown> = [];

  async start(): Promise<void> {
    const parts: Part[] = [
      // Stopped after the broker (below it here): its worker copies the log the broker writes to.
      [() => this.checkpointer.start(), () => this.checkpointer.stop()],
      // The hub's own last batch of writes commits, and the hashing threads end, once nothing uses them.
      [() => undefined, async () => Promise.all([this.writes.stop(), this.hasher.close()])],
      // Credential changes made by the CLI reach connected sessions.
      [() => this.mqttAuth.start(), () => this.mqttAuth.stop()],
      ...this.brokerParts(),
      // Entities take in the retained messages, then every message (their statistics caught up first, and
      // flushed once no message comes any more); rules read entities; realtime pushes both.
      [() => this.statistics.start(), () => this.statistics.stop()],
      [() => this.entities.start(), () => this.entities.stop()],
      [() => this.rules.start(), () => this.rules.stop()],
      [() => this.realtime.start(), () => this.realtime.stop()],
      // On an external broker, messages flow to the parts once they all listen.
      ...(onExternalBroker(this.config) ? [[() => this.external.attach(), () => undefined] satisfies Part] : []),
      [() => this.setup.start(), () => undefined],
    ];
    for (const [start, stop] of parts) {
      await start();
      this.running.push(stop);
    }
  }

  /** The embedded broker and what rides on it, or the link to an external one. */
  private brokerParts(): Part[] {
    // The link connects in the background; what it receives waits for attach().
    if (onExternalBroker(this.config)) {
      return [
        [() => this.external.start(), () => this.external.stop()],
        [() => this.mqttSn.start(), () => this.mqttSn.stop()],
      ];
    }
    return [
      // The broker, with what a crash left to replay, before anything publishes or subscribes; it closes with
      // its last batch of writes committed.
      [() => this.broker.start(), () => this.broker.stop()],
      // Its sensors are broker sessions: they end (without their wills) before the broker closes. A bad
      // predefined topics file stops the start here, by name.
      [() => this.mqttSn.start(), () => this.mqttSn.stop()],
      [() => this.sys.start(), () => this.sys.stop()],
      // Bridges are sessions on the broker, as sensors are; they end before it closes.
      [() => this.bridges.start(), () => this.bridges.stop()],
    ];
  }

  async stop(): Promise<void> {
    for (let stop = this.running.pop(); stop; stop = this.running.pop()) await stop();
  }
}
