import { Global, Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module.js';
import { MqttSnController } from './mqtt-sn.controller.js';
import { MqttSnService } from './mqtt-sn.service.js';

/** Global so the health report can read the gateway's status without importing its module. */
@Global()
@Module({ imports: [BrokerModule], providers: [MqttSnService], controllers: [MqttSnController], exports: [MqttSnService] })
export class MqttSnModule {}
