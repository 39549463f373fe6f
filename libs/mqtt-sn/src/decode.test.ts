import { describe, expect, it } from 'vitest';
import { decode, type SnDecodeErrorCode } from './decode.js';
import { fromHex } from './test-vectors.js';

describe('decode accepts', () => {
  it('the 3-byte length form on a frame under 256 bytes', () => {
    expect(decode(fromHex('01 00 04', '18'))).toEqual({ ok: true, message: { type: 'disconnect' } });
  });

  it('flag bits the message type does not use, ignoring them', () => {
    // CONNECT uses only Will and CleanSession; DUP, QoS, Retain and TopicIdType are set here.
    expect(decode(fromHex('0a 04', 'fe', '01 07 08 74 65 73 74'))).toEqual({
      ok: true,
      message: { type: 'connect', will: true, cleanSession: true, duration: 1800, clientId: 'test' },
    });
  });
});

// [what is wrong, frame bytes, expected code, part of the expected message]
const errorVectors: [string, string, SnDecodeErrorCode, string][] = [
  ['an empty buffer', '', 'truncated', 'inside the header'],
  ['a 3-byte length cut short', '01 00', 'truncated', 'inside the header'],
  ['a frame without its MsgType', '02', 'truncated', 'inside the header'],
  ['a frame shorter than its Length', '07 0d 00 07 00', 'truncated', 'Length says 7 bytes but the frame has 5'],
  ['bytes beyond the Length', '03 05 00 ff', 'length-mismatch', 'Length says 3 bytes but the frame has 4'],
  ['a Length of 0', '00 05', 'bad-length', 'Length 0'],
  ['a 3-byte Length that cannot cover the header', '01 00 03 05', 'bad-length', 'Length 3'],
  ['reserved MsgType 0x03', '02 03', 'unknown-type', 'MsgType 0x03'],
  ['reserved MsgType 0x11', '02 11', 'unknown-type', 'MsgType 0x11'],
  ['reserved MsgType 0x19', '02 19', 'unknown-type', 'MsgType 0x19'],
  ['unassigned MsgType 0xff', '02 ff', 'unknown-type', 'MsgType 0xff'],
  ['a PUBACK without its ReturnCode', '06 0d 00 07 00 02', 'bad-length', 'PUBACK: too short for ReturnCode'],
  ['a PUBREC with a trailing byte', '05 0f 00 03 00', 'bad-length', 'PUBREC: extra bytes after the last field (1)'],
  ['a DISCONNECT with a 1-byte Duration', '03 18 0e', 'bad-length', 'DISCONNECT: too short for Duration'],
  ['a SUBSCRIBE with a 3-byte predefined id', '08 12 01 00 05 00 10 00', 'bad-length', 'SUBSCRIBE: extra bytes'],
  ['a CONNECT with ProtocolId 0x02', '0a 04 0c 02 07 08 74 65 73 74', 'bad-field', 'ProtocolId 0x02'],
  ['a CONNECT whose ClientId is not UTF-8', '07 04 0c 01 07 08 ff', 'bad-field', 'ClientId is not valid UTF-8'],
  ['a PUBLISH with QoS -1 and a normal topic id', '08 0c 60 00 01 00 00 01', 'bad-field', 'QoS -1 needs'],
  ['a PUBLISH with TopicIdType 0b11', '08 0c 03 00 01 00 00 01', 'bad-field', 'TopicIdType 0b11'],
  ['a SUBSCRIBE with QoS -1', '07 12 61 00 05 00 10', 'bad-field', 'SUBSCRIBE: QoS -1'],
  ['a WILLTOPIC with QoS -1', '04 07 60 61', 'bad-field', 'WILLTOPIC: QoS -1'],
  ['a REGISTER of TopicId 0xFFFF', '07 0a ff ff 00 01 61', 'bad-field', 'TopicId 0xFFFF'],
  ['a CONNACK with reserved ReturnCode 0x04', '03 05 04', 'bad-field', 'ReturnCode 0x04'],
  ['an encapsulation without its Ctrl byte', '02 fe 03 01 01', 'bad-length', 'ENCAPSULATED: too short for Ctrl'],
  ['an encapsulation cut inside its header', '05 fe 01 00', 'truncated', 'Length says 5'],
  ['an encapsulation of an encapsulation', '03 fe 01 03 fe 01 03 01 01', 'bad-field', 'do not nest'],
  ['an encapsulation of a cut message', '03 fe 01 04 0f 00', 'truncated', 'encapsulated message: Length says 4'],
];

describe('decode rejects', () => {
  it.each(errorVectors)('%s', (_, bytes, code, message) => {
    const result = decode(fromHex(bytes));
    expect(result).toEqual({ ok: false, error: { code, message: expect.stringContaining(message) } });
  });
});
