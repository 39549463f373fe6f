import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Accounts } from './accounts.js';
import { Access } from './auth.decorators.js';
import { createDeviceBody, importBody, snAddressBody } from './auth.dto.js';
import { MqttAuthService } from './mqtt-auth.service.js';

/** MQTT device credentials and Mosquitto import/export: admins only. Changes apply to connected sessions at once. */
@Controller('api/device-credentials')
@Access('admin')
export class DeviceCredentialsController {
  constructor(
    private readonly accounts: Accounts,
    private readonly mqttAuth: MqttAuthService,
  ) {}

  @Get()
  list() {
    return this.accounts.listDevices();
  }

  /** The password is in this response only. */
  @Post()
  create(@Body() body: unknown) {
    const { name, ...options } = createDeviceBody(body);
    return this.accounts.addDevice(name, options);
  }

  /** An address an MQTT-SN sensor may prove it is this device from. */
  @Post(':username/sn-addresses')
  @HttpCode(200)
  bind(@Param('username') username: string, @Body() body: unknown) {
    return this.accounts.bindSnAddress(username, snAddressBody(body).address);
  }

  @Delete(':username/sn-addresses/:address')
  unbind(@Param('username') username: string, @Param('address') address: string) {
    return this.accounts.unbindSnAddress(username, address);
  }

  @Post(':username/rotate')
  @HttpCode(200)
  async rotate(@Param('username') username: string) {
    const issued = await this.accounts.rotateDevice(username);
    this.mqttAuth.revalidate();
    return issued;
  }

  @Post(':username/revoke')
  @HttpCode(204)
  revoke(@Param('username') username: string): void {
    this.accounts.revokeDevice(username);
    this.mqttAuth.revalidate();
  }

  @Delete(':username')
  @HttpCode(204)
  remove(@Param('username') username: string): void {
    this.accounts.removeDevice(username);
    this.mqttAuth.revalidate();
  }

  @Post('import')
  @HttpCode(200)
  import(@Body() body: unknown) {
    const { passwordFile, aclFile } = importBody(body);
    const report = this.accounts.importMosquitto(passwordFile, aclFile);
    this.mqttAuth.revalidate();
    return report;
  }

  @Get('export')
  export() {
    return this.accounts.exportMosquitto();
  }
}
