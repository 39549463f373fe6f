import { Module } from '@nestjs/common';
import { onExternalBroker, type HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { BrokerService } from './broker.service.js';
import { ExternalBroker } from './external-broker.js';
import { MqttBus } from './mqtt-bus.js';
import { SysPublisher } from './sys-publisher.js';

@Module({
  providers: [
    BrokerService,
    ExternalBroker,
    SysPublisher,
    {
      provide: MqttBus,
      useFactory: (config: HubConfig, embedded: BrokerService, external: ExternalBroker) => (onExternalBroker(config) ? external : embedded),
      inject: [HUB_CONFIG, BrokerService, ExternalBroker],
    },
  ],
  exports: [BrokerService, ExternalBroker, MqttBus, SysPublisher],
})
export class BrokerModule {}
