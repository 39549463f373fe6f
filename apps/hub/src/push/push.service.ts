import { Inject, Injectable } from '@nestjs/common';
import type { PushNotificationPayload, PushOutcomeDto, PushSubscriptionDto } from '@hearth/api-types';
import { generateVapidKeys, pushRequest, subscriptionKeysProblem, type PushSubscriptionJson, type VapidKeys } from '@hearth/web-push';
import type { AuthUser } from '../auth/sessions.service.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { InvalidSubscription, SubscriptionNotFound } from './push-errors.js';
import { PushRepository, type StoredSubscription } from './push.repository.js';

/** How long a push service keeps a notification for a phone that is off: a day, then it is stale. */
const TTL_SECONDS = 24 * 3600;
/** A push service that has not answered by then is taken as failed; the rule goes on. */
const SEND_TIMEOUT_MS = 10_000;
/** Characters of a notification's title and body: together well inside one 4 kB push message. */
const MAX_TITLE = 100;
const MAX_BODY = 1000;
/** Browsers per person: each notification costs a request per subscription, so there is a bound. */
export const MAX_SUBSCRIPTIONS_PER_PERSON = 20;

const toDto = (subscription: StoredSubscription): PushSubscriptionDto => ({ id: subscription.id, endpoint: subscription.endpoint, createdAt: new Date(subscription.createdAt).toISOString() });
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Web Push to the installed dashboard: keeps the hub's VAPID keys (made on first use) and each person's
 * subscriptions (one per browser), and sends notifications to them through their browsers' push services.
 */
@Injectable()
export class PushService {
  private readonly log: Logger;
  private vapid: VapidKeys | undefined;

  constructor(
    private readonly repository: PushRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'push' });
  }

  /** The VAPID public key browsers subscribe with (`applicationServerKey`). */
  publicKey(): string {
    return this.keys().publicKey;
  }

  subscriptions(user: AuthUser): PushSubscriptionDto[] {
    return this.repository.ofUser(user.id).map(toDto);
  }

  subscribe(user: AuthUser, subscription: PushSubscriptionJson): PushSubscriptionDto {
    const problem = this.endpointProblem(subscription.endpoint) ?? subscriptionKeysProblem(subscription.keys);
    if (problem) throw new InvalidSubscription(problem);
    const own = this.repository.ofUser(user.id);
    if (own.length >= MAX_SUBSCRIPTIONS_PER_PERSON && !own.some((existing) => existing.endpoint === subscription.endpoint)) {
      throw new InvalidSubscription(`at most ${MAX_SUBSCRIPTIONS_PER_PERSON} devices get notifications per person: remove one first`);
    }
    const saved = this.repository.save(user.id, { endpoint: subscription.endpoint, keys: subscription.keys });
    this.log.info({ user: user.username, subscription: saved.id, pushService: new URL(saved.endpoint).host }, 'push subscription saved');
    return toDto(saved);
  }

  unsubscribe(user: AuthUser, id: number): void {
    if (!this.repository.remove(id, user.id)) throw new SubscriptionNotFound(id);
    this.log.info({ user: user.username, subscription: id }, 'push subscription removed');
  }

  /** A notification to the person's own browsers, to see that they get them; tapping it opens Settings. */
  sendTest(user: AuthUser): Promise<PushOutcomeDto> {
    return this.send({ title: 'Hearth', body: 'Notifications from your rules reach this device.', url: '/settings', tag: 'test' }, (recipient) => recipient.id === user.id);
  }

  /** Sends to every subscription of the people `to` picks; never throws (a failed push is logged). */
  async send(notification: PushNotificationPayload, to: (user: AuthUser) => boolean): Promise<PushOutcomeDto> {
    const payload = JSON.stringify({ ...notification, title: clip(notification.title, MAX_TITLE), body: clip(notification.body, MAX_BODY) });
    const outcomes = await Promise.all(this.repository.all().filter((subscription) => to(subscription.user)).map((subscription) => this.deliver(subscription, payload)));
    const outcome = { sent: 0, removed: 0, failed: 0 };
    for (const result of outcomes) outcome[result]++;
    return outcome;
  }

  private async deliver(subscription: StoredSubscription, payload: string): Promise<keyof PushOutcomeDto> {
    const fields = { subscription: subscription.id, user: subscription.user.username, pushService: new URL(subscription.endpoint).host };
    try {
      const request = pushRequest(subscription, payload, this.keys(), { subject: this.config.push.contact, ttlSeconds: TTL_SECONDS });
      const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'error', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      if (response.ok) return 'sent';
      // RFC 8030 7.3: the subscription expired or was unsubscribed; it will never take a message again.
      if (response.status === 404 || response.status === 410) {
        this.repository.removeEndpoint(subscription.endpoint);
        this.log.info({ ...fields, status: response.status }, 'push subscription gone; removed');
        return 'removed';
      }
      this.log.warn({ ...fields, status: response.status, answer: clip(await response.text(), 200) }, 'push service refused a notification');
    } catch (error) {
      this.log.warn({ ...fields, err: error }, 'could not reach the push service');
    }
    return 'failed';
  }

  private endpointProblem(endpoint: string): string | null {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return 'endpoint must be a URL';
    }
    if (url.protocol === 'https:' || (url.protocol === 'http:' && this.config.push.allowHttp)) return null;
    return 'endpoint must be an https: URL (a browser push service)';
  }

  private keys(): VapidKeys {
    return (this.vapid ??= this.repository.keys(generateVapidKeys));
  }
}
