import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { EntitiesModule } from '../entities/entities.module.js';
import { RealtimeGateway } from './realtime.gateway.js';

@Module({ imports: [BrokerModule, EntitiesModule], providers: [RealtimeGateway], exports: [RealtimeGateway] })
export class RealtimeModule {}
