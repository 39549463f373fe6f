import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReasonCode } from '../constants.js';
import { connectVersion, decodePacket } from './decode.js';
import { type ClientVector, decodeBytes, describeClientVectors, fromHex } from './test-vectors.js';

const connects: ClientVector[] = [
  {
    name: 'MQTT 3.1 ("MQIsdp") with a clean session',
    version: 3,
    bytes: ['10 12', '00 06 4d 51 49 73 64 70', '03', '02', '00 3c', '00 04 64 65 76 31'],
    //      ^CONNECT ^"MQIsdp"                  ^level ^flags: clean ^keep-alive 60 ^client id "dev1"
    packet: { type: 'connect', protocolVersion: 3, cleanStart: true, keepAlive: 60, clientId: 'dev1', properties: {} },
    reference: { cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'dev1', clean: true, keepalive: 60 },
  },
  {
    name: 'MQTT 3.1.1 with user name, password and a retained QoS 1 will',
    version: 4,
    bytes: ['10 1f', '00 04 4d 51 54 54', '04', 'ec', '00 1e', '00 04 70 6c 75 67', '00 01 77', '00 03 62 79 65', '00 01 75', '00 02 70 77'],
    //                                           ^flags: user, password, will retain, will QoS 1, will, no clean session
    //                                                  ^keep-alive 30 ^"plug"          ^will topic "w" ^will payload "bye" ^user "u" ^password "pw"
    packet: {
      type: 'connect',
      protocolVersion: 4,
      cleanStart: false,
      keepAlive: 30,
      clientId: 'plug',
      username: 'u',
      password: Buffer.from('pw'),
      will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: true, properties: {} },
      properties: {},
    },
    reference: { cmd: 'connect', protocolVersion: 4, clientId: 'plug', clean: false, keepalive: 30, username: 'u', password: Buffer.from('pw'), will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: true } },
  },
  {
    name: 'MQTT 5 with properties and a will with Will Properties',
    version: 5,
    bytes: [
      '10 46', '00 04 4d 51 54 54', '05', '06', '00 0a',
      //                               ^flags: will, clean start
      '19', '11 00 00 01 2c', '21 00 0a', '27 00 00 04 00', '22 00 05', '17 00', '26 00 01 61 00 01 62',
      // ^25 bytes: Session Expiry 300, Receive Maximum 10, Maximum Packet Size 1024, Topic Alias Maximum 5,
      //            Request Problem Information 0, User Property a=b
      '00 02 63 35',
      // ^client id "c5"
      '17', '18 00 00 00 3c', '02 00 00 00 64', '03 00 01 74', '08 00 01 72', '09 00 02 01 02',
      // ^23 bytes of Will Properties: Will Delay 60, Message Expiry 100, Content Type "t", Response Topic "r", Correlation Data 01 02
      '00 01 77', '00 01 78',
    ],
    packet: {
      type: 'connect',
      protocolVersion: 5,
      cleanStart: true,
      keepAlive: 10,
      clientId: 'c5',
      will: {
        topic: 'w',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 60, messageExpiryInterval: 100, contentType: 't', responseTopic: 'r', correlationData: Buffer.from([1, 2]) },
      },
      properties: { sessionExpiryInterval: 300, receiveMaximum: 10, maximumPacketSize: 1024, topicAliasMaximum: 5, requestProblemInformation: 0, userProperties: [['a', 'b']] },
    },
    reference: {
      cmd: 'connect',
      protocolVersion: 5,
      clientId: 'c5',
      clean: true,
      keepalive: 10,
      properties: { sessionExpiryInterval: 300, receiveMaximum: 10, maximumPacketSize: 1024, topicAliasMaximum: 5, requestProblemInformation: false, userProperties: { a: 'b' } },
      will: {
        topic: 'w',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 60, messageExpiryInterval: 100, contentType: 't', responseTopic: 'r', correlationData: Buffer.from([1, 2]) },
      },
    },
  },
];

