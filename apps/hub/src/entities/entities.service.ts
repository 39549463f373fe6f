import { Inject, Injectable } from '@nestjs/common';
import { EntityNotFound, EntityPipeline, type EntityDto } from '@hearth/entities';
import type { AuthUser } from '../auth/sessions.service.js';
import { MqttBus } from '../broker/mqtt-bus.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { HubEvents } from '../events/hub-events.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { StatisticsService } from '../statistics/statistics.service.js';
import { inAreas } from './areas.js';
import { HistoryRepository } from './history/history.repository.js';
import { readDeviceProfiles } from './mapping/device-profiles.js';
import { EntityStateRepository } from './state/entity-state.repository.js';

/**
 * The hub's side of the entity pipeline (@hearth/entities): it feeds the pipeline every MQTT message
 * from the event bus (the stored retained ones first), gives it SQLite and the bus as ports, and puts
 * what the pipeline announces on the bus. Queries and commands go straight to `pipeline`.
 */
@Injectable()
export class EntitiesService {
  pipeline!: EntityPipeline;
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly bus: MqttBus,
    private readonly events: HubEvents,
    private readonly states: EntityStateRepository,
    private readonly history: HistoryRepository,
    private readonly statistics: StatisticsService,
  ) {
    this.log = root.child({ module: 'entities' });
  }

  async start(): Promise<void> {
    const { devices } = this.config;
    const events = this.events;
    const profiles = await readDeviceProfiles(devices.profilesDir, this.log);
    this.pipeline = new EntityPipeline(
      { discoveryPrefix: devices.discoveryPrefix, maxUnmappedTopics: devices.maxUnmappedTopics, profiles },
      {
        store: this.states,
        history: this.history,
        statistics: this.statistics,
        events: {
          entityState: (before, after) => events.emit('entityState', { before, after }),
          entityRemoved: (id) => events.emit('entityRemoved', { id }),
          availability: (deviceId, available) => events.emit('availability', { deviceId, available }),
        },
        publish: (topic, payload, options) => this.bus.publish(topic, payload, options),
        log: this.log,
      },
    );
    this.pipeline.load(this.states.load());
    if (this.statistics.backfillDue()) this.backfill();
    events.on(this, 'mqttMessage', (message) => this.pipeline.receive(message));
    await this.bus.forEachRetained('#', (message) => this.pipeline.receive(message));
    // Devices that announce themselves re-send their discovery when Home Assistant (here: Hearth) comes online.
    await this.bus.publish(`${devices.discoveryPrefix}/status`, 'online', { retain: true });
    this.log.info({ entities: this.pipeline.size, profiles: profiles.length }, 'entities loaded');
  }

  /** Once, after the upgrade that brought statistics: numeric entities' recorded changes become readings. */
  private backfill(): void {
    const started = Date.now();
    let entities = 0;
    for (const { id } of this.pipeline.entities()) {
      if (!this.pipeline.backfill(id, this.history.everyChange(id))) continue;
      this.history.forget(id);
      // One entity's history per transaction: a long history never sits in memory whole.
      this.statistics.commit();
      entities++;
    }
    this.statistics.backfillDone();
    this.log.info({ entities, ms: Date.now() - started }, 'computed the statistics of the history recorded before this version');
  }

  stop(): void {
    this.events.release(this);
  }

  /** The entity, if `user` may see it: people restricted to areas do not learn of entities outside them. */
  visible(id: string, user: AuthUser | undefined): EntityDto {
    const entity = this.pipeline.entity(id);
    if (!inAreas(user, entity.area)) throw new EntityNotFound(id);
    return entity;
  }
}
