import { Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { SnClaimDto, SnPredefinedTopicDto } from '@hearth/api-types';
import { Accounts } from '../auth/accounts.js';
import { Access } from '../auth/auth.decorators.js';
import { MqttSnService } from './mqtt-sn.service.js';

/** The MQTT-SN gateway's setup, for adding sensors: admins only. */
@ApiTags('mqtt-sn')
@Controller('api/mqtt-sn')
@Access('admin')
export class MqttSnController {
  constructor(
    private readonly mqttSn: MqttSnService,
    private readonly accounts: Accounts,
  ) {}

  /** The topic ids to flash into a sensor's firmware; clientId `*` is every client. */
  @Get('predefined')
  predefined(): SnPredefinedTopicDto[] {
    return this.mqttSn.predefinedTopics().map(({ clientId, topicName, topicId }) => ({ clientId, topicName, topicId }));
  }

  /** "A new sensor wants to be garden-bed-3": sensors that named a device credential from an address not bound to it. */
  @Get('claims')
  claims(): SnClaimDto[] {
    return this.mqttSn.claims.list().map((claim) => ({ ...claim, firstSeen: new Date(claim.firstSeen).toISOString(), lastSeen: new Date(claim.lastSeen).toISOString() }));
  }

  /** Yes: binds the claim's address to the device credential; the sensor's next CONNECT is accepted. */
  @Post('claims/:id/accept')
  @HttpCode(200)
  accept(@Param('id', ParseIntPipe) id: number) {
    const claim = this.mqttSn.claims.take(id) ?? raiseNoClaim(id);
    return this.accounts.bindSnAddress(claim.device, claim.address);
  }

  /** No: the claim is not shown again; the sensor stays refused. */
  @Delete('claims/:id')
  @HttpCode(204)
  dismiss(@Param('id', ParseIntPipe) id: number): void {
    if (!this.mqttSn.claims.dismiss(id)) raiseNoClaim(id);
  }
}

const raiseNoClaim = (id: number): never => {
  throw new NotFoundException(`no open claim ${id}`);
};
