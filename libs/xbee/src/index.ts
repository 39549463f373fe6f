export * from './constants.js';
export { type XbeeFrameError, XbeeEncodeError, decodeFrameData, encodeFrame } from './codec.js';
export {
  type XbeeDrop,
  type XbeeDropReason,
  XbeeFrameDecoder,
  type XbeeFrameDecoderOptions,
} from './frame-decoder.js';
export type {
  Address64,
  AtCommand,
  AtCommandResponse,
  KnownFrame,
  ModemStatus,
  ReceivePacket,
  TransmitRequest,
  TransmitStatus,
  UnknownFrame,
  XbeeFrame,
} from './frames.js';
