import { Module } from '@nestjs/common';
import { BrokerService } from './broker.service.js';
import { MqttBus } from './mqtt-bus.js';
import { SysPublisher } from './sys-publisher.js';

@Module({
  providers: [BrokerService, SysPublisher, { provide: MqttBus, useExisting: BrokerService }],
  exports: [BrokerService, MqttBus, SysPublisher],
})
export class BrokerModule {}
