import { Buffer } from 'node:buffer';
import { encodePublish, type PublishFields } from './codec/encode.js';
import { NO_PROPERTIES, type Properties } from './codec/packets.js';
import type { QoS } from './constants.js';
import type { ApplicationMessage, MessageProperties, StoredMessage } from './ports.js';

/** Encodings per (MQTT 5 or not, QoS, RETAIN): 2 x 3 x 2. */
const VARIANTS = 12;

const variant = (v5: boolean, qos: QoS, retain: boolean): number => (v5 ? 6 : 0) + qos * 2 + (retain ? 1 : 0);

/** Seconds of expiry left at `now`, rounded up; 0 for a message that never expires, -1 once expired. */
export function expiryLeft(expiresAt: number, now: number): number {
  if (expiresAt === 0) return 0;
  const left = Math.ceil((expiresAt - now) / 1000);
  return left > 0 ? left : -1;
}

/** The PUBLISH properties of a message to a subscriber: its own, plus those that depend on the delivery. */
function publishProperties(
  properties: Readonly<MessageProperties>,
  expiryInterval: number,
  subscriptionIdentifiers: readonly number[] | null,
  topicAlias: number,
): Readonly<Properties> {
  if (expiryInterval === 0 && subscriptionIdentifiers === null && topicAlias === 0) return properties;
  const result: Properties = { ...properties };
  // [MQTT-3.3.2-6]: what is left of the expiry interval
  if (expiryInterval > 0) result.messageExpiryInterval = expiryInterval;
  if (subscriptionIdentifiers !== null) result.subscriptionIdentifiers = subscriptionIdentifiers as number[];
  if (topicAlias > 0) result.topicAlias = topicAlias;
  return result;
}

/**
 * An application message inside the broker. Each wire form a subscriber may need, by protocol
 * version, QoS and RETAIN, is encoded once and then copied to every subscriber wanting it, with the
 * Packet Identifier and DUP patched per copy.
 */
export class Message implements ApplicationMessage {
  private encodings: (Buffer | undefined)[] | null = null;
  /** The expiry interval the MQTT 5 encodings carry; they are redone when it has moved on. */
  private encodedExpiry = 0;
  private stored: StoredMessage | null = null;
  /**
   * Whether encodings are kept for the next subscriber. A retained message is sent to one new
   * subscription at a time, so keeping its encodings would only double the memory it takes.
   */
  shareEncodings = true;

  constructor(
    readonly topic: string,
    /** UTF-8 bytes of `topic`. */
    readonly topicLength: number,
    readonly payload: Buffer,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly properties: Readonly<MessageProperties>,
    readonly expiresAt: number,
    /** Client identifier of the session that published it (for No Local); null when published in-process. */
    readonly publisher: string | null,
  ) {}

  static fromStored(stored: StoredMessage, publisher: string | null = null): Message {
    return new Message(stored.topic, Buffer.byteLength(stored.topic), stored.payload, stored.qos, stored.retain, stored.properties, stored.expiresAt, publisher);
  }

  /** The form the store keeps; the same object for every session it is queued for. */
  toStored(): StoredMessage {
    return (this.stored ??= { topic: this.topic, payload: this.payload, qos: this.qos, retain: this.retain, properties: this.properties, expiresAt: this.expiresAt });
  }

  /** The copy the retained store keeps: no encodings, and none kept later. */
  retainedCopy(): Message {
    const copy = new Message(this.topic, this.topicLength, this.payload, this.qos, true, this.properties, this.expiresAt, this.publisher);
    copy.shareEncodings = false;
    return copy;
  }

  /**
   * The PUBLISH for a subscriber of this version at `qos` with `retain`, carrying `expiryInterval`
   * (seconds left, 0 = none); its Packet Identifier (QoS > 0) is 0, to be patched in the copy. Undefined
   * when it is too large for any MQTT packet.
   */
  encoding(v5: boolean, qos: QoS, retain: boolean, expiryInterval: number): Buffer | undefined {
    if (v5 && expiryInterval !== this.encodedExpiry) {
      this.encodings = null;
      this.encodedExpiry = expiryInterval;
    }
    const encodings = (this.encodings ??= new Array<Buffer | undefined>(VARIANTS));
    const index = variant(v5, qos, retain);
    return (encodings[index] ??= encodePublish(this.fields(v5, qos, retain, expiryInterval, null, 0)));
  }

  /** The fields of a PUBLISH of this message, for encodings that are not shared. */
  fields(v5: boolean, qos: QoS, retain: boolean, expiryInterval: number, subscriptionIdentifiers: readonly number[] | null, topicAlias: number, topicSent = true): PublishFields {
    return {
      topic: topicSent ? this.topic : '',
      topicLength: topicSent ? this.topicLength : 0,
      payload: this.payload,
      qos,
      retain,
      dup: false,
      packetId: 0,
      properties: v5 ? publishProperties(this.properties, expiryInterval, subscriptionIdentifiers, topicAlias) : null,
    };
  }
}

/** The properties of a PUBLISH or will that travel with the message; the shared empty object when there are none. */
export function messageProperties(properties: Readonly<Properties>, copy: boolean): Readonly<MessageProperties> {
  const { payloadFormatIndicator, contentType, responseTopic, correlationData, userProperties } = properties;
  if (payloadFormatIndicator === undefined && contentType === undefined && responseTopic === undefined && correlationData === undefined && userProperties === undefined) {
    return NO_PROPERTIES;
  }
  const result: MessageProperties = {};
  if (payloadFormatIndicator !== undefined) result.payloadFormatIndicator = payloadFormatIndicator;
  if (contentType !== undefined) result.contentType = contentType;
  if (responseTopic !== undefined) result.responseTopic = responseTopic;
  // Views into the received bytes are copied for messages the broker keeps, so they do not pin whole reads.
  if (correlationData !== undefined) result.correlationData = copy ? Buffer.from(correlationData) : correlationData;
  if (userProperties !== undefined) result.userProperties = userProperties;
  return result;
}
