import { Inject, Injectable } from '@nestjs/common';
import type { BridgeStateDto } from '@hearth/api-types';
import { BrokerService } from '../broker/broker.service.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { Bridge } from './bridge.js';
import type { BridgeConfig } from './bridge-config.js';

/**
 * The bridges of hearth.yaml (`bridges`) and of HEARTH_BRIDGE_URL, on the embedded broker (an external broker
 * bridges by its own configuration); their link state in $SYS.
 */
@Injectable()
export class BridgesService {
  private readonly log: Logger;
  private bridges: Bridge[] = [];

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly broker: BrokerService,
  ) {
    this.log = root.child({ module: 'bridge' });
  }

  start(): void {
    this.bridges = this.configured().map((config) => new Bridge(config, this.broker, this.log, (bridge) => this.announce(bridge)));
    for (const bridge of this.bridges) {
      this.announce(bridge);
      bridge.start();
    }
  }

  states(): BridgeStateDto[] {
    return this.bridges.map((bridge) => bridge.state());
  }

  async stop(): Promise<void> {
    await Promise.all(this.bridges.map((bridge) => bridge.stop()));
    this.bridges = [];
  }

  private configured(): BridgeConfig[] {
    const { bridge, bridges } = this.config;
    if (bridge.url === null) return bridges;
    return [...bridges, { name: 'bridge', url: bridge.url, clientId: 'hearth-bridge', ca: null, topics: bridge.topics }];
  }

  /** As Mosquitto: `$SYS/broker/connection/<name>/state`, 1 while connected, retained. */
  private announce(bridge: Bridge): void {
    const { name, connected } = bridge.state();
    this.broker.publish(`$SYS/broker/connection/${name}/state`, connected ? '1' : '0', { retain: true }).catch((error: unknown) => this.log.error({ err: error }, 'could not publish a bridge state'));
  }
}
