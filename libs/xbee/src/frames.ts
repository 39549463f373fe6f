import { FrameType } from './constants.js';

/**
 * 64-bit address as 16 hex digits, most significant byte first ('0013a20040522baa').
 * A string rather than a Buffer: it compares with ===, works as a map key and reads well in logs
 * and MQTT topics. Decoding yields lower case; encoding accepts either case.
 */
export type Address64 = string;

/** 0x90: RF data received from another node. */
export interface ReceivePacket {
  type: 'receivePacket';
  source64: Address64;
  source16: number;
  /** ReceiveOption bits. */
  options: number;
  data: Buffer;
}

/** 0x10: RF data to send; answered by a Transmit Status with the same frame id (0 = no answer). */
export interface TransmitRequest {
  type: 'transmitRequest';
  frameId: number;
  destination64: Address64;
  destination16: number;
  broadcastRadius: number;
  options: number;
  data: Buffer;
}

/** 0x8B: outcome of a Transmit Request. */
export interface TransmitStatus {
  type: 'transmitStatus';
  frameId: number;
  destination16: number;
  retryCount: number;
  deliveryStatus: number;
  discoveryStatus: number;
}

/** 0x8A: radio events such as reset, joined network, coordinator started. */
export interface ModemStatus {
  type: 'modemStatus';
  status: number;
}

/** 0x08: query (empty data) or set (data = parameter) a local AT setting. */
export interface AtCommand {
  type: 'atCommand';
  frameId: number;
  /** Two characters, e.g. 'NJ'. */
  command: string;
  data: Buffer;
}

/** 0x88: answer to an AT Command with the same frame id. */
export interface AtCommandResponse {
  type: 'atCommandResponse';
  frameId: number;
  command: string;
  status: number;
  data: Buffer;
}

/** Any frame type this package has no layout for, kept so callers can still log or handle it. */
export interface UnknownFrame {
  type: 'unknown';
  frameType: number;
  /** Frame data after the frame type byte. */
  data: Buffer;
}

export type KnownFrame =
  | ReceivePacket
  | TransmitRequest
  | TransmitStatus
  | ModemStatus
  | AtCommand
  | AtCommandResponse;
export type XbeeFrame = KnownFrame | UnknownFrame;

/** Byte width of each kind of fixed field; multi-byte numbers are big-endian. */
export const FIELD_SIZE = { u8: 1, u16: 2, address64: 8, command: 2 } as const;
export type FieldKind = keyof typeof FIELD_SIZE;

/** Fixed fields in wire order after the frame type byte, then, if `data`, the rest of the frame. */
export interface Layout {
  readonly fields: readonly (readonly [name: string, kind: FieldKind])[];
  readonly data: boolean;
}

// Typing the table per frame ties field names to the interfaces above and string fields to string kinds.
type FieldName<F> = Exclude<keyof F, 'type' | 'data'>;
type Field<F> = {
  [K in FieldName<F>]: readonly [K, F[K] extends string ? 'address64' | 'command' : 'u8' | 'u16'];
}[FieldName<F>];
type TypedLayout<F> = Layout & {
  readonly fields: readonly Field<F>[];
  readonly data: 'data' extends keyof F ? true : false;
};

/** The one description of each frame's bytes: decoding and encoding both walk it. */
export const LAYOUTS: { readonly [T in KnownFrame['type']]: TypedLayout<Extract<KnownFrame, { type: T }>> } = {
  atCommand: {
    fields: [['frameId', 'u8'], ['command', 'command']],
    data: true,
  },
  transmitRequest: {
    fields: [
      ['frameId', 'u8'],
      ['destination64', 'address64'],
      ['destination16', 'u16'],
      ['broadcastRadius', 'u8'],
      ['options', 'u8'],
    ],
    data: true,
  },
  atCommandResponse: {
    fields: [['frameId', 'u8'], ['command', 'command'], ['status', 'u8']],
    data: true,
  },
  modemStatus: {
    fields: [['status', 'u8']],
    data: false,
  },
  transmitStatus: {
    fields: [
      ['frameId', 'u8'],
      ['destination16', 'u16'],
      ['retryCount', 'u8'],
      ['deliveryStatus', 'u8'],
      ['discoveryStatus', 'u8'],
    ],
    data: false,
  },
  receivePacket: {
    fields: [['source64', 'address64'], ['source16', 'u16'], ['options', 'u8']],
    data: true,
  },
};

/** An unknown frame is just its type byte and data. */
export const UNKNOWN_LAYOUT: Layout = { fields: [], data: true };

export const FRAME_NAMES = new Map<number, KnownFrame['type']>(
  Object.entries(FrameType).map(([name, frameType]) => [frameType, name as KnownFrame['type']]),
);

/** Bytes taken by the fixed fields. */
export function fixedLength(layout: Layout): number {
  let length = 0;
  for (const [, kind] of layout.fields) length += FIELD_SIZE[kind];
  return length;
}
