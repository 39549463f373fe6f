import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { EntitiesController } from './entities.controller.js';
import { EntitiesService } from './entities.service.js';
import { HistoryController } from './history/history.controller.js';
import { HistoryRepository } from './history/history.repository.js';
import { EntityStateRepository } from './state/entity-state.repository.js';

/** The entity pipeline on the hub: mapping, state and history, their storage and their routes. */
@Module({
  imports: [BrokerModule],
  providers: [EntityStateRepository, HistoryRepository, EntitiesService],
  controllers: [EntitiesController, HistoryController],
  exports: [EntitiesService],
})
export class EntitiesModule {}
