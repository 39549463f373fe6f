import type { BrokerLinkDto } from '@hearth/api-types';
import type { BusMessage } from '../events/hub-events.js';

export type { BusMessage };

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
  /** The client id it is published for, so that its No Local subscriptions leave it out (a bridge's session). */
  publisher?: string;
}

export type BusHandler = (message: BusMessage) => void;

/**
 * The one way the rest of the hub talks MQTT: in-process, through the embedded broker, with no
 * loopback client (or through the hub's one client of an external broker). Handlers run on the delivery
 * path, so they must not block.
 */
export abstract class MqttBus {
  /** Resolves once the broker has accepted (and, for retained or queued messages, stored) it. */
  abstract publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
  /**
   * Returns the function that removes this subscription. With `retained`, the stored retained messages
   * matching the filter are handed over first, as a network client would receive them.
   */
  abstract subscribe(filter: string, handler: BusHandler, options?: { retained?: boolean }): Promise<() => Promise<void>>;

  /**
   * Hands over the stored retained messages matching `filter`: with the bus's `mqttMessage` event, a hub
   * part that looks at all traffic (the entity pipeline) starts from what the broker already holds.
   */
  abstract forEachRetained(filter: string, handler: BusHandler): Promise<void>;

  /** The broker the bus runs on, as /api/health and the dashboard show it. */
  abstract link(): BrokerLinkDto;
}
