import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';

/** What a notify action POSTs to each webhook: the MQTT message's fields, and the dashboard page of the rule. */
export interface NotifyWebhookBody {
  rule: string;
  ruleId: string;
  title?: string;
  message: string;
  url: string;
}

/** A webhook that has not answered by then is taken as failed. */
const TIMEOUT_MS = 10_000;

/** POSTs rule notifications to the URLs of HEARTH_NOTIFY_WEBHOOKS (ntfy, a chat bot…); a failure is logged, never thrown. */
@Injectable()
export class NotifyWebhooks {
  private readonly log: Logger;
  private readonly urls: readonly string[];

  constructor(@Inject(HUB_CONFIG) config: HubConfig, @Inject(ROOT_LOGGER) root: Logger) {
    this.log = root.child({ module: 'notify-webhooks' });
    this.urls = config.notify.webhooks;
  }

  async send(body: NotifyWebhookBody): Promise<void> {
    await Promise.all(this.urls.map((url) => this.post(url, body)));
  }

  private async post(url: string, body: NotifyWebhookBody): Promise<void> {
    const host = new URL(url).host;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) this.log.warn({ ruleId: body.ruleId, webhook: host, status: response.status }, 'a notify webhook refused the notification');
    } catch (error) {
      this.log.warn({ ruleId: body.ruleId, webhook: host, err: error }, 'could not reach a notify webhook');
    }
  }
}
