import { Module } from '@nestjs/common';
import { BridgeModule } from '../bridge/bridge.module.js';
import { BrokerModule } from '../broker/broker.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [BrokerModule, BridgeModule], controllers: [HealthController] })
export class HealthModule {}