const publishes: ClientVector[] = [
  {
    name: 'MQTT 3.1.1 QoS 0',
    version: 4,
    bytes: ['30 07', '00 03 61 2f 62', '68 69'],
    //             ^topic "a/b"       ^payload "hi"
    packet: { type: 'publish', dup: false, qos: 0, retain: false, topic: 'a/b', topicLength: 3, packetId: 0, properties: {}, payload: Buffer.from('hi') },
    reference: { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false },
  },
  {
    name: 'MQTT 3.1.1 QoS 1, retained, DUP',
    version: 4,
    bytes: ['3b 09', '00 03 61 2f 62', '00 07', '68 69'],
    //      ^PUBLISH | DUP | QoS 1 | RETAIN  ^packet id 7
    packet: { type: 'publish', dup: true, qos: 1, retain: true, topic: 'a/b', topicLength: 3, packetId: 7, properties: {}, payload: Buffer.from('hi') },
    reference: { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, retain: true, dup: true, messageId: 7 },
  },
  {
    name: 'MQTT 5 QoS 2 with every message property and a Topic Alias',
    version: 5,
    bytes: [
      '34 32', '00 01 61', '01 02',
      //                   ^packet id 258
      '2b', '01 01', '02 00 00 00 3c', '23 00 03', '08 00 02 72 65', '09 00 02 69 64', '26 00 01 6b 00 02 76 31', '26 00 01 6b 00 02 76 32', '03 00 04 74 65 78 74',
      // ^43 bytes: Payload Format 1, Message Expiry 60, Topic Alias 3, Response Topic "re", Correlation Data "id",
      //            User Property k=v1, User Property k=v2 (same name twice, order kept), Content Type "text"
      '7a',
    ],
    packet: {
      type: 'publish',
      dup: false,
      qos: 2,
      retain: false,
      topic: 'a',
      topicLength: 1,
      packetId: 258,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 60,
        topicAlias: 3,
        responseTopic: 're',
        correlationData: Buffer.from('id'),
        userProperties: [
          ['k', 'v1'],
          ['k', 'v2'],
        ],
        contentType: 'text',
      },
      payload: Buffer.from('z'),
    },
    reference: {
      cmd: 'publish',
      topic: 'a',
      payload: Buffer.from('z'),
      qos: 2,
      retain: false,
      dup: false,
      messageId: 258,
      properties: { payloadFormatIndicator: true, messageExpiryInterval: 60, topicAlias: 3, responseTopic: 're', correlationData: Buffer.from('id'), userProperties: { k: ['v1', 'v2'] }, contentType: 'text' },
    },
  },
  {
    name: 'MQTT 5 with an empty topic standing for a Topic Alias',
    version: 5,
    bytes: ['30 08', '00 00', '03', '23 00 02', '6f 6e'],
    //             ^no topic ^Topic Alias 2    ^"on"
    packet: { type: 'publish', dup: false, qos: 0, retain: false, topic: '', topicLength: 0, packetId: 0, properties: { topicAlias: 2 }, payload: Buffer.from('on') },
    reference: { cmd: 'publish', topic: '', payload: Buffer.from('on'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } },
  },
];

const acks: ClientVector[] = [
  {
    name: 'MQTT 3.1.1 PUBREL',
    version: 4,
    bytes: ['62 02', '00 09'],
    packet: { type: 'pubrel', packetId: 9, reasonCode: 0, properties: {} },
    reference: { cmd: 'pubrel', messageId: 9 },
  },
  {
    name: 'MQTT 5 PUBACK in its short form (success, no properties)',
    version: 5,
    bytes: ['40 02', '00 05'],
    packet: { type: 'puback', packetId: 5, reasonCode: 0, properties: {} },
    reference: { cmd: 'puback', messageId: 5, reasonCode: 0 },
  },
  {
    name: 'MQTT 5 PUBREC with a reason code and a Reason String',
    version: 5,
    bytes: ['50 09', '00 09', '10', '05 1f 00 02 6e 6f'],
    //                      ^0x10 No matching subscribers ^Reason String "no"
    packet: { type: 'pubrec', packetId: 9, reasonCode: 0x10, properties: { reasonString: 'no' } },
    reference: { cmd: 'pubrec', messageId: 9, reasonCode: 0x10, properties: { reasonString: 'no' } },
  },
];

