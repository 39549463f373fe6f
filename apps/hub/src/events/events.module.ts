import { Global, Module } from '@nestjs/common';
import { HubEvents } from './hub-events.js';

/** The hub's event bus, for every module. */
@Global()
@Module({ providers: [HubEvents], exports: [HubEvents] })
export class EventsModule {}
