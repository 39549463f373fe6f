// Spec numbers from MQTT-SN v1.2 (sections 5.2-5.5).

export const MsgType = {
  ADVERTISE: 0x00,
  SEARCHGW: 0x01,
  GWINFO: 0x02,
  CONNECT: 0x04,
  CONNACK: 0x05,
  WILLTOPICREQ: 0x06,
  WILLTOPIC: 0x07,
  WILLMSGREQ: 0x08,
  WILLMSG: 0x09,
  REGISTER: 0x0a,
  REGACK: 0x0b,
  PUBLISH: 0x0c,
  PUBACK: 0x0d,
  PUBCOMP: 0x0e,
  PUBREC: 0x0f,
  PUBREL: 0x10,
  SUBSCRIBE: 0x12,
  SUBACK: 0x13,
  UNSUBSCRIBE: 0x14,
  UNSUBACK: 0x15,
  PINGREQ: 0x16,
  PINGRESP: 0x17,
  DISCONNECT: 0x18,
  WILLTOPICUPD: 0x1a,
  WILLTOPICRESP: 0x1b,
  WILLMSGUPD: 0x1c,
  WILLMSGRESP: 0x1d,
  ENCAPSULATED: 0xfe,
} as const;
export type MsgTypeName = keyof typeof MsgType;

/** Spec names by code; every code missing here (0x03, 0x11, 0x19, 0x1e-0xfd, 0xff) is reserved. */
export const MSG_TYPE_NAMES: ReadonlyMap<number, MsgTypeName> = new Map(
  (Object.keys(MsgType) as MsgTypeName[]).map((name) => [MsgType[name], name]),
);

export const ReturnCode = {
  ACCEPTED: 0x00,
  CONGESTION: 0x01,
  INVALID_TOPIC_ID: 0x02,
  NOT_SUPPORTED: 0x03,
} as const;
export type SnReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];

/** Bit masks of the Flags byte. */
export const Flag = {
  DUP: 0x80,
  QOS: 0x60,
  RETAIN: 0x10,
  WILL: 0x08,
  CLEAN_SESSION: 0x04,
  TOPIC_ID_TYPE: 0x03,
} as const;
export const QOS_SHIFT = 5;

/** QoS indexed by the value of flag bits 6-5. */
export const QOS_BY_BITS = [0, 1, 2, -1] as const;
export type SnQos = (typeof QOS_BY_BITS)[number];

/** TopicIdType indexed by the value of flag bits 1-0; 0b11 is reserved. */
export const TOPIC_ID_TYPE_BY_BITS = ['normal', 'predefined', 'short'] as const;
export type SnTopicIdType = (typeof TOPIC_ID_TYPE_BY_BITS)[number];

export const PROTOCOL_ID = 0x01;

/** 0x0000 is "no id" (REGISTER sent by a client, SUBACK to a wildcard); 0xFFFF is never assigned. */
export const TopicId = { NONE: 0x0000, RESERVED: 0xffff } as const;

/** Ctrl byte of the forwarder encapsulation: bits 1-0 carry the broadcast radius, the rest is reserved. */
export const CTRL_RADIUS_MASK = 0x03;

/** Short topic names travel in the 2-byte TopicId field. */
export const SHORT_TOPIC_NAME_BYTES = 2;
