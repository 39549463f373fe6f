import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { BridgeModule } from './bridge/bridge.module.js';
import { BrokerModule } from './broker/broker.module.js';
import type { HubConfig } from './config/config.schema.js';
import { HUB_CONFIG } from './config/config.token.js';
import { DatabaseModule } from './database/database.module.js';
import { EnergyModule } from './energy/energy.module.js';
import { EntitiesModule } from './entities/entities.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { HubLifecycle } from './lifecycle.js';
import type { Logger } from './logging/logger.js';
import { ROOT_LOGGER } from './logging/logger.token.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { MqttSnModule } from './mqtt-sn/mqtt-sn.module.js';
import { RulesModule } from './rules/rules.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { StatisticsModule } from './statistics/statistics.module.js';
import { DomainErrorFilter } from './web/domain-error.filter.js';

/** Config and the root logger, available to every module. */
@Global()
@Module({})
class CoreModule {
  static register(config: HubConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [HUB_CONFIG, ROOT_LOGGER],
    };
  }
}

@Module({})
export class AppModule {
  static register(config: HubConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      // Domain errors become HTTP answers in one place.
      providers: [{ provide: APP_FILTER, useClass: DomainErrorFilter }, HubLifecycle],
      imports: [CoreModule.register(config, logger), EventsModule, DatabaseModule, AuthModule, BrokerModule, BridgeModule, MqttSnModule, HealthModule, StatisticsModule, EntitiesModule, EnergyModule, RealtimeModule, SettingsModule, RulesModule],
    };
  }
}
