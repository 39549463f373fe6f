import { Module } from '@nestjs/common';
import { BridgeModule } from '../bridge/bridge.module.js';
import { BrokerModule } from '../broker/broker.module.js';
import { HealthController } from './health.controller.js';
import { ListenersController } from './listeners.controller.js';
import { HubListeners } from './listeners.js';

@Module({ imports: [BrokerModule, BridgeModule], controllers: [HealthController, ListenersController], providers: [HubListeners] })
export class HealthModule {}
