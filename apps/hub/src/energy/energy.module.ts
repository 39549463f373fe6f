import { Module } from '@nestjs/common';
import { EntitiesModule } from '../entities/entities.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { StatisticsModule } from '../statistics/statistics.module.js';
import { EnergySettingsRepository } from './energy-settings.repository.js';
import { EnergyController } from './energy.controller.js';
import { EnergyService } from './energy.service.js';

/** Energy: meters and their roles, tariffs, and kWh and cost per device and for the house, from the statistics. */
@Module({
  imports: [EntitiesModule, StatisticsModule, SettingsModule],
  providers: [EnergySettingsRepository, EnergyService],
  controllers: [EnergyController],
  exports: [EnergyService],
})
export class EnergyModule {}
