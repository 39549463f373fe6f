// Spec numbers from MQTT 3.1 (IBM), MQTT 3.1.1 and MQTT 5.0 (OASIS), sections 2.1, 2.2, 2.4 and 3.

/** Control packet types: the high nibble of the fixed header's first byte (MQTT 5.0 section 2.1.2). */
export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;
export type PacketTypeCode = (typeof PacketType)[keyof typeof PacketType];

/**
 * The low nibble every packet but PUBLISH must carry [MQTT-2.1.3-1]; anything else is malformed.
 * Indexed by packet type; PUBLISH (3) carries DUP, QoS and RETAIN instead.
 */
export const REQUIRED_FLAGS: readonly (number | undefined)[] = [undefined, 0, 0, undefined, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** Bits of a PUBLISH fixed header's low nibble. */
export const PublishFlag = { DUP: 0x08, QOS: 0x06, RETAIN: 0x01 } as const;
export const QOS_SHIFT = 1;

/** Bits of the CONNECT flags byte (section 3.1.2.3). */
export const ConnectFlag = {
  USERNAME: 0x80,
  PASSWORD: 0x40,
  WILL_RETAIN: 0x20,
  WILL_QOS: 0x18,
  WILL: 0x04,
  CLEAN_START: 0x02,
  RESERVED: 0x01,
} as const;
export const WILL_QOS_SHIFT = 3;

/** Bits of a SUBSCRIBE's Subscription Options byte (MQTT 5.0 section 3.8.3.1). */
export const SubscribeOption = { QOS: 0x03, NO_LOCAL: 0x04, RETAIN_AS_PUBLISHED: 0x08, RETAIN_HANDLING: 0x30, RESERVED_V5: 0xc0, RESERVED_V3: 0xfc } as const;
export const RETAIN_HANDLING_SHIFT = 4;

export type QoS = 0 | 1 | 2;

/** Protocol Level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export const ProtocolVersion = { V31: 3, V311: 4, V5: 5 } as const;
export type ProtocolVersionCode = (typeof ProtocolVersion)[keyof typeof ProtocolVersion];
/** The protocol name each level must carry. */
export const PROTOCOL_NAMES: Readonly<Record<ProtocolVersionCode, string>> = { 3: 'MQIsdp', 4: 'MQTT', 5: 'MQTT' };

/** Largest Remaining Length a 4-byte Variable Byte Integer holds (section 1.5.5). */
export const MAX_REMAINING_LENGTH = 268_435_455;
/** Largest Variable Byte Integer, also the largest Subscription Identifier (section 3.8.2.1.2). */
export const MAX_VARIABLE_BYTE_INTEGER = 268_435_455;
/** Packet identifiers are 1..65535 [MQTT-2.2.1-3]; 0 is never used. */
export const MAX_PACKET_ID = 0xffff;
/** Session Expiry Interval meaning "never" (section 3.1.2.11.2). */
export const SESSION_EXPIRY_NEVER = 0xffff_ffff;
/** Receive Maximum, Topic Alias Maximum and Server Keep Alive are two-byte integers. */
export const MAX_TWO_BYTE_INTEGER = 0xffff;

/** MQTT 3.1 and 3.1.1 CONNACK return codes (3.1.1 section 3.2.2.3). */
export const ConnectReturnCode = {
  ACCEPTED: 0x00,
  UNACCEPTABLE_PROTOCOL_VERSION: 0x01,
  IDENTIFIER_REJECTED: 0x02,
  SERVER_UNAVAILABLE: 0x03,
  BAD_USERNAME_OR_PASSWORD: 0x04,
  NOT_AUTHORIZED: 0x05,
} as const;

/** MQTT 3.1.1 SUBACK return code of a refused subscription (section 3.9.3). */
export const SUBACK_FAILURE_V3 = 0x80;

/** MQTT 5.0 Reason Codes (section 2.4); each packet type accepts the subset noted in section 3. */
export const ReasonCode = {
  SUCCESS: 0x00,
  GRANTED_QOS_1: 0x01,
  GRANTED_QOS_2: 0x02,
  DISCONNECT_WITH_WILL: 0x04,
  NO_MATCHING_SUBSCRIBERS: 0x10,
  NO_SUBSCRIPTION_EXISTED: 0x11,
  CONTINUE_AUTHENTICATION: 0x18,
  REAUTHENTICATE: 0x19,
  UNSPECIFIED_ERROR: 0x80,
  MALFORMED_PACKET: 0x81,
  PROTOCOL_ERROR: 0x82,
  IMPLEMENTATION_SPECIFIC_ERROR: 0x83,
  UNSUPPORTED_PROTOCOL_VERSION: 0x84,
  CLIENT_IDENTIFIER_NOT_VALID: 0x85,
  BAD_USERNAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  SERVER_UNAVAILABLE: 0x88,
  SERVER_BUSY: 0x89,
  BANNED: 0x8a,
  SERVER_SHUTTING_DOWN: 0x8b,
  BAD_AUTHENTICATION_METHOD: 0x8c,
  KEEP_ALIVE_TIMEOUT: 0x8d,
  SESSION_TAKEN_OVER: 0x8e,
  TOPIC_FILTER_INVALID: 0x8f,
  TOPIC_NAME_INVALID: 0x90,
  PACKET_IDENTIFIER_IN_USE: 0x91,
  PACKET_IDENTIFIER_NOT_FOUND: 0x92,
  RECEIVE_MAXIMUM_EXCEEDED: 0x93,
  TOPIC_ALIAS_INVALID: 0x94,
  PACKET_TOO_LARGE: 0x95,
  MESSAGE_RATE_TOO_HIGH: 0x96,
  QUOTA_EXCEEDED: 0x97,
  ADMINISTRATIVE_ACTION: 0x98,
  PAYLOAD_FORMAT_INVALID: 0x99,
  RETAIN_NOT_SUPPORTED: 0x9a,
  QOS_NOT_SUPPORTED: 0x9b,
  USE_ANOTHER_SERVER: 0x9c,
  SERVER_MOVED: 0x9d,
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: 0x9e,
  CONNECTION_RATE_EXCEEDED: 0x9f,
  MAXIMUM_CONNECT_TIME: 0xa0,
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: 0xa1,
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: 0xa2,
} as const;

/**
 * The MQTT 3.1.1 CONNACK return code that says the most a 3.x client can understand of an MQTT 5 reason
 * (MQTT 5.0 section 3.2.2.2 lists the codes; 3.x has only six).
 */
export function connectReturnCodeV3(reason: number): number {
  switch (reason) {
    case ReasonCode.SUCCESS:
      return ConnectReturnCode.ACCEPTED;
    case ReasonCode.UNSUPPORTED_PROTOCOL_VERSION:
      return ConnectReturnCode.UNACCEPTABLE_PROTOCOL_VERSION;
    case ReasonCode.CLIENT_IDENTIFIER_NOT_VALID:
      return ConnectReturnCode.IDENTIFIER_REJECTED;
    case ReasonCode.BAD_USERNAME_OR_PASSWORD:
      return ConnectReturnCode.BAD_USERNAME_OR_PASSWORD;
    case ReasonCode.SERVER_UNAVAILABLE:
    case ReasonCode.SERVER_BUSY:
    case ReasonCode.SERVER_SHUTTING_DOWN:
    case ReasonCode.USE_ANOTHER_SERVER:
    case ReasonCode.SERVER_MOVED:
    case ReasonCode.CONNECTION_RATE_EXCEEDED:
      return ConnectReturnCode.SERVER_UNAVAILABLE;
    default:
      return ConnectReturnCode.NOT_AUTHORIZED;
  }
}

/** How a property's value is encoded (section 2.2.2.2). */
export type PropertyType = 'byte' | 'twoByte' | 'fourByte' | 'varint' | 'utf8' | 'binary' | 'pair';

/** Where a property may appear: a packet type, or the Will Properties of CONNECT. */
export type PropertyContext = PacketTypeCode | 'will';

/** MQTT 5.0 property identifiers (section 2.2.2.2). */
export const Property = {
  PAYLOAD_FORMAT_INDICATOR: 0x01,
  MESSAGE_EXPIRY_INTERVAL: 0x02,
  CONTENT_TYPE: 0x03,
  RESPONSE_TOPIC: 0x08,
  CORRELATION_DATA: 0x09,
  SUBSCRIPTION_IDENTIFIER: 0x0b,
  SESSION_EXPIRY_INTERVAL: 0x11,
  ASSIGNED_CLIENT_IDENTIFIER: 0x12,
  SERVER_KEEP_ALIVE: 0x13,
  AUTHENTICATION_METHOD: 0x15,
  AUTHENTICATION_DATA: 0x16,
  REQUEST_PROBLEM_INFORMATION: 0x17,
  WILL_DELAY_INTERVAL: 0x18,
  REQUEST_RESPONSE_INFORMATION: 0x19,
  RESPONSE_INFORMATION: 0x1a,
  SERVER_REFERENCE: 0x1c,
  REASON_STRING: 0x1f,
  RECEIVE_MAXIMUM: 0x21,
  TOPIC_ALIAS_MAXIMUM: 0x22,
  TOPIC_ALIAS: 0x23,
  MAXIMUM_QOS: 0x24,
  RETAIN_AVAILABLE: 0x25,
  USER_PROPERTY: 0x26,
  MAXIMUM_PACKET_SIZE: 0x27,
  WILDCARD_SUBSCRIPTION_AVAILABLE: 0x28,
  SUBSCRIPTION_IDENTIFIER_AVAILABLE: 0x29,
  SHARED_SUBSCRIPTION_AVAILABLE: 0x2a,
} as const;

const { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH } = PacketType;
const ACKS = [PUBACK, PUBREC, PUBREL, PUBCOMP] as const;

export interface PropertySpec {
  /** The field of a decoded Properties object that holds the value. */
  key: string;
  name: string;
  type: PropertyType;
  /** Packets (and Will Properties) the property may appear in; elsewhere it makes the packet malformed. */
  allowed: ReadonlySet<PropertyContext>;
  /** User Property and Subscription Identifier (in PUBLISH) may repeat; any other twice is a Protocol Error. */
  repeats: boolean;
}

const spec = (key: string, name: string, type: PropertyType, allowed: PropertyContext[], repeats = false): PropertySpec => ({
  key,
  name,
  type,
  allowed: new Set(allowed),
  repeats,
});

/** The property table of section 2.2.2.2, by identifier. */
export const PROPERTIES: ReadonlyMap<number, PropertySpec> = new Map([
  [Property.PAYLOAD_FORMAT_INDICATOR, spec('payloadFormatIndicator', 'Payload Format Indicator', 'byte', [PUBLISH, 'will'])],
  [Property.MESSAGE_EXPIRY_INTERVAL, spec('messageExpiryInterval', 'Message Expiry Interval', 'fourByte', [PUBLISH, 'will'])],
  [Property.CONTENT_TYPE, spec('contentType', 'Content Type', 'utf8', [PUBLISH, 'will'])],
  [Property.RESPONSE_TOPIC, spec('responseTopic', 'Response Topic', 'utf8', [PUBLISH, 'will'])],
  [Property.CORRELATION_DATA, spec('correlationData', 'Correlation Data', 'binary', [PUBLISH, 'will'])],
  [Property.SUBSCRIPTION_IDENTIFIER, spec('subscriptionIdentifiers', 'Subscription Identifier', 'varint', [PUBLISH, SUBSCRIBE], true)],
  [Property.SESSION_EXPIRY_INTERVAL, spec('sessionExpiryInterval', 'Session Expiry Interval', 'fourByte', [CONNECT, CONNACK, DISCONNECT])],
  [Property.ASSIGNED_CLIENT_IDENTIFIER, spec('assignedClientIdentifier', 'Assigned Client Identifier', 'utf8', [CONNACK])],
  [Property.SERVER_KEEP_ALIVE, spec('serverKeepAlive', 'Server Keep Alive', 'twoByte', [CONNACK])],
  [Property.AUTHENTICATION_METHOD, spec('authenticationMethod', 'Authentication Method', 'utf8', [CONNECT, CONNACK, AUTH])],
  [Property.AUTHENTICATION_DATA, spec('authenticationData', 'Authentication Data', 'binary', [CONNECT, CONNACK, AUTH])],
  [Property.REQUEST_PROBLEM_INFORMATION, spec('requestProblemInformation', 'Request Problem Information', 'byte', [CONNECT])],
  [Property.WILL_DELAY_INTERVAL, spec('willDelayInterval', 'Will Delay Interval', 'fourByte', ['will'])],
  [Property.REQUEST_RESPONSE_INFORMATION, spec('requestResponseInformation', 'Request Response Information', 'byte', [CONNECT])],
  [Property.RESPONSE_INFORMATION, spec('responseInformation', 'Response Information', 'utf8', [CONNACK])],
  [Property.SERVER_REFERENCE, spec('serverReference', 'Server Reference', 'utf8', [CONNACK, DISCONNECT])],
  [Property.REASON_STRING, spec('reasonString', 'Reason String', 'utf8', [CONNACK, ...ACKS, SUBACK, UNSUBACK, DISCONNECT, AUTH])],
  [Property.RECEIVE_MAXIMUM, spec('receiveMaximum', 'Receive Maximum', 'twoByte', [CONNECT, CONNACK])],
  [Property.TOPIC_ALIAS_MAXIMUM, spec('topicAliasMaximum', 'Topic Alias Maximum', 'twoByte', [CONNECT, CONNACK])],
  [Property.TOPIC_ALIAS, spec('topicAlias', 'Topic Alias', 'twoByte', [PUBLISH])],
  [Property.MAXIMUM_QOS, spec('maximumQoS', 'Maximum QoS', 'byte', [CONNACK])],
  [Property.RETAIN_AVAILABLE, spec('retainAvailable', 'Retain Available', 'byte', [CONNACK])],
  [Property.USER_PROPERTY, spec('userProperties', 'User Property', 'pair', [CONNECT, CONNACK, PUBLISH, 'will', ...ACKS, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH], true)],
  [Property.MAXIMUM_PACKET_SIZE, spec('maximumPacketSize', 'Maximum Packet Size', 'fourByte', [CONNECT, CONNACK])],
  [Property.WILDCARD_SUBSCRIPTION_AVAILABLE, spec('wildcardSubscriptionAvailable', 'Wildcard Subscription Available', 'byte', [CONNACK])],
  [Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE, spec('subscriptionIdentifierAvailable', 'Subscription Identifier Available', 'byte', [CONNACK])],
  [Property.SHARED_SUBSCRIPTION_AVAILABLE, spec('sharedSubscriptionAvailable', 'Shared Subscription Available', 'byte', [CONNACK])],
]);

/** Reason codes a DISCONNECT from a client may carry (section 3.14.2.1); others are a Protocol Error. */
export const CLIENT_DISCONNECT_REASONS: ReadonlySet<number> = new Set([
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c,
]);
/** Reason codes a client's PUBACK or PUBREC may carry (sections 3.4.2.1 and 3.5.2.1). */
export const PUBACK_REASONS: ReadonlySet<number> = new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]);
/** Reason codes of PUBREL and PUBCOMP (sections 3.6.2.1 and 3.7.2.1). */
export const PUBREL_REASONS: ReadonlySet<number> = new Set([0x00, 0x92]);
/** Reason codes of a client's AUTH (section 3.15.2.1). */
export const AUTH_REASONS: ReadonlySet<number> = new Set([0x00, 0x18, 0x19]);

/** Topic level separator and wildcards (section 4.7). */
export const TOPIC_SEPARATOR = '/';
export const SINGLE_LEVEL_WILDCARD = '+';
export const MULTI_LEVEL_WILDCARD = '#';
/** Prefix of a shared subscription's filter: `$share/{ShareName}/{filter}` (section 4.8.2). */
export const SHARED_SUBSCRIPTION_PREFIX = '$share/';
