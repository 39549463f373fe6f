import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { EntitiesModule } from '../entities/entities.module.js';
import { PushModule } from '../push/push.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { NotifyWebhooks } from './notify-webhooks.js';
import { RulesController } from './rules.controller.js';
import { RulesRepository } from './rules.repository.js';
import { RulesService } from './rules.service.js';

@Module({
  imports: [BrokerModule, EntitiesModule, PushModule, SettingsModule],
  providers: [NotifyWebhooks, RulesRepository, RulesService],
  exports: [RulesService],
  controllers: [RulesController],
})
export class RulesModule {}
