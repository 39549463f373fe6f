import { Buffer } from 'node:buffer';
import { describeVectors, fromHex } from './test-vectors.js';

describeVectors('gateway discovery and forwarding', [
  {
    name: 'ADVERTISE',
    message: { type: 'advertise', gwId: 1, duration: 900 },
    bytes: [
      '05', //    Length 5
      '00', //    MsgType ADVERTISE
      '01', //    GwId 1
      '03 84', // Duration 900 s
    ],
  },
  {
    name: 'SEARCHGW',
    message: { type: 'searchgw', radius: 1 },
    bytes: [
      '03', // Length 3
      '01', // MsgType SEARCHGW
      '01', // Radius 1
    ],
  },
  {
    name: 'GWINFO from a gateway',
    message: { type: 'gwinfo', gwId: 1 },
    bytes: [
      '03', // Length 3
      '02', // MsgType GWINFO
      '01', // GwId 1
    ],
  },
  {
    name: 'GWINFO from a client, with the gateway address',
    message: { type: 'gwinfo', gwId: 1, gwAdd: Buffer.from([0x12, 0x34]) },
    bytes: [
      '05', //    Length 5
      '02', //    MsgType GWINFO
      '01', //    GwId 1
      '12 34', // GwAdd
    ],
  },
  {
    name: 'forwarder encapsulation of a SEARCHGW',
    message: {
      type: 'encapsulated',
      radius: 1,
      wirelessNodeId: fromHex('0013a20040a1b2c3'),
      message: { type: 'searchgw', radius: 1 },
    },
    bytes: [
      '0b', //                      Length 11: the encapsulation header only
      'fe', //                      MsgType forwarder encapsulation
      '01', //                      Ctrl: radius 1
      '00 13 a2 00 40 a1 b2 c3', // Wireless Node Id (64-bit XBee address)
      '03 01 01', //                SEARCHGW, radius 1
    ],
  },
]);
