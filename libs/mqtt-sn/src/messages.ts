import type { Buffer } from 'node:buffer';
import type { SnQos, SnReturnCode } from './constants.js';

/** QoS of wills and subscriptions; -1 exists only for PUBLISH. */
export type SnQosLevel = Exclude<SnQos, -1>;

/** How a PUBLISH names its topic. Short names are 2 bytes of UTF-8 carried in the TopicId field. */
export type SnPublishTopic =
  | { topicIdType: 'normal' | 'predefined'; topicId: number }
  | { topicIdType: 'short'; topicName: string };

/** SUBSCRIBE and UNSUBSCRIBE send the full topic name where PUBLISH would send a registered id. */
export type SnSubscribeTopic =
  | { topicIdType: 'normal'; topicName: string }
  | { topicIdType: 'predefined'; topicId: number }
  | { topicIdType: 'short'; topicName: string };

/** Will settings; null in the empty (2-byte) WILLTOPIC/WILLTOPICUPD, which deletes the will. */
export interface SnWillSettings {
  topic: string;
  qos: SnQosLevel;
  retain: boolean;
}

export interface SnAdvertise {
  type: 'advertise';
  gwId: number;
  /** Seconds until the next ADVERTISE. */
  duration: number;
}

export interface SnSearchGw {
  type: 'searchgw';
  radius: number;
}

export interface SnGwInfo {
  type: 'gwinfo';
  gwId: number;
  /** Present only when a client answers on behalf of a gateway. */
  gwAdd?: Buffer;
}

export interface SnConnect {
  type: 'connect';
  will: boolean;
  cleanSession: boolean;
  /** Keep-alive in seconds. */
  duration: number;
  clientId: string;
}

export interface SnConnack {
  type: 'connack';
  returnCode: SnReturnCode;
}

export interface SnWillTopicReq {
  type: 'willtopicreq';
}

export interface SnWillTopic {
  type: 'willtopic';
  will: SnWillSettings | null;
}

export interface SnWillMsgReq {
  type: 'willmsgreq';
}

export interface SnWillMsg {
  type: 'willmsg';
  willMsg: Buffer;
}

export interface SnRegister {
  type: 'register';
  /** 0x0000 when sent by a client. */
  topicId: number;
  msgId: number;
  topicName: string;
}

export interface SnRegack {
  type: 'regack';
  topicId: number;
  msgId: number;
  returnCode: SnReturnCode;
}

export interface SnPublish {
  type: 'publish';
  dup: boolean;
  qos: SnQos;
  retain: boolean;
  topic: SnPublishTopic;
  msgId: number;
  payload: Buffer;
}

export interface SnPuback {
  type: 'puback';
  topicId: number;
  msgId: number;
  returnCode: SnReturnCode;
}

export interface SnPubrec {
  type: 'pubrec';
  msgId: number;
}

export interface SnPubrel {
  type: 'pubrel';
  msgId: number;
}

export interface SnPubcomp {
  type: 'pubcomp';
  msgId: number;
}

export interface SnSubscribe {
  type: 'subscribe';
  dup: boolean;
  qos: SnQosLevel;
  msgId: number;
  topic: SnSubscribeTopic;
}

export interface SnSuback {
  type: 'suback';
  qos: SnQosLevel;
  topicId: number;
  msgId: number;
  returnCode: SnReturnCode;
}

export interface SnUnsubscribe {
  type: 'unsubscribe';
  msgId: number;
  topic: SnSubscribeTopic;
}

export interface SnUnsuback {
  type: 'unsuback';
  msgId: number;
}

export interface SnPingReq {
  type: 'pingreq';
  /** Sent by a sleeping client that wakes up to collect its buffered messages. */
  clientId?: string;
}

export interface SnPingResp {
  type: 'pingresp';
}

export interface SnDisconnect {
  type: 'disconnect';
  /** Sleep duration in seconds; present when the client goes to sleep. */
  duration?: number;
}

export interface SnWillTopicUpd {
  type: 'willtopicupd';
  will: SnWillSettings | null;
}

export interface SnWillTopicResp {
  type: 'willtopicresp';
  returnCode: SnReturnCode;
}

export interface SnWillMsgUpd {
  type: 'willmsgupd';
  willMsg: Buffer;
}

export interface SnWillMsgResp {
  type: 'willmsgresp';
  returnCode: SnReturnCode;
}

/** Every message a forwarder can wrap; encapsulations do not nest. */
export type SnPlainMessage =
  | SnAdvertise
  | SnSearchGw
  | SnGwInfo
  | SnConnect
  | SnConnack
  | SnWillTopicReq
  | SnWillTopic
  | SnWillMsgReq
  | SnWillMsg
  | SnRegister
  | SnRegack
  | SnPublish
  | SnPuback
  | SnPubrec
  | SnPubrel
  | SnPubcomp
  | SnSubscribe
  | SnSuback
  | SnUnsubscribe
  | SnUnsuback
  | SnPingReq
  | SnPingResp
  | SnDisconnect
  | SnWillTopicUpd
  | SnWillTopicResp
  | SnWillMsgUpd
  | SnWillMsgResp;

/** Forwarder encapsulation (MsgType 0xFE): a message relayed between a gateway and a wireless node. */
export interface SnEncapsulated {
  type: 'encapsulated';
  /** Broadcast radius from the Ctrl byte (0-3); only meaningful from gateway to forwarder. */
  radius: number;
  wirelessNodeId: Buffer;
  message: SnPlainMessage;
}

export type SnMessage = SnPlainMessage | SnEncapsulated;
