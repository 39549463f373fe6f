import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { PacketType, ReasonCode } from '../constants.js';
import { encodeAck, encodeAuth, encodeConnack, encodeDisconnect, encodePublish, encodeSubscriptionAck, PINGRESP, publishPacketIdOffset } from './encode.js';
import { describeServerVectors, parseWithMqttPacket } from './test-vectors.js';

const { PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK } = PacketType;

describeServerVectors('CONNACK', [
  {
    name: 'MQTT 3.1.1, accepted with a session present',
    version: 4,
    bytes: ['20 02', '01', '00'],
    encode: () => encodeConnack(4, true, ReasonCode.SUCCESS),
    reference: { cmd: 'connack', sessionPresent: true, returnCode: 0 },
  },
  {
    name: 'MQTT 3.1, whose CONNACK has no Session Present flag',
    version: 3,
    bytes: ['20 02', '00', '00'],
    encode: () => encodeConnack(3, true, ReasonCode.SUCCESS),
    reference: { cmd: 'connack', sessionPresent: false, returnCode: 0 },
  },
  {
    name: 'MQTT 3.1.1, an MQTT 5 reason turned into the 3.1.1 return code (0x86 -> 4)',
    version: 4,
    bytes: ['20 02', '00', '04'],
    encode: () => encodeConnack(4, false, ReasonCode.BAD_USERNAME_OR_PASSWORD),
    reference: { cmd: 'connack', sessionPresent: false, returnCode: 4 },
  },
  {
    name: 'MQTT 5 with the properties a server announces',
    version: 5,
    bytes: ['20 1f', '00', '00', '1c', '11 00 00 0e 10', '12 00 06 61 75 74 6f 2d 31', '13 00 3c', '21 00 14', '22 00 0a', '27 00 20 00 00'],
    //                              ^Session Expiry 3600 ^Assigned Client Identifier "auto-1" ^Server Keep Alive 60
    //                                                                   ^Receive Maximum 20 ^Topic Alias Maximum 10 ^Maximum Packet Size 2 MiB
    encode: () =>
      encodeConnack(5, false, ReasonCode.SUCCESS, {
        sessionExpiryInterval: 3600,
        receiveMaximum: 20,
        maximumPacketSize: 2 * 1024 * 1024,
        assignedClientIdentifier: 'auto-1',
        topicAliasMaximum: 10,
        serverKeepAlive: 60,
      }),
    reference: {
      cmd: 'connack',
      sessionPresent: false,
      reasonCode: 0,
      properties: { sessionExpiryInterval: 3600, receiveMaximum: 20, maximumPacketSize: 2097152, assignedClientIdentifier: 'auto-1', topicAliasMaximum: 10, serverKeepAlive: 60 },
    },
  },
  {
    name: '[MQTT-3.2.2-19] MQTT 5 refusal whose Reason String does not fit the client\'s Maximum Packet Size',
    version: 5,
    bytes: ['20 03', '00', '87', '00'],
    encode: () => encodeConnack(5, false, ReasonCode.NOT_AUTHORIZED, { reasonString: 'a reason longer than the client takes' }, 10),
    reference: { cmd: 'connack', reasonCode: 0x87 },
  },
]);

