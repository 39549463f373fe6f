import { Module } from '@nestjs/common';
import { StatisticsRepository } from './statistics.repository.js';
import { StatisticsService } from './statistics.service.js';

/** Numeric readings and their long-term statistics in SQLite: the entity pipeline's recorder, flushed, caught up and purged here. */
@Module({
  providers: [StatisticsRepository, StatisticsService],
  exports: [StatisticsService],
})
export class StatisticsModule {}
