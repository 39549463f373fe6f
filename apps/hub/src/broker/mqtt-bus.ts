export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export type BusHandler = (message: BusMessage) => void;

/**
 * The one way the rest of the hub talks MQTT: in-process, through the embedded broker, with no
 * loopback client. Handlers run on the broker's delivery path, so they must not block.
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
   * Every message the broker publishes, as it publishes it ($SYS included), without a subscription:
   * a hub part that looks at all traffic (the entity mapper) does not take a share of the broker's
   * delivery queue, which under load is what costs. With `retained`, the stored ones come first.
   */
  abstract tap(handler: BusHandler, options?: { retained?: boolean }): Promise<() => void>;
}
