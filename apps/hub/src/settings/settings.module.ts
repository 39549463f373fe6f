import { Module } from '@nestjs/common';
import { SettingsController } from './settings.controller.js';
import { SettingsRepository } from './settings.repository.js';

/** The house's settings; exports the repository for the modules that use them (sunrise/sunset rules, energy costs). */
@Module({
  providers: [SettingsRepository],
  controllers: [SettingsController],
  exports: [SettingsRepository],
})
export class SettingsModule {}
