import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { PushKeyDto, PushOutcomeDto, PushSubscriptionDto } from '@hearth/api-types';
import { Access, CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { PushSubscribeDto } from './push.dto.js';
import { PushService } from './push.service.js';

/** Web Push: everyone signed in subscribes their own browsers to rule notifications, and sees and removes only their own. */
@ApiTags('push')
@Controller('api/push')
@Access('user')
export class PushController {
  constructor(private readonly push: PushService) {}

  /** The hub's VAPID public key, for `PushManager.subscribe({ applicationServerKey })`; made on first use. */
  @Get('key')
  key(): PushKeyDto {
    return { publicKey: this.push.publicKey() };
  }

  @Get('subscriptions')
  list(@CurrentUser() user: AuthUser): PushSubscriptionDto[] {
    return this.push.subscriptions(user);
  }

  /** Saves this browser's subscription for the signed-in person (a browser subscribing again replaces its old one). */
  @Post('subscriptions')
  subscribe(@CurrentUser() user: AuthUser, @Body() body: PushSubscribeDto): PushSubscriptionDto {
    return this.push.subscribe(user, body);
  }

  /** Sends a test notification to the signed-in person's own browsers; answers what became of each. */
  @Post('test')
  @HttpCode(200)
  test(@CurrentUser() user: AuthUser): Promise<PushOutcomeDto> {
    return this.push.sendTest(user);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  unsubscribe(@CurrentUser() user: AuthUser, @Param('id', ParseIntPipe) id: number): void {
    this.push.unsubscribe(user, id);
  }
}
