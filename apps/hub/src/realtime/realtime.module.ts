import { Module } from '@nestjs/common';
import { EntitiesModule } from '../entities/entities.module.js';
import { RealtimeGateway } from './realtime.gateway.js';

@Module({ imports: [EntitiesModule], providers: [RealtimeGateway], exports: [RealtimeGateway] })
export class RealtimeModule {}
