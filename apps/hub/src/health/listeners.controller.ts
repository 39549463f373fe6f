import { Controller, Get } from '@nestjs/common';
import { HubListeners } from './listeners.js';

/** Anyone signed in may read where the hub listens (Settings); adding a device is still for admins. */
@Controller('api/listeners')
export class ListenersController {
  constructor(private readonly listeners: HubListeners) {}

  @Get()
  list() {
    return this.listeners.report();
  }
}