describeServerVectors('PUBLISH', [
  {
    name: 'MQTT 3.1.1 QoS 0',
    version: 4,
    bytes: ['30 07', '00 03 61 2f 62', '68 69'],
    encode: () => encodePublish({ topic: 'a/b', topicLength: 3, payload: Buffer.from('hi'), qos: 0, retain: false, dup: false, packetId: 0, properties: null })!,
    reference: { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false },
  },
  {
    name: 'MQTT 5 QoS 1, retained, with Message Expiry, two Subscription Identifiers and a User Property',
    version: 5,
    bytes: ['33 1a', '00 03 74 2f 31', '00 01', '11', '02 00 00 00 3b', '0b 01', '0b ac 02', '26 00 01 61 00 01 62', '76'],
    //                              ^packet id 1 ^Message Expiry 59 ^Subscription Identifiers 1 and 300 ^User Property a=b
    encode: () =>
      encodePublish({
        topic: 't/1',
        topicLength: 3,
        payload: Buffer.from('v'),
        qos: 1,
        retain: true,
        dup: false,
        packetId: 1,
        properties: { messageExpiryInterval: 59, subscriptionIdentifiers: [1, 300], userProperties: [['a', 'b']] },
      })!,
    reference: { cmd: 'publish', topic: 't/1', qos: 1, retain: true, messageId: 1, payload: Buffer.from('v'), properties: { messageExpiryInterval: 59, subscriptionIdentifier: [1, 300], userProperties: { a: 'b' } } },
  },
  {
    name: 'MQTT 5 with a Topic Alias in place of the topic',
    version: 5,
    bytes: ['30 08', '00 00', '03 23 00 04', '78 79'],
    encode: () => encodePublish({ topic: '', topicLength: 0, payload: Buffer.from('xy'), qos: 0, retain: false, dup: false, packetId: 0, properties: { topicAlias: 4 } })!,
    reference: { cmd: 'publish', topic: '', payload: Buffer.from('xy'), properties: { topicAlias: 4 } },
  },
]);

describeServerVectors('PUBACK, PUBREC, PUBREL, PUBCOMP', [
  { name: 'MQTT 3.1.1 PUBACK', version: 4, bytes: ['40 02', '00 07'], encode: () => encodeAck(PUBACK, 4, 7), reference: { cmd: 'puback', messageId: 7 } },
  { name: 'MQTT 3.1.1 PUBREL (flags 0010)', version: 4, bytes: ['62 02', '00 07'], encode: () => encodeAck(PUBREL, 4, 7), reference: { cmd: 'pubrel', messageId: 7 } },
  { name: 'MQTT 5 PUBREC, success in the short form', version: 5, bytes: ['50 02', '00 07'], encode: () => encodeAck(PUBREC, 5, 7), reference: { cmd: 'pubrec', messageId: 7 } },
  {
    name: 'MQTT 5 PUBCOMP with a reason code and no properties',
    version: 5,
    bytes: ['70 03', '00 07', '92'],
    encode: () => encodeAck(PUBCOMP, 5, 7, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND),
    reference: { cmd: 'pubcomp', messageId: 7, reasonCode: 0x92 },
  },
  {
    name: 'MQTT 5 PUBACK refusing, with a Reason String',
    version: 5,
    bytes: ['40 09', '00 07', '87', '05 1f 00 02 6e 6f'],
    encode: () => encodeAck(PUBACK, 5, 7, ReasonCode.NOT_AUTHORIZED, { reasonString: 'no' }),
    reference: { cmd: 'puback', messageId: 7, reasonCode: 0x87, properties: { reasonString: 'no' } },
  },
  {
    name: '[MQTT-3.4.2-2] MQTT 5 PUBACK leaving out the Reason String the client has no room for',
    version: 5,
    bytes: ['40 03', '00 07', '87'],
    encode: () => encodeAck(PUBACK, 5, 7, ReasonCode.NOT_AUTHORIZED, { reasonString: 'no' }, 8),
    reference: { cmd: 'puback', messageId: 7, reasonCode: 0x87 },
  },
]);