const subscriptions: ClientVector[] = [
  {
    name: 'MQTT 3.1.1 SUBSCRIBE to two filters',
    version: 4,
    bytes: ['82 0e', '00 03', '00 03 61 2f 2b', '01', '00 03 62 2f 23', '02'],
    //              ^id 3  ^"a/+"            ^QoS 1 ^"b/#"           ^QoS 2
    packet: {
      type: 'subscribe',
      packetId: 3,
      subscriptions: [
        { filter: 'a/+', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { filter: 'b/#', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties: {},
    },
    reference: { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 2 }] },
  },
  {
    name: 'MQTT 5 SUBSCRIBE with a Subscription Identifier and every option',
    version: 5,
    bytes: ['82 0a', '00 03', '03 0b c8 01', '00 01 61', '2d'],
    //                      ^Subscription Identifier 200 ^options: Retain Handling 2, Retain As Published, No Local, QoS 1
    packet: { type: 'subscribe', packetId: 3, subscriptions: [{ filter: 'a', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }], properties: { subscriptionIdentifiers: [200] } },
    reference: { cmd: 'subscribe', messageId: 3, properties: { subscriptionIdentifier: 200 }, subscriptions: [{ topic: 'a', qos: 1, nl: true, rap: true, rh: 2 }] },
  },
  {
    name: 'MQTT 5 UNSUBSCRIBE from two filters',
    version: 5,
    bytes: ['a2 09', '00 04', '00', '00 01 61', '00 01 62'],
    packet: { type: 'unsubscribe', packetId: 4, filters: ['a', 'b'], properties: {} },
    reference: { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['a', 'b'] },
  },
];

const others: ClientVector[] = [
  { name: 'PINGREQ', version: 4, bytes: ['c0 00'], packet: { type: 'pingreq' }, reference: { cmd: 'pingreq' } },
  { name: 'MQTT 3.1.1 DISCONNECT', version: 4, bytes: ['e0 00'], packet: { type: 'disconnect', reasonCode: 0, properties: {} }, reference: { cmd: 'disconnect' } },
  {
    name: 'MQTT 5 DISCONNECT with will and a Session Expiry Interval',
    version: 5,
    bytes: ['e0 07', '04', '05 11 00 00 00 00'],
    //              ^0x04 Disconnect with Will Message ^Session Expiry 0
    packet: { type: 'disconnect', reasonCode: 4, properties: { sessionExpiryInterval: 0 } },
    reference: { cmd: 'disconnect', reasonCode: 4, properties: { sessionExpiryInterval: 0 } },
  },
  {
    name: 'MQTT 5 AUTH continuing authentication',
    version: 5,
    bytes: ['f0 0e', '18', '0c', '15 00 05 53 43 52 41 4d', '16 00 01 09'],
    //              ^0x18 Continue ^Authentication Method "SCRAM" ^Authentication Data 09
    packet: { type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from([9]) } },
    reference: { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from([9]) } },
  },
];

describeClientVectors('CONNECT', connects);
describeClientVectors('PUBLISH', publishes);
describeClientVectors('PUBACK, PUBREC, PUBREL, PUBCOMP', acks);
describeClientVectors('SUBSCRIBE and UNSUBSCRIBE', subscriptions);
describeClientVectors('PINGREQ, DISCONNECT, AUTH', others);

const { MALFORMED_PACKET: MALFORMED, PROTOCOL_ERROR, TOPIC_NAME_INVALID, UNSUPPORTED_PROTOCOL_VERSION } = ReasonCode;

