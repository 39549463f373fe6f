import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { HealthController } from './health.controller.js';
import { ListenersController } from './listeners.controller.js';
import { HubListeners } from './listeners.js';

@Module({ imports: [BrokerModule], controllers: [HealthController, ListenersController], providers: [HubListeners] })
export class HealthModule {}
