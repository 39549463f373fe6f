import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encode, SnEncodeError } from './encode.js';
import type { SnMessage } from './messages.js';
import { publishMessage } from './test-vectors.js';

// [what is wrong, message, part of the expected error message]
const unencodable: [string, SnMessage, string][] = [
  ['a MsgId above 16 bits', { type: 'pubrec', msgId: 0x10000 }, 'MsgId must be an integer from 0 to 65535'],
  ['a fractional Duration', { type: 'disconnect', duration: 1.5 }, 'Duration must be an integer'],
  ['a negative GwId', { type: 'gwinfo', gwId: -1 }, 'GwId must be an integer from 0 to 255'],
  [
    'a short topic name that is not 2 bytes',
    publishMessage({ topic: { topicIdType: 'short', topicName: 'abc' } }),
    'short topic name "abc" is 3 bytes',
  ],
  ['QoS -1 to a normal topic id', publishMessage({ qos: -1 }), 'QoS -1 needs a predefined or short topic id'],
  ['a REGISTER of TopicId 0xFFFF', { type: 'register', topicId: 0xffff, msgId: 1, topicName: 'a' }, 'TopicId 0xFFFF'],
  [
    'a forwarder radius beyond the 2 Ctrl bits',
    { type: 'encapsulated', radius: 4, wirelessNodeId: Buffer.alloc(2), message: { type: 'pingresp' } },
    'Radius must be an integer from 0 to 3',
  ],
  ['a frame over 65535 bytes', publishMessage({ payload: Buffer.alloc(0xffff) }), 'exceeds the 65535-byte maximum'],
];

describe('encode refuses', () => {
  it.each(unencodable)('%s', (_, message, error) => {
    expect(() => encode(message)).toThrow(SnEncodeError);
    expect(() => encode(message)).toThrow(error);
  });
});
