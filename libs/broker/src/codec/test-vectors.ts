// Test support shared by the codec's *.test.ts files; not part of the package API.
import { Buffer } from 'node:buffer';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketType, type ProtocolVersionCode } from '../constants.js';
import { decodeConnect, decodePacket } from './decode.js';
import { MqttFramer } from './framer.js';
import type { ClientPacket, DecodeResult } from './packets.js';

/** Hex, one string per field so each can carry its comment; spaces are ignored. */
export function fromHex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');
}

/** Cuts one whole packet out of `bytes` and decodes it as the broker does (CONNECT first, then by version). */
export function decodeBytes(bytes: Buffer, version: ProtocolVersionCode): DecodeResult {
  let result: DecodeResult | undefined;
  const framer = new MqttFramer(Number.MAX_SAFE_INTEGER);
  framer.push(bytes, {
    onFrame: (header, buf, start, end) => {
      result = header >> 4 === PacketType.CONNECT && (header & 0x0f) === 0 ? decodeConnect(buf, start, end) : decodePacket(header, buf, start, end, version);
      return true;
    },
    onFramingError: (reasonCode, message) => (result = { ok: false, error: { reasonCode, message } }),
  });
  if (result === undefined) throw new Error(`no whole packet in ${bytes.toString('hex')}`);
  return result;
}

/** What mqtt-packet, an independent implementation, makes of bytes a server sends. */
export function parseWithMqttPacket(bytes: Buffer, protocolVersion: ProtocolVersionCode): Packet {
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion });
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => {
    throw error;
  });
  parser.parse(bytes);
  if (packets.length !== 1) throw new Error(`mqtt-packet found ${packets.length} packets in ${bytes.toString('hex')}`);
  return packets[0];
}

export interface ClientVector {
  name: string;
  version: ProtocolVersionCode;
  bytes: string[];
  packet: ClientPacket;
  /** The same packet as mqtt-packet (what MQTT.js sends with) generates it. */
  reference: Packet;
}

/** Per vector: the broker decodes the bytes to `packet`, and a client library generates exactly those bytes. */
export function describeClientVectors(title: string, vectors: readonly ClientVector[]): void {
  describe(title, () => {
    for (const { name, version, bytes, packet, reference } of vectors) {
      describe(name, () => {
        const frame = fromHex(...bytes);
        it('decodes', () => {
          expect(decodeBytes(frame, version)).toEqual({ ok: true, packet });
        });
        it('is what mqtt-packet generates', () => {
          expect(mqttPacket.generate(reference, { protocolVersion: version }).toString('hex')).toBe(frame.toString('hex'));
        });
      });
    }
  });
}

export interface ServerVector {
  name: string;
  version: ProtocolVersionCode;
  bytes: string[];
  encode: () => Buffer;
  /** What mqtt-packet parses the bytes to (the fields that matter). */
  reference: Partial<Packet> & Record<string, unknown>;
}

/** Per vector: the broker encodes exactly the bytes, and a client library parses them to `reference`. */
export function describeServerVectors(title: string, vectors: readonly ServerVector[]): void {
  describe(title, () => {
    for (const { name, version, bytes, encode, reference } of vectors) {
      describe(name, () => {
        const frame = fromHex(...bytes);
        it('encodes', () => {
          expect(encode().toString('hex')).toBe(frame.toString('hex'));
        });
        it('parses with mqtt-packet', () => {
          expect(parseWithMqttPacket(frame, version)).toMatchObject(reference);
        });
      });
    }
  });
}