// [what is wrong, version, packet bytes, expected reason code, part of the message]
const errorVectors: [string, 3 | 4 | 5, string, number, string][] = [
  ['[MQTT-3.1.2-3] a CONNECT with the reserved flag set', 4, '10 0c 0004 4d515454 04 03 003c 0000', MALFORMED, 'reserved Connect Flag'],
  ['[MQTT-3.1.2-11] Will QoS without the Will Flag', 4, '10 0c 0004 4d515454 04 0a 003c 0000', MALFORMED, 'without the Will Flag'],
  ['a CONNECT with Will QoS 3', 4, '10 13 0004 4d515454 04 1c 003c 0000 0001 77 0002 6869', MALFORMED, 'Will QoS 3'],
  ['[MQTT-3.1.2-22] of 3.1.1: a password without a user name', 4, '10 10 0004 4d515454 04 42 003c 0000 0002 7077', MALFORMED, 'Password Flag'],
  ['protocol level 6', 4, '10 0c 0004 4d515454 06 02 003c 0000', UNSUPPORTED_PROTOCOL_VERSION, 'Protocol Level 6'],
  ['protocol name "MQTT" with level 3', 4, '10 0c 0004 4d515454 03 02 003c 0000', UNSUPPORTED_PROTOCOL_VERSION, 'Level 3'],
  ['a protocol name that is not MQTT', 4, '10 0c 0004 48545450 04 02 003c 0000', MALFORMED, 'is not MQTT'],
  ['bytes after the last CONNECT field', 4, '10 0d 0004 4d515454 04 02 003c 0000 ff', MALFORMED, 'after the last field'],
  ['[MQTT-1.5.4-1] a client id that is not UTF-8', 4, '10 0d 0004 4d515454 04 02 003c 0001 ff', MALFORMED, 'not well-formed UTF-8'],
  ['[MQTT-1.5.4-1] a UTF-16 surrogate encoded in UTF-8', 4, '10 0f 0004 4d515454 04 02 003c 0003 eda080', MALFORMED, 'not well-formed UTF-8'],
  ['[MQTT-1.5.4-2] U+0000 in a client id', 4, '10 0d 0004 4d515454 04 02 003c 0001 00', MALFORMED, 'U+0000'],
  ['[MQTT-3.3.1-4] a PUBLISH with QoS 3', 4, '36 05 0001 61 0001', MALFORMED, 'QoS 3'],
  ['[MQTT-3.3.2-2] a wildcard in a topic name', 4, '30 04 0002 612b', TOPIC_NAME_INVALID, 'wildcard'],
  ['[MQTT-4.7.3-2] U+0000 in a topic name', 4, '30 04 0002 6100', MALFORMED, 'U+0000'],
  ['[MQTT-4.7.3-1] an empty topic name (MQTT 3.1.1)', 4, '30 02 0000', MALFORMED, 'empty Topic Name'],
  ['an empty topic name without a Topic Alias (MQTT 5)', 5, '30 03 0000 00', PROTOCOL_ERROR, 'without a Topic Alias'],
  ['[MQTT-2.2.1-3] a QoS 1 PUBLISH with packet id 0', 4, '32 05 0001 61 0000', MALFORMED, 'Packet Identifier 0'],
  ['a PUBLISH whose topic length runs past the packet', 4, '30 03 0005 61', MALFORMED, 'too short'],
  ['[MQTT-3.3.4-6] a Subscription Identifier in a client PUBLISH', 5, '30 06 0001 61 02 0b 01', PROTOCOL_ERROR, 'Subscription Identifier'],
  ['[MQTT-3.3.2-14] a wildcard in a Response Topic', 5, '30 09 0001 61 05 08 0002 2f23', PROTOCOL_ERROR, 'Response Topic'],
  ['a property that PUBLISH may not carry (Will Delay Interval)', 5, '30 09 0001 61 05 18 0000003c', MALFORMED, 'not allowed in PUBLISH'],
  ['an unknown property identifier', 5, '30 06 0001 61 02 7f 00', MALFORMED, 'property 0x7f'],
  ['a property given twice (Message Expiry Interval)', 5, '30 0e 0001 61 0a 02 0000003c 02 0000003c', PROTOCOL_ERROR, 'appears twice'],
  ['a Payload Format Indicator of 2', 5, '30 06 0001 61 02 01 02', PROTOCOL_ERROR, 'not 0 or 1'],
  ['a Property Length past the end', 5, '30 04 0001 61 09', MALFORMED, 'runs past'],
  ['a property value past the Property Length', 5, '30 06 0001 61 02 02 00', MALFORMED, 'too short'],
  ['[MQTT-1.5.5-1] a Property Length of more bytes than needed', 5, '30 05 0001 61 80 00', MALFORMED, 'longer than needed'],
  ['[MQTT-3.1.2-3]-like reserved bits in a PUBREL header', 4, '60 02 0001', MALFORMED, 'flags'],
  ['[MQTT-3.8.1-1] reserved bits in a SUBSCRIBE header', 4, '80 06 0001 0001 61 00', MALFORMED, 'flags'],
  ['[MQTT-3.8.3-5] reserved bits in Subscription Options', 5, '82 07 0001 00 0001 61 c1', MALFORMED, 'reserved Subscription Options'],
  ['[MQTT-3.8.3-4] of 3.1.1: option bits above QoS', 4, '82 06 0001 0001 61 04', MALFORMED, 'reserved Subscription Options'],
  ['a Requested QoS of 3', 4, '82 06 0001 0001 61 03', MALFORMED, 'Requested QoS 3'],
  ['Retain Handling 3', 5, '82 07 0001 00 0001 61 30', PROTOCOL_ERROR, 'Retain Handling 3'],
  ['[MQTT-3.8.3-2] a SUBSCRIBE without filters', 4, '82 02 0001', PROTOCOL_ERROR, 'without a Topic Filter'],
  ['[MQTT-3.10.2-2] an UNSUBSCRIBE without filters', 4, 'a2 02 0001', PROTOCOL_ERROR, 'without a Topic Filter'],
  ['a Subscription Identifier of 0', 5, '82 09 0001 02 0b 00 0001 61 00', PROTOCOL_ERROR, 'Subscription Identifier is 0'],
  ['a PINGREQ with a body', 4, 'c0 01 00', MALFORMED, 'after the last field'],
  ['a DISCONNECT with an unknown reason code', 5, 'e0 01 05', PROTOCOL_ERROR, 'DISCONNECT Reason Code 0x5'],
  ['a PUBACK with a reason code PUBACK cannot have', 5, '40 03 0001 92', PROTOCOL_ERROR, 'PUBACK Reason Code 0x92'],
  ['an AUTH from an MQTT 3.1.1 client', 4, 'f0 00', PROTOCOL_ERROR, 'AUTH before MQTT 5'],
  ['[MQTT-2.1.3-1] a CONNECT header with flag bits set', 4, '11 0c 0004 4d515454 04 02 003c 0000', MALFORMED, 'flags'],
  ['a CONNACK sent by a client', 4, '20 02 0000', PROTOCOL_ERROR, 'sent by servers only'],
  ['reserved packet type 0', 4, '00 00', MALFORMED, 'reserved packet type 0'],
];

