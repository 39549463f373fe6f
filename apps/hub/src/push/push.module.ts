import { Module } from '@nestjs/common';
import { PushController } from './push.controller.js';
import { PushRepository } from './push.repository.js';
import { PushService } from './push.service.js';

/** Web Push to people's browsers; exports the service that sends (rule notifications). */
@Module({
  providers: [PushRepository, PushService],
  controllers: [PushController],
  exports: [PushService],
})
export class PushModule {}
