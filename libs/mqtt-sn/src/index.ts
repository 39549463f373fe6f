export * from './constants.js';
export type * from './messages.js';
export { decode, type DecodeResult, type SnDecodeError, type SnDecodeErrorCode } from './decode.js';
export { encode, SnEncodeError } from './encode.js';
export { SnStreamFramer, type SnStreamFramerOptions } from './framer.js';
