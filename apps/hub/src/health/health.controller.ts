import { Controller, Get, Inject } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { BrokerService } from '../broker/broker.service.js';
import { SQLITE } from '../database/database.tokens.js';
import { MqttSnService } from '../mqtt-sn/mqtt-sn.service.js';
import { HUB_VERSION } from '../version.js';

type Status = 'ok' | 'error';

/** Without a session the health check tells only whether each part is ok: no version, counts or error text. */
const statusesOnly = (report: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(report)
      .filter(([, value]) => typeof value === 'string' || (typeof value === 'object' && value !== null && 'status' in value))
      .filter(([name]) => name !== 'version')
      .map(([name, value]) => [name, typeof value === 'string' ? value : { status: (value as { status: unknown }).status }]),
  );

@Controller('api/health')
export class HealthController {
  constructor(
    private readonly broker: BrokerService,
    @Inject(SQLITE) private readonly db: Database,
    private readonly mqttSn: MqttSnService,
  ) {}

  @Public()
  @Get()
  health(@CurrentUser() user?: AuthUser) {
    const database = this.databaseStatus();
    const broker = { status: 'ok' as Status, clients: this.broker.connectedClients, queueDrops: { total: this.broker.queueDrops.total, clients: this.broker.queueDrops.byClient(20) } };
    // A missing serial device degrades the gateway but not the hub: sensors on UDP still work.
    const mqttSn = this.mqttSn.health();
    const status: Status = database.status === 'ok' && broker.status === 'ok' ? 'ok' : 'error';
    const report = { status, version: HUB_VERSION, broker, database, mqttSn };
    return user ? report : statusesOnly(report);
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
