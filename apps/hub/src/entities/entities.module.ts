import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { StatisticsModule } from '../statistics/statistics.module.js';
import { EntitiesController } from './entities.controller.js';
import { EntitiesService } from './entities.service.js';
import { ExportController } from './history/export.controller.js';
import { HistoryController } from './history/history.controller.js';
import { HistoryRepository } from './history/history.repository.js';
import { EntityStateRepository } from './state/entity-state.repository.js';

/** The entity pipeline on the hub: mapping, state and history (with the statistics), their storage and their routes. */
@Module({
  imports: [BrokerModule, StatisticsModule, SettingsModule],
  providers: [EntityStateRepository, HistoryRepository, EntitiesService],
  controllers: [EntitiesController, HistoryController, ExportController],
  exports: [EntitiesService],
})
export class EntitiesModule {}
