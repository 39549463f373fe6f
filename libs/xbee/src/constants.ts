// Spec numbers from the Digi XBee Zigbee user guide ("API frames" chapter).

/** AP=1 sends frames as they are; AP=2 escapes the reserved bytes below after the start delimiter. */
export type ApiMode = 1 | 2;

export const START_DELIMITER = 0x7e;
export const ESCAPE = 0x7d;
export const XON = 0x11;
export const XOFF = 0x13;
/** An escaped byte is sent as ESCAPE, byte ^ ESCAPE_XOR. */
export const ESCAPE_XOR = 0x20;

/** Frame type byte, keyed by the `type` name the decoded frame carries. */
export const FrameType = {
  atCommand: 0x08,
  transmitRequest: 0x10,
  atCommandResponse: 0x88,
  modemStatus: 0x8a,
  transmitStatus: 0x8b,
  receivePacket: 0x90,
} as const;

/** 64-bit destination that broadcasts to every node on the PAN. */
export const BROADCAST_ADDRESS_64 = '000000000000ffff';
/** 16-bit address to send when the network address is not known. */
export const UNKNOWN_ADDRESS_16 = 0xfffe;

/** Bits of the 0x90 Receive Packet options byte. */
export const ReceiveOption = {
  acknowledged: 0x01,
  broadcast: 0x02,
} as const;

/** Length limit the stream decoder applies by default: far above any RF payload, low enough to resync quickly. */
export const DEFAULT_MAX_FRAME_LENGTH = 512;

/** 0x8B Transmit Status delivery status. */
export const DELIVERY_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'success',
  0x01: 'MAC ACK failure',
  0x02: 'CCA failure',
  0x15: 'invalid destination endpoint',
  0x21: 'network ACK failure',
  0x22: 'not joined to network',
  0x23: 'self-addressed',
  0x24: 'address not found',
  0x25: 'route not found',
  0x26: 'broadcast source failed to hear a neighbor relay the message',
  0x2b: 'invalid binding table index',
  0x2c: 'resource error: lack of free buffers, timers, etc.',
  0x2d: 'attempted broadcast with APS transmission',
  0x2e: 'attempted unicast with APS transmission, but EE=0',
  0x31: 'internal resource error',
  0x32: 'resource error: lack of free buffers, timers, etc.',
  0x74: 'data payload too large',
  0x75: 'indirect message unrequested',
};

/** 0x8A Modem Status; values of 0x80 and above are stack errors. */
export const MODEM_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'hardware reset',
  0x01: 'watchdog timer reset',
  0x02: 'joined network',
  0x03: 'disassociated',
  0x06: 'coordinator started',
  0x07: 'network security key was updated',
  0x0d: 'voltage supply limit exceeded',
  0x11: 'modem configuration changed while join in progress',
};

/** 0x88 AT Command Response status. */
export const AT_COMMAND_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'OK',
  0x01: 'error',
  0x02: 'invalid command',
  0x03: 'invalid parameter',
};
