import { Inject, Injectable } from '@nestjs/common';
import type { BrokerLinkDto, EntityDto, HubSettings } from '@hearth/api-types';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';

/** An MQTT message as the hub's parts see it. */
export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** Everything the hub's parts tell each other, by name: the one way events cross modules. */
export interface HubEventMap {
  /** Every message the broker publishes ($SYS included), as it publishes it. */
  mqttMessage: BusMessage;
  /** An entity's state, availability or definition changed; `before` is null for a new entity. */
  entityState: { before: EntityDto | null; after: EntityDto };
  entityRemoved: { id: string };
  /** A device's availability changed. */
  availability: { deviceId: string; available: boolean };
  /** The house's settings, as now stored. */
  settingsChanged: HubSettings;
  /** The hub's link to an external broker came up or went down. */
  brokerLink: BrokerLinkDto;
  /** A session ended by logout (its token): connections that outlive their request close with it. */
  sessionEnded: { token: string };
}

export type HubEvent = keyof HubEventMap;

type Handler<E extends HubEvent> = (payload: HubEventMap[E]) => void;

/**
 * A typed event bus with owner-keyed subscriptions (as Zigbee2MQTT's extensions have): a part subscribes
 * with itself as the owner and lets go of everything it subscribed to with one `release(this)`. A
 * handler that throws is logged; the others still run.
 */
@Injectable()
export class HubEvents {
  private readonly handlers = new Map<HubEvent, Array<{ owner: object; handler: Handler<never> }>>();
  private readonly log: Logger;

  constructor(@Inject(ROOT_LOGGER) root: Logger) {
    this.log = root.child({ module: 'events' });
  }

  on<E extends HubEvent>(owner: object, event: E, handler: Handler<E>): void {
    const list = this.handlers.get(event) ?? [];
    list.push({ owner, handler: handler as Handler<never> });
    this.handlers.set(event, list);
  }

  /** Whether anyone listens: lets a hot path skip building what nobody would receive. */
  has(event: HubEvent): boolean {
    return (this.handlers.get(event)?.length ?? 0) > 0;
  }

  emit<E extends HubEvent>(event: E, payload: HubEventMap[E]): void {
    const list = this.handlers.get(event);
    if (!list) return;
    for (const { owner, handler } of list) {
      try {
        (handler as Handler<E>)(payload);
      } catch (error) {
        this.log.error({ err: error, event, owner: owner.constructor.name }, 'an event handler failed');
      }
    }
  }

  /** Drops every subscription `owner` made. */
  release(owner: object): void {
    for (const [event, list] of this.handlers) {
      const kept = list.filter((entry) => entry.owner !== owner);
      if (kept.length > 0) this.handlers.set(event, kept);
      else this.handlers.delete(event);
    }
  }
}
