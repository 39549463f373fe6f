import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Accounts } from './accounts.js';
import { AuthController } from './auth.controller.js';
import { DeviceCredentialsController } from './device-credentials.controller.js';
import { DeviceCredentialsRepository } from './device-credentials.repository.js';
import { MqttAuthService } from './mqtt-auth.service.js';
import { SessionGuard } from './session.guard.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { SetupService } from './setup.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

/** People, sessions, device credentials and ACLs; global so the broker and every module can reach its guard and services. */
@Global()
@Module({
  controllers: [AuthController, UsersController, DeviceCredentialsController],
  providers: [
    UsersRepository,
    SessionsRepository,
    DeviceCredentialsRepository,
    Accounts,
    SessionsService,
    SetupService,
    MqttAuthService,
    { provide: APP_GUARD, useClass: SessionGuard },
  ],
  exports: [MqttAuthService, SessionsService, Accounts, DeviceCredentialsRepository],
})
export class AuthModule {}
