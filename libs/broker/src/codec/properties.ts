import { Buffer } from 'node:buffer';
import { MAX_VARIABLE_BYTE_INTEGER, PacketType, PROPERTIES, Property, type PropertyContext, type PropertySpec, ReasonCode } from '../constants.js';
import { NO_PROPERTIES, type Properties, type UserProperty } from './packets.js';
import type { Reader } from './reader.js';

const CONTEXT_NAMES = new Map<PropertyContext, string>([
  ...Object.entries(PacketType).map(([name, code]) => [code, name] as [PropertyContext, string]),
  ['will', 'Will Properties'],
]);

type PropertyBag = Record<string, unknown>;

/** Properties whose only values are 0 and 1; anything else is a Protocol Error (section 3.1.2.11, 3.3.2.3.2). */
const BOOLEAN_BYTES = new Set<number>([
  Property.PAYLOAD_FORMAT_INDICATOR,
  Property.REQUEST_PROBLEM_INFORMATION,
  Property.REQUEST_RESPONSE_INFORMATION,
  Property.MAXIMUM_QOS,
  Property.RETAIN_AVAILABLE,
  Property.WILDCARD_SUBSCRIPTION_AVAILABLE,
  Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE,
  Property.SHARED_SUBSCRIPTION_AVAILABLE,
]);
/** Properties for which 0 is a Protocol Error (sections 3.1.2.11.3, 3.1.2.11.4, 3.8.2.1.2). */
const NON_ZERO = new Set<number>([Property.RECEIVE_MAXIMUM, Property.MAXIMUM_PACKET_SIZE, Property.SUBSCRIPTION_IDENTIFIER]);

/**
 * Reads a property section (its length, then the properties) allowed in `context`. An identifier that
 * is unknown or not allowed there, or a value that runs past the section, makes the packet malformed
 * (section 2.2.2.2); a property given twice that may not repeat, or an out-of-range value, is a
 * Protocol Error. Errors land on the reader.
 */
export function readProperties(reader: Reader, context: PropertyContext): Readonly<Properties> {
  const length = reader.varint('Property Length');
  if (reader.error) return NO_PROPERTIES;
  if (length === 0) return NO_PROPERTIES;
  if (length > reader.remaining) {
    reader.malformed(`Property Length ${length} runs past the end of the packet`);
    return NO_PROPERTIES;
  }
  const outerEnd = reader.end;
  reader.end = reader.pos + length;
  const properties: PropertyBag = {};
  while (reader.pos < reader.end && !reader.error) {
    const id = reader.varint('property identifier');
    if (reader.error) break;
    const spec = PROPERTIES.get(id);
    if (spec === undefined || !spec.allowed.has(context)) {
      reader.malformed(`property 0x${id.toString(16).padStart(2, '0')} is not allowed in ${CONTEXT_NAMES.get(context)}`);
      break;
    }
    if (!spec.repeats && properties[spec.key] !== undefined) {
      reader.fail(ReasonCode.PROTOCOL_ERROR, `${spec.name} appears twice`);
      break;
    }
    readValue(reader, id, spec, properties);
  }
  reader.end = outerEnd;
  return properties;
}

function readValue(reader: Reader, id: number, spec: PropertySpec, properties: PropertyBag): void {
  const { key, name } = spec;
  switch (spec.type) {
    case 'byte': {
      const value = reader.u8(name);
      if (BOOLEAN_BYTES.has(id) && value > 1) reader.fail(ReasonCode.PROTOCOL_ERROR, `${name} is ${value}, not 0 or 1`);
      properties[key] = value;
      return;
    }
    case 'twoByte':
    case 'fourByte': {
      const value = spec.type === 'twoByte' ? reader.u16(name) : reader.u32(name);
      if (NON_ZERO.has(id) && value === 0 && !reader.error) reader.fail(ReasonCode.PROTOCOL_ERROR, `${name} is 0`);
      properties[key] = value;
      return;
    }
    case 'varint': {
      const value = reader.varint(name);
      if (NON_ZERO.has(id) && value === 0 && !reader.error) reader.fail(ReasonCode.PROTOCOL_ERROR, `${name} is 0`);
      ((properties[key] as number[] | undefined) ?? (properties[key] = [] as number[])).push(value);
      return;
    }
    case 'utf8':
      properties[key] = reader.utf8(name);
      return;
    case 'binary':
      properties[key] = reader.binary(name);
      return;
    case 'pair': {
      const pair: UserProperty = [reader.utf8(`${name} name`), reader.utf8(`${name} value`)];
      ((properties[key] as UserProperty[] | undefined) ?? (properties[key] = [] as UserProperty[])).push(pair);
      return;
    }
  }
}