describeServerVectors('SUBACK and UNSUBACK', [
  {
    name: 'MQTT 3.1.1 SUBACK granting QoS 1 and refusing one filter',
    version: 4,
    bytes: ['90 04', '00 02', '01', '80'],
    encode: () => encodeSubscriptionAck(SUBACK, 4, 2, [1, 0x80]),
    reference: { cmd: 'suback', messageId: 2, granted: [1, 128] },
  },
  {
    name: 'MQTT 5 SUBACK with a Reason String',
    version: 5,
    bytes: ['90 0b', '00 02', '06 1f 00 03 62 61 64', '00', '8f'],
    encode: () => encodeSubscriptionAck(SUBACK, 5, 2, [0, ReasonCode.TOPIC_FILTER_INVALID], { reasonString: 'bad' }),
    reference: { cmd: 'suback', messageId: 2, granted: [0, 0x8f], properties: { reasonString: 'bad' } },
  },
  { name: 'MQTT 3.1.1 UNSUBACK (no payload)', version: 4, bytes: ['b0 02', '00 04'], encode: () => encodeSubscriptionAck(UNSUBACK, 4, 4, [0, 0x11]), reference: { cmd: 'unsuback', messageId: 4 } },
  {
    name: 'MQTT 5 UNSUBACK with a code per filter',
    version: 5,
    bytes: ['b0 05', '00 04', '00', '00', '11'],
    encode: () => encodeSubscriptionAck(UNSUBACK, 5, 4, [0, ReasonCode.NO_SUBSCRIPTION_EXISTED]),
    reference: { cmd: 'unsuback', messageId: 4, granted: [0, 0x11] },
  },
]);

describeServerVectors('PINGRESP, DISCONNECT, AUTH', [
  { name: 'PINGRESP', version: 4, bytes: ['d0 00'], encode: () => PINGRESP, reference: { cmd: 'pingresp' } },
  { name: 'MQTT 5 DISCONNECT, normal, in the short form', version: 5, bytes: ['e0 00'], encode: () => encodeDisconnect(0), reference: { cmd: 'disconnect', reasonCode: 0 } },
  {
    name: 'MQTT 5 DISCONNECT 0x8E with a Reason String',
    version: 5,
    bytes: ['e0 06', '8e', '04 1f 00 01 78'],
    encode: () => encodeDisconnect(ReasonCode.SESSION_TAKEN_OVER, { reasonString: 'x' }),
    reference: { cmd: 'disconnect', reasonCode: 0x8e, properties: { reasonString: 'x' } },
  },
  {
    name: 'MQTT 5 AUTH 0x18 with method and data',
    version: 5,
    bytes: ['f0 0a', '18', '08 15 00 01 4d 16 00 01 01'],
    encode: () => encodeAuth(ReasonCode.CONTINUE_AUTHENTICATION, { authenticationMethod: 'M', authenticationData: Buffer.from([1]) }),
    reference: { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'M', authenticationData: Buffer.from([1]) } },
  },
]);

describe('encodePublish', () => {
  it('finds the Packet Identifier to patch behind a Remaining Length of any size', () => {
    for (const size of [0, 200, 20_000, 3_000_000]) {
      const packet = encodePublish({ topic: 'big', topicLength: 3, payload: Buffer.alloc(size), qos: 2, retain: false, dup: false, packetId: 0, properties: {} })!;
      packet.writeUInt16BE(0xbeef, publishPacketIdOffset(packet, 0));
      expect(parseWithMqttPacket(packet, 5)).toMatchObject({ cmd: 'publish', topic: 'big', messageId: 0xbeef });
    }
  });

  it('encodes a UTF-8 topic by its byte length, not its character count', () => {
    const topic = 'küche/°C/温度';
    const packet = encodePublish({ topic, topicLength: Buffer.byteLength(topic), payload: Buffer.from('1'), qos: 0, retain: false, dup: false, packetId: 0, properties: null })!;
    expect(parseWithMqttPacket(packet, 4)).toMatchObject({ topic, payload: Buffer.from('1') });
  });

  it('refuses a message too large for any MQTT packet instead of writing a wrong length', () => {
    // Remaining Length: 2 + 3 topic bytes + payload = 268,435,456, one above the largest (section 1.5.5)
    const payload = Buffer.allocUnsafe(268_435_455 - 4);
    expect(encodePublish({ topic: 'big', topicLength: 3, payload, qos: 0, retain: false, dup: false, packetId: 0, properties: null })).toBeUndefined();
  });
});
