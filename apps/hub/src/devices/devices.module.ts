import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { DevicesRepository } from './devices.repository.js';
import { EntitiesController } from './entities.controller.js';
import { EntitiesService } from './entities.service.js';

@Module({
  imports: [BrokerModule],
  providers: [DevicesRepository, EntitiesService],
  controllers: [EntitiesController],
  exports: [EntitiesService],
})
export class DevicesModule {}