describe('decode rejects', () => {
  it.each(errorVectors)('%s', (_, version, bytes, reasonCode, message) => {
    expect(decodeBytes(fromHex(bytes), version)).toEqual({ ok: false, error: { reasonCode, message: expect.stringContaining(message) } });
  });
});

describe('decode keeps what receivers must not touch', () => {
  it('[MQTT-1.5.4-3] keeps a leading U+FEFF (BOM) in a topic name', () => {
    const result = decodeBytes(fromHex('30 06', '00 04 ef bb bf 61'), 4);
    expect(result.ok && result.packet.type === 'publish' && result.packet.topic).toBe('\ufeffa');
  });

  it('[MQTT-3.1.0-2] takes a CONNECT after the first for a Protocol Error', () => {
    const body = fromHex('0004 4d515454 04 02 003c 0000');
    expect(decodePacket(0x10, body, 0, body.length, 4)).toEqual({ ok: false, error: { reasonCode: PROTOCOL_ERROR, message: 'a second CONNECT' } });
  });
});

describe('connectVersion', () => {
  it.each([
    ['MQTT 3.1', '0006 4d5149736470 03', 3],
    ['MQTT 3.1.1', '0004 4d515454 04', 4],
    ['MQTT 5', '0004 4d515454 05', 5],
    ['an unknown level', '0004 4d515454 07', undefined],
    ['a name that does not go with its level', '0006 4d5149736470 05', undefined],
    ['a cut packet', '0004 4d51', undefined],
  ])('reads %s', (_, bytes, version) => {
    const buf = fromHex(bytes);
    expect(connectVersion(buf, 0, buf.length)).toBe(version);
  });
});
