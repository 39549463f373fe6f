import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { SnPredefinedTopicDto } from '@hearth/api-types';
import { Access } from '../auth/auth.decorators.js';
import { MqttSnService } from './mqtt-sn.service.js';

/** The MQTT-SN gateway's setup, for adding sensors: admins only. */
@ApiTags('mqtt-sn')
@Controller('api/mqtt-sn')
@Access('admin')
export class MqttSnController {
  constructor(private readonly mqttSn: MqttSnService) {}

  /** The topic ids to flash into a sensor's firmware; clientId `*` is every client. */
  @Get('predefined')
  predefined(): SnPredefinedTopicDto[] {
    return this.mqttSn.predefinedTopics().map(({ clientId, topicName, topicId }) => ({ clientId, topicName, topicId }));
  }
}
