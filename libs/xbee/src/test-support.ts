// Vectors and helpers shared by the codec, stream and fuzz tests. Examples marked "Digi" are the worked examples of
// the XBee Zigbee user guide (also used by the xbee-api npm package's tests); the others were built for
// one edge case each and their checksums checked by hand.
import type { ApiMode } from './constants.js';
import { XbeeFrameDecoder, type XbeeDrop, type XbeeFrameDecoderOptions } from './frame-decoder.js';
import type { XbeeFrame } from './frames.js';

export interface FrameVector<F extends XbeeFrame = XbeeFrame> {
  name: string;
  frame: F;
  /** Wire bytes in API mode 1. */
  ap1: Buffer;
  /** Wire bytes in API mode 2, given only where escaping changes them. */
  ap2?: Buffer;
}

/** Hex bytes with `#` comments to the end of the line. */
export function hex(text: string): Buffer {
  const digits = text.replace(/#.*$/gm, '').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`not hex bytes: ${digits}`);
  return Buffer.from(digits, 'hex');
}

export function wire(vector: FrameVector, apiMode: ApiMode): Buffer {
  return apiMode === 2 ? (vector.ap2 ?? vector.ap1) : vector.ap1;
}

/** A decoder that records what it emits. */
export function recordingDecoder(options: Omit<XbeeFrameDecoderOptions, 'onFrame' | 'onDrop'>) {
  const frames: XbeeFrame[] = [];
  const drops: XbeeDrop[] = [];
  const decoder = new XbeeFrameDecoder({ ...options, onFrame: (f) => frames.push(f), onDrop: (d) => drops.push(d) });
  return { decoder, frames, drops };
}

type VectorsByType = { [T in XbeeFrame['type']]: FrameVector<Extract<XbeeFrame, { type: T }>>[] };

export const VECTORS: VectorsByType = {
  receivePacket: [
    {
      name: 'Digi: "RxData" from 0013A20040522BAA',
      frame: {
        type: 'receivePacket',
        source64: '0013a20040522baa',
        source16: 0x7d84,
        options: 0x01,
        data: Buffer.from('RxData'),
      },
      ap1: hex(`
        7E                       # start delimiter
        00 12                    # length: 18 bytes of frame data
        90                       # frame type: Receive Packet
        00 13 A2 00 40 52 2B AA  # source64
        7D 84                    # source16
        01                       # options: acknowledged
        52 78 44 61 74 61        # data: "RxData"
        0D                       # checksum
      `),
      ap2: hex(`
        7E 00 12 90
        00 7D 33 A2 00 40 52 2B AA  # source64: 13 escaped
        7D 5D 84                    # source16: 7D escaped
        01 52 78 44 61 74 61 0D
      `),
    },
    {
      name: 'every reserved byte: in the length, the source, the data and the checksum',
      frame: {
        type: 'receivePacket',
        source64: '0013a20040522baa',
        source16: 0x1234,
        options: 0x02,
        data: Buffer.from([0x7e, 0x7d, 0x11, 0x13, 0x6f]),
      },
      ap1: hex(`
        7E                       # start delimiter
        00 11                    # length: 17
        90                       # frame type: Receive Packet
        00 13 A2 00 40 52 2B AA  # source64
        12 34                    # source16
        02                       # options: broadcast
        7E 7D 11 13 6F           # data: start, escape, XON, XOFF, filler that makes the checksum 7D
        7D                       # checksum
      `),
      ap2: hex(`
        7E                          # start delimiter, never escaped
        00 7D 31                    # length: 11 escaped
        90
        00 7D 33 A2 00 40 52 2B AA  # source64: 13 escaped
        12 34 02
        7D 5E 7D 5D 7D 31 7D 33 6F  # data: each reserved byte escaped
        7D 5D                       # checksum: 7D escaped
      `),
    },
    {
      name: 'empty data',
      frame: { type: 'receivePacket', source64: '0013a20040522baa', source16: 0x0000, options: 0x00, data: Buffer.alloc(0) },
      ap1: hex(`
        7E 00 0C                 # start, length: 12
        90                       # frame type: Receive Packet
        00 13 A2 00 40 52 2B AA  # source64
        00 00                    # source16: coordinator
        00                       # options: none
        53                       # checksum
      `),
      ap2: hex('7E 00 0C 90 00 7D 33 A2 00 40 52 2B AA 00 00 00 53'),
    },
  ],
  transmitRequest: [
    {
      name: 'Digi: "TxData0A" to 0013A200400A0127',
      frame: {
        type: 'transmitRequest',
        frameId: 0x01,
        destination64: '0013a200400a0127',
        destination16: 0xfffe,
        broadcastRadius: 0x00,
        options: 0x00,
        data: Buffer.from('TxData0A'),
      },
      ap1: hex(`
        7E                       # start delimiter
        00 16                    # length: 22
        10                       # frame type: Transmit Request
        01                       # frame id
        00 13 A2 00 40 0A 01 27  # destination64
        FF FE                    # destination16: unknown
        00                       # broadcast radius: maximum hops
        00                       # options: none
        54 78 44 61 74 61 30 41  # data: "TxData0A"
        13                       # checksum
      `),
      ap2: hex(`
        7E 00 16 10 01
        00 7D 33 A2 00 40 0A 01 27  # destination64: 13 escaped
        FF FE 00 00
        54 78 44 61 74 61 30 41
        7D 33                       # checksum: 13 escaped
      `),
    },
    {
      name: 'broadcast without a status reply',
      frame: {
        type: 'transmitRequest',
        frameId: 0x00,
        destination64: '000000000000ffff',
        destination16: 0xfffe,
        broadcastRadius: 0x01,
        options: 0x00,
        data: Buffer.from('on'),
      },
      ap1: hex(`
        7E 00 10                 # start, length: 16
        10                       # frame type: Transmit Request
        00                       # frame id: 0, no Transmit Status wanted
        00 00 00 00 00 00 FF FF  # destination64: broadcast
        FF FE                    # destination16: unknown
        01                       # broadcast radius: one hop
        00                       # options: none
        6F 6E                    # data: "on"
        16                       # checksum
      `),
    },
  ],
  transmitStatus: [
    {
      name: 'Digi: delivered to 7D84 after address discovery',
      frame: {
        type: 'transmitStatus',
        frameId: 0x01,
        destination16: 0x7d84,
        retryCount: 0,
        deliveryStatus: 0x00,
        discoveryStatus: 0x01,
      },
      ap1: hex(`
        7E 00 07  # start, length: 7
        8B        # frame type: Transmit Status
        01        # frame id
        7D 84     # destination16
        00        # retry count
        00        # delivery status: success
        01        # discovery status: address discovery
        71        # checksum
      `),
      ap2: hex('7E 00 07 8B 01 7D 5D 84 00 00 01 71  # destination16: 7D escaped'),
    },
    {
      name: 'frame id 0x7D, captured from a radio by the xbee-api package',
      frame: {
        type: 'transmitStatus',
        frameId: 0x7d,
        destination16: 0x2a6a,
        retryCount: 0,
        deliveryStatus: 0x00,
        discoveryStatus: 0x00,
      },
      ap1: hex(`
        7E 00 07  # start, length: 7
        8B        # frame type: Transmit Status
        7D        # frame id
        2A 6A     # destination16
        00 00 00  # retry count, delivery status: success, discovery status: none
        63        # checksum
      `),
      ap2: hex('7E 00 07 8B 7D 5D 2A 6A 00 00 00 63  # frame id: 7D escaped'),
    },
  ],
  modemStatus: [
    {
      name: 'Digi: coordinator started',
      frame: { type: 'modemStatus', status: 0x06 },
      ap1: hex(`
        7E 00 02  # start, length: 2
        8A        # frame type: Modem Status
        06        # status: coordinator started
        6F        # checksum
      `),
    },
  ],
  atCommand: [
    {
      name: 'Digi: query NJ',
      frame: { type: 'atCommand', frameId: 0x52, command: 'NJ', data: Buffer.alloc(0) },
      ap1: hex(`
        7E 00 04  # start, length: 4
        08        # frame type: AT Command
        52        # frame id
        4E 4A     # command: "NJ"
        0D        # checksum
      `),
    },
    {
      name: 'set D0 to 4 (digital output low)',
      frame: { type: 'atCommand', frameId: 0x01, command: 'D0', data: Buffer.from([0x04]) },
      ap1: hex(`
        7E 00 05  # start, length: 5
        08        # frame type: AT Command
        01        # frame id
        44 30     # command: "D0"
        04        # parameter
        7E        # checksum, the start delimiter value
      `),
      ap2: hex('7E 00 05 08 01 44 30 04 7D 5E  # checksum: 7E escaped'),
    },
  ],
  atCommandResponse: [
    {
      name: 'Digi: BD OK, no data',
      frame: { type: 'atCommandResponse', frameId: 0x01, command: 'BD', status: 0x00, data: Buffer.alloc(0) },
      ap1: hex(`
        7E 00 05  # start, length: 5
        88        # frame type: AT Command Response
        01        # frame id
        42 44     # command: "BD"
        00        # status: OK
        F0        # checksum
      `),
    },
    {
      name: 'ND answer from a node, captured by the xbee-api package',
      frame: {
        type: 'atCommandResponse',
        frameId: 0x01,
        command: 'ND',
        status: 0x00,
        data: hex('FF FE 00 13 A2 00 40 D8 14 A8 34 64 00'),
      },
      ap1: hex(`
        7E 00 12                 # start, length: 18
        88                       # frame type: AT Command Response
        01                       # frame id
        4E 44                    # command: "ND"
        00                       # status: OK
        FF FE                    # data: MY
        00 13 A2 00 40 D8 14 A8  #       SH SL
        34 64 00                 #       NI "4d", NUL-terminated
        C6                       # checksum
      `),
      ap2: hex('7E 00 12 88 01 4E 44 00 FF FE 00 7D 33 A2 00 40 D8 14 A8 34 64 00 C6  # 13 escaped'),
    },
  ],
  unknown: [
    {
      name: 'Digi: 0xA1 Route Record, kept as an unknown frame',
      frame: { type: 'unknown', frameType: 0xa1, data: hex('00 13 A2 00 40 68 F6 5B 6D 32 00 03 12 34 56 78 90 AB') },
      ap1: hex(`
        7E 00 13                 # start, length: 19
        A1                       # frame type: Route Record Indicator
        00 13 A2 00 40 68 F6 5B  # data: source64
        6D 32                    #       source16
        00                       #       options
        03                       #       hop count
        12 34 56 78 90 AB        #       hops
        BF                       # checksum
      `),
      ap2: hex(`
        7E 00 7D 33                 # length: 13 escaped
        A1 00 7D 33 A2 00 40 68 F6 5B 6D 32 00 03 12 34 56 78 90 AB BF
      `),
    },
  ],
};

export const ALL_VECTORS: FrameVector[] = Object.values(VECTORS).flat();
