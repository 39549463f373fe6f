import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.js';
import { RealtimeGateway } from './realtime.gateway.js';

@Module({ imports: [DevicesModule], providers: [RealtimeGateway] })
export class RealtimeModule {}