// ---------------------------------------------------------------- encoding

/** Identifiers in the order they are written; the spec leaves the order free. */
const WRITE_ORDER = [...PROPERTIES.keys()];

export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : 4;
}

function valueSize(spec: PropertySpec, value: unknown): number {
  switch (spec.type) {
    case 'byte':
      return 1;
    case 'twoByte':
      return 2;
    case 'fourByte':
      return 4;
    case 'varint':
      return varintSize(value as number);
    case 'utf8':
      return 2 + Buffer.byteLength(value as string);
    case 'binary':
      return 2 + (value as Buffer).length;
    case 'pair':
      return 4 + Buffer.byteLength((value as UserProperty)[0]) + Buffer.byteLength((value as UserProperty)[1]);
  }
}

/** Bytes the properties take after the Property Length field. */
export function propertiesSize(properties: Readonly<Properties>): number {
  let size = 0;
  const bag = properties as PropertyBag;
  for (const id of WRITE_ORDER) {
    const spec = PROPERTIES.get(id)!;
    const value = bag[spec.key];
    if (value === undefined) continue;
    const idSize = varintSize(id);
    if (spec.repeats) {
      for (const item of value as unknown[]) size += idSize + valueSize(spec, item);
    } else {
      size += idSize + valueSize(spec, value);
    }
  }
  return size;
}

/** Writes a Variable Byte Integer at `offset`; returns the offset after it. */
export function writeVarint(buf: Buffer, offset: number, value: number): number {
  if (value > MAX_VARIABLE_BYTE_INTEGER) throw new RangeError(`${value} does not fit a Variable Byte Integer`);
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (rest > 0);
  return offset;
}

/** Writes a two-byte-length-prefixed UTF-8 string; returns the offset after it. */
export function writeUtf8(buf: Buffer, offset: number, text: string): number {
  const length = buf.write(text, offset + 2, 'utf8');
  buf.writeUInt16BE(length, offset);
  return offset + 2 + length;
}

function writeValue(buf: Buffer, offset: number, spec: PropertySpec, value: unknown): number {
  switch (spec.type) {
    case 'byte':
      buf[offset] = value as number;
      return offset + 1;
    case 'twoByte':
      buf.writeUInt16BE(value as number, offset);
      return offset + 2;
    case 'fourByte':
      buf.writeUInt32BE(value as number, offset);
      return offset + 4;
    case 'varint':
      return writeVarint(buf, offset, value as number);
    case 'utf8':
      return writeUtf8(buf, offset, value as string);
    case 'binary':
      buf.writeUInt16BE((value as Buffer).length, offset);
      (value as Buffer).copy(buf, offset + 2);
      return offset + 2 + (value as Buffer).length;
    case 'pair':
      return writeUtf8(buf, writeUtf8(buf, offset, (value as UserProperty)[0]), (value as UserProperty)[1]);
  }
}

/** Writes the Property Length and the properties (`size` from propertiesSize); returns the offset after them. */
export function writeProperties(buf: Buffer, offset: number, properties: Readonly<Properties>, size: number): number {
  let at = writeVarint(buf, offset, size);
  if (size === 0) return at;
  const bag = properties as PropertyBag;
  for (const id of WRITE_ORDER) {
    const spec = PROPERTIES.get(id)!;
    const value = bag[spec.key];
    if (value === undefined) continue;
    for (const item of spec.repeats ? (value as unknown[]) : [value]) {
      at = writeVarint(buf, at, id);
      at = writeValue(buf, at, spec, item);
    }
  }
  return at;
}
