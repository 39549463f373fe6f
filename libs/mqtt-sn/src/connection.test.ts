import { Buffer } from 'node:buffer';
import { ReturnCode } from './constants.js';
import { describeVectors } from './test-vectors.js';

describeVectors('connection, will and sleep', [
  {
    name: 'CONNECT with will and clean session (spec example)',
    message: { type: 'connect', will: true, cleanSession: true, duration: 1800, clientId: 'test' },
    bytes: [
      '0a', //          Length 10
      '04', //          MsgType CONNECT
      '0c', //          Flags: Will, CleanSession
      '01', //          ProtocolId
      '07 08', //       Duration 1800 s
      '74 65 73 74', // ClientId "test"
    ],
  },
  {
    name: 'CONNECT resuming a session without a will',
    message: { type: 'connect', will: false, cleanSession: false, duration: 60, clientId: 'n1' },
    bytes: [
      '08', //    Length 8
      '04', //    MsgType CONNECT
      '00', //    Flags: none
      '01', //    ProtocolId
      '00 3c', // Duration 60 s
      '6e 31', // ClientId "n1"
    ],
  },
  {
    name: 'CONNACK',
    message: { type: 'connack', returnCode: ReturnCode.ACCEPTED },
    bytes: [
      '03', // Length 3
      '05', // MsgType CONNACK
      '00', // ReturnCode accepted
    ],
  },
  {
    name: 'WILLTOPICREQ',
    message: { type: 'willtopicreq' },
    bytes: [
      '02', // Length 2
      '06', // MsgType WILLTOPICREQ
    ],
  },
  {
    name: 'WILLTOPIC',
    message: { type: 'willtopic', will: { topic: 'home/lost', qos: 1, retain: true } },
    bytes: [
      '0c', //                         Length 12
      '07', //                         MsgType WILLTOPIC
      '30', //                         Flags: QoS 1, Retain
      '68 6f 6d 65 2f 6c 6f 73 74', // WillTopic "home/lost"
    ],
  },
  {
    name: 'empty WILLTOPIC, deleting the will',
    message: { type: 'willtopic', will: null },
    bytes: [
      '02', // Length 2, no Flags, no WillTopic
      '07', // MsgType WILLTOPIC
    ],
  },
  {
    name: 'WILLMSGREQ',
    message: { type: 'willmsgreq' },
    bytes: [
      '02', // Length 2
      '08', // MsgType WILLMSGREQ
    ],
  },
  {
    name: 'WILLMSG',
    message: { type: 'willmsg', willMsg: Buffer.from('offline') },
    bytes: [
      '09', //                   Length 9
      '09', //                   MsgType WILLMSG
      '6f 66 66 6c 69 6e 65', // WillMsg "offline"
    ],
  },
  {
    name: 'PINGREQ',
    message: { type: 'pingreq' },
    bytes: [
      '02', // Length 2
      '16', // MsgType PINGREQ
    ],
  },
  {
    name: 'PINGREQ from a sleeping client that woke up',
    message: { type: 'pingreq', clientId: 'test' },
    bytes: [
      '06', //          Length 6
      '16', //          MsgType PINGREQ
      '74 65 73 74', // ClientId "test"
    ],
  },
  {
    name: 'PINGRESP',
    message: { type: 'pingresp' },
    bytes: [
      '02', // Length 2
      '17', // MsgType PINGRESP
    ],
  },
  {
    name: 'DISCONNECT',
    message: { type: 'disconnect' },
    bytes: [
      '02', // Length 2
      '18', // MsgType DISCONNECT
    ],
  },
  {
    name: 'DISCONNECT going to sleep',
    message: { type: 'disconnect', duration: 3600 },
    bytes: [
      '04', //    Length 4
      '18', //    MsgType DISCONNECT
      '0e 10', // Duration 3600 s asleep
    ],
  },
  {
    name: 'WILLTOPICUPD',
    message: { type: 'willtopicupd', will: { topic: 'a/b', qos: 2, retain: false } },
    bytes: [
      '06', //       Length 6
      '1a', //       MsgType WILLTOPICUPD
      '40', //       Flags: QoS 2
      '61 2f 62', // WillTopic "a/b"
    ],
  },
  {
    name: 'empty WILLTOPICUPD, deleting the will',
    message: { type: 'willtopicupd', will: null },
    bytes: [
      '02', // Length 2, no Flags, no WillTopic
      '1a', // MsgType WILLTOPICUPD
    ],
  },
  {
    name: 'WILLTOPICRESP',
    message: { type: 'willtopicresp', returnCode: ReturnCode.ACCEPTED },
    bytes: [
      '03', // Length 3
      '1b', // MsgType WILLTOPICRESP
      '00', // ReturnCode accepted
    ],
  },
  {
    name: 'WILLMSGUPD',
    message: { type: 'willmsgupd', willMsg: Buffer.from('gone') },
    bytes: [
      '06', //          Length 6
      '1c', //          MsgType WILLMSGUPD
      '67 6f 6e 65', // WillMsg "gone"
    ],
  },
  {
    name: 'WILLMSGRESP',
    message: { type: 'willmsgresp', returnCode: ReturnCode.NOT_SUPPORTED },
    bytes: [
      '03', // Length 3
      '1d', // MsgType WILLMSGRESP
      '03', // ReturnCode rejected: not supported
    ],
  },
]);
