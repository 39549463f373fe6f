import { ReturnCode, TopicId } from './constants.js';
import { describeVectors } from './test-vectors.js';

describeVectors('subscriptions', [
  {
    name: 'SUBSCRIBE by topic name',
    message: { type: 'subscribe', dup: false, qos: 1, msgId: 4, topic: { topicIdType: 'normal', topicName: 'sensors/#' } },
    bytes: [
      '0e', //                         Length 14
      '12', //                         MsgType SUBSCRIBE
      '20', //                         Flags: QoS 1, TopicIdType normal (a name follows)
      '00 04', //                      MsgId 4
      '73 65 6e 73 6f 72 73 2f 23', // TopicName "sensors/#"
    ],
  },
  {
    name: 'SUBSCRIBE to a predefined topic id, resent',
    message: { type: 'subscribe', dup: true, qos: 0, msgId: 5, topic: { topicIdType: 'predefined', topicId: 0x10 } },
    bytes: [
      '07', //    Length 7
      '12', //    MsgType SUBSCRIBE
      '81', //    Flags: DUP, QoS 0, TopicIdType predefined
      '00 05', // MsgId 5
      '00 10', // TopicId 0x0010
    ],
  },
  {
    name: 'SUBSCRIBE to a short topic name',
    message: { type: 'subscribe', dup: false, qos: 2, msgId: 6, topic: { topicIdType: 'short', topicName: 'tv' } },
    bytes: [
      '07', //    Length 7
      '12', //    MsgType SUBSCRIBE
      '42', //    Flags: QoS 2, TopicIdType short
      '00 06', // MsgId 6
      '74 76', // TopicName: short name "tv"
    ],
  },
  {
    name: 'SUBACK to a wildcard subscription',
    message: { type: 'suback', qos: 1, topicId: TopicId.NONE, msgId: 4, returnCode: ReturnCode.ACCEPTED },
    bytes: [
      '08', //    Length 8
      '13', //    MsgType SUBACK
      '20', //    Flags: granted QoS 1
      '00 00', // TopicId 0x0000: wildcard, topics get REGISTERed later
      '00 04', // MsgId 4
      '00', //    ReturnCode accepted
    ],
  },
  {
    name: 'UNSUBSCRIBE by topic name',
    message: { type: 'unsubscribe', msgId: 7, topic: { topicIdType: 'normal', topicName: 'sensors/#' } },
    bytes: [
      '0e', //                         Length 14
      '14', //                         MsgType UNSUBSCRIBE
      '00', //                         Flags: TopicIdType normal (a name follows)
      '00 07', //                      MsgId 7
      '73 65 6e 73 6f 72 73 2f 23', // TopicName "sensors/#"
    ],
  },
  {
    name: 'UNSUBSCRIBE from a predefined topic id',
    message: { type: 'unsubscribe', msgId: 8, topic: { topicIdType: 'predefined', topicId: 0x10 } },
    bytes: [
      '07', //    Length 7
      '14', //    MsgType UNSUBSCRIBE
      '01', //    Flags: TopicIdType predefined
      '00 08', // MsgId 8
      '00 10', // TopicId 0x0010
    ],
  },
  {
    name: 'UNSUBSCRIBE from a short topic name',
    message: { type: 'unsubscribe', msgId: 9, topic: { topicIdType: 'short', topicName: 'tv' } },
    bytes: [
      '07', //    Length 7
      '14', //    MsgType UNSUBSCRIBE
      '02', //    Flags: TopicIdType short
      '00 09', // MsgId 9
      '74 76', // TopicName: short name "tv"
    ],
  },
  {
    name: 'UNSUBACK',
    message: { type: 'unsuback', msgId: 7 },
    bytes: [
      '04', //    Length 4
      '15', //    MsgType UNSUBACK
      '00 07', // MsgId 7
    ],
  },
]);
