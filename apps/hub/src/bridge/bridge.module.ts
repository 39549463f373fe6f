import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { BridgesService } from './bridges.service.js';

@Module({
  imports: [BrokerModule],
  providers: [BridgesService],
  exports: [BridgesService],
})
export class BridgeModule {}
