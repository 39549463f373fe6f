import { Controller, Get, Inject } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { BrokerService } from '../broker/broker.service.js';
import { SQLITE } from '../database/database.tokens.js';
import { HUB_VERSION } from '../version.js';

type Status = 'ok' | 'error';

@Controller('api/health')
export class HealthController {
  constructor(
    private readonly broker: BrokerService,
    @Inject(SQLITE) private readonly db: Database,
  ) {}

  @Get()
  health() {
    const database = this.databaseStatus();
    const broker = { status: 'ok' as Status, clients: this.broker.connectedClients };
    // The MQTT-SN gateway reports here once it exists (issue: MQTT-SN v1.2 gateway).
    const status: Status = database.status === 'ok' && broker.status === 'ok' ? 'ok' : 'error';
    return { status, version: HUB_VERSION, broker, database };
  }

  private databaseStatus(): { status: Status; error?: string } {
    try {
      this.db.prepare('SELECT 1').get();
      return { status: 'ok' };
    } catch (error) {
      return { status: 'error', error: (error as Error).message };
    }
  }
}
