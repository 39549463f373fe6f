import { Controller, Get, Inject } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { BridgesService } from '../bridge/bridges.service.js';
import { BrokerService } from '../broker/broker.service.js';
import { MqttBus } from '../broker/mqtt-bus.js';
import { onExternalBroker, type HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import { MqttSnService } from '../mqtt-sn/mqtt-sn.service.js';
import { HUB_VERSION } from '../version.js';

type Status = 'ok' | 'error';
/** degraded: the hub serves, but a part is missing (an external broker out of reach). */
type PartStatus = Status | 'degraded';

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
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly broker: BrokerService,
    private readonly bus: MqttBus,
    @Inject(SQLITE) private readonly db: Database,
    private readonly mqttSn: MqttSnService,
    private readonly bridges: BridgesService,
  ) {}

  @Public()
  @Get()
  health(@CurrentUser() user?: AuthUser) {
    const database = this.databaseStatus();
    const link = this.bus.link();
    const broker = onExternalBroker(this.config)
      ? { status: (link.connected ? 'ok' : 'degraded') as PartStatus, link }
      : { status: 'ok' as PartStatus, link, clients: this.broker.connectedClients, queueDrops: { total: this.broker.queueDrops.total, clients: this.broker.queueDrops.byClient(20) } };
    // A missing serial device degrades the gateway but not the hub: sensors on UDP still work.
    const mqttSn = this.mqttSn.health();
    // Without its external broker the hub still serves the dashboard and history: degraded, not down.
    const status: Status = database.status === 'ok' && broker.status !== 'error' ? 'ok' : 'error';
    const report = { status, version: HUB_VERSION, broker, database, mqttSn, bridges: this.bridges.states() };
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
