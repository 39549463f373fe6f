import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReturnCode, TopicId } from './constants.js';
import { decode } from './decode.js';
import { encode } from './encode.js';
import { describeVectors, publishMessage } from './test-vectors.js';

describeVectors('registration and publishing', [
  {
    name: 'REGISTER from a client',
    message: { type: 'register', topicId: TopicId.NONE, msgId: 1, topicName: 'sensors/temp' },
    bytes: [
      '12', //                                  Length 18
      '0a', //                                  MsgType REGISTER
      '00 00', //                               TopicId 0x0000: chosen by the gateway
      '00 01', //                               MsgId 1
      '73 65 6e 73 6f 72 73 2f 74 65 6d 70', // TopicName "sensors/temp"
    ],
  },
  {
    name: 'REGACK',
    message: { type: 'regack', topicId: 1, msgId: 1, returnCode: ReturnCode.ACCEPTED },
    bytes: [
      '07', //    Length 7
      '0b', //    MsgType REGACK
      '00 01', // TopicId 1
      '00 01', // MsgId 1
      '00', //    ReturnCode accepted
    ],
  },
  {
    name: 'PUBLISH QoS 1 to a registered topic id',
    message: {
      type: 'publish',
      dup: false,
      qos: 1,
      retain: false,
      topic: { topicIdType: 'normal', topicId: 1 },
      msgId: 2,
      payload: Buffer.from('21.5'),
    },
    bytes: [
      '0b', //          Length 11
      '0c', //          MsgType PUBLISH
      '20', //          Flags: QoS 1, TopicIdType normal
      '00 01', //       TopicId 1
      '00 02', //       MsgId 2
      '32 31 2e 35', // Data "21.5"
    ],
  },
  {
    name: 'PUBLISH QoS 2, DUP and Retain, to a predefined topic id',
    message: {
      type: 'publish',
      dup: true,
      qos: 2,
      retain: true,
      topic: { topicIdType: 'predefined', topicId: 0x0102 },
      msgId: 0xabcd,
      payload: Buffer.from([0x01]),
    },
    bytes: [
      '08', //    Length 8
      '0c', //    MsgType PUBLISH
      'd1', //    Flags: DUP, QoS 2, Retain, TopicIdType predefined
      '01 02', // TopicId 0x0102
      'ab cd', // MsgId 0xabcd
      '01', //    Data
    ],
  },
  {
    name: 'PUBLISH QoS -1 to a short topic name',
    message: {
      type: 'publish',
      dup: false,
      qos: -1,
      retain: false,
      topic: { topicIdType: 'short', topicName: 'ab' },
      msgId: 0,
      payload: Buffer.from('on'),
    },
    bytes: [
      '09', //    Length 9
      '0c', //    MsgType PUBLISH
      '62', //    Flags: QoS -1, TopicIdType short
      '61 62', // TopicId: short name "ab"
      '00 00', // MsgId 0 (unused below QoS 1)
      '6f 6e', // Data "on"
    ],
  },
  {
    name: 'PUBLISH over 255 bytes, with the 3-byte length',
    message: publishMessage({ payload: Buffer.alloc(300, 0xaa) }), // QoS 0 to normal topic id 1, MsgId 0
    bytes: [
      '01 01 35', //           Length: 3-byte form, 309
      '0c', //                 MsgType PUBLISH
      '00', //                 Flags: QoS 0, TopicIdType normal
      '00 01', //              TopicId 1
      '00 00', //              MsgId 0
      'aa'.repeat(300), //     Data, 300 bytes
    ],
  },
  {
    name: 'PUBACK rejecting an unknown topic id',
    message: { type: 'puback', topicId: 7, msgId: 2, returnCode: ReturnCode.INVALID_TOPIC_ID },
    bytes: [
      '07', //    Length 7
      '0d', //    MsgType PUBACK
      '00 07', // TopicId 7
      '00 02', // MsgId 2
      '02', //    ReturnCode rejected: invalid topic id
    ],
  },
  {
    name: 'PUBREC',
    message: { type: 'pubrec', msgId: 3 },
    bytes: [
      '04', //    Length 4
      '0f', //    MsgType PUBREC
      '00 03', // MsgId 3
    ],
  },
  {
    name: 'PUBREL',
    message: { type: 'pubrel', msgId: 3 },
    bytes: [
      '04', //    Length 4
      '10', //    MsgType PUBREL
      '00 03', // MsgId 3
    ],
  },
  {
    name: 'PUBCOMP',
    message: { type: 'pubcomp', msgId: 3 },
    bytes: [
      '04', //    Length 4
      '0e', //    MsgType PUBCOMP
      '00 03', // MsgId 3
    ],
  },
]);

describe('length form', () => {
  const withPayload = (size: number) => publishMessage({ payload: Buffer.alloc(size) });

  it('keeps the 1-byte length up to 255 bytes', () => {
    const frame = encode(withPayload(248));
    expect(frame.length).toBe(255);
    expect(frame.subarray(0, 2).toString('hex')).toBe('ff0c');
  });

  it('switches to the 3-byte length from 256 bytes, which makes the frame 258', () => {
    const frame = encode(withPayload(249));
    expect(frame.length).toBe(258);
    expect(frame.subarray(0, 4).toString('hex')).toBe('0101020c');
    expect(decode(frame)).toEqual({ ok: true, message: withPayload(249) });
  });
});
