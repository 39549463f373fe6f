import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { Accounts } from './accounts.js';
import { AuthController } from './auth.controller.js';
import { DeviceCredentialsController } from './device-credentials.controller.js';
import { DeviceCredentialsRepository } from './device-credentials.repository.js';
import { MqttAuthController } from './mqtt-auth.controller.js';
import { MqttAuthService } from './mqtt-auth.service.js';
import { createPasswordHasher, PasswordHasher } from './password-hasher.js';
import { SessionGuard } from './session.guard.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { SetupService } from './setup.service.js';
import { SignInPolicy } from './sign-in-policy.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

/** People, sessions, device credentials and ACLs; global so the broker and every module can reach its guard and services. */
@Global()
@Module({
  controllers: [AuthController, UsersController, DeviceCredentialsController, MqttAuthController],
  providers: [
    UsersRepository,
    SessionsRepository,
    DeviceCredentialsRepository,
    { provide: PasswordHasher, inject: [HUB_CONFIG], useFactory: ({ auth }: HubConfig) => createPasswordHasher(auth) },
    { provide: SignInPolicy, inject: [HUB_CONFIG], useFactory: ({ auth }: HubConfig) => new SignInPolicy(auth) },
    Accounts,
    SessionsService,
    SetupService,
    MqttAuthService,
    { provide: APP_GUARD, useClass: SessionGuard },
  ],
  exports: [MqttAuthService, SessionsService, Accounts, DeviceCredentialsRepository, PasswordHasher, SetupService],
})
export class AuthModule {}
