import type { Buffer } from 'node:buffer';
import { CONTROL_ATTRIBUTES, type AttributeSource, type EntityDefinition, type StateSource } from '../mapping/definition.js';
import { percentFromDevice } from '../values/percent.js';
import { hsToRgb, xyToRgb, type Rgb } from '../values/color.js';
import { extractValue } from '../values/extract.js';
import { brightnessFromDevice, colorTempFromDevice, LIGHT_ATTRIBUTES, parseRgb } from '../values/light.js';
import { entityId } from '../mapping/slug.js';
import { toText } from '../values/template.js';
import { topicMatches } from '@hearth/mqtt-topics';

/** `on`/`off` for lights, switches, fans and binary sensors; a number or text for sensors, meters, numbers, selects and climates (the HVAC mode); a named state for covers, valves and locks. */
export type EntityStateValue = 'on' | 'off' | number | string;

export interface StateUpdate {
  state?: EntityStateValue;
  attributes?: Record<string, unknown>;
  /** The entity's availability, combined over its availability topics per its mode. */
  available?: boolean;
  /** What this topic alone said; keep it per topic and pass it back for modes `all` and `any`. */
  availabilityOf?: { topic: string; available: boolean };
}

/** `ignored` lists the parts of a message that could not be used (e.g. one of two sources on the topic). */
export type DecodeStateResult = { ok: true; update: StateUpdate; ignored: string[] } | { ok: false; reason: string };

/** Like HA, a sensor with a unit or state class (and every power meter and number) only takes numbers. */
export function hasNumericState(def: EntityDefinition): boolean {
  if (def.kind === 'power_meter' || def.kind === 'number') return true;
  return def.kind === 'sensor' && (def.unit !== undefined || def.stateClass !== undefined);
}

/**
 * Decodes a message on one of the definition's topics. `knownAvailability` holds what each availability topic
 * last said (from earlier `availabilityOf`), needed to combine topics for modes `all` and `any`. Never throws.
 */
export function decodeState(
  def: EntityDefinition,
  topic: string,
  payload: Buffer,
  knownAvailability: ReadonlyMap<string, boolean> = new Map(),
): DecodeStateResult {
  const update: StateUpdate = {};
  const ignored: string[] = [];
  const attributes: Record<string, unknown> = {};
  let matched = false;

  for (const source of [def.state, ...(def.extraStateSources ?? [])]) {
    if (!source || !topicMatches(source.topic, topic)) continue;
    matched = true;
    const decoded = source.format === 'json' ? decodeJsonLight(def, payload) : decodePlainState(def, source, payload);
    if (!decoded.ok) {
      ignored.push(decoded.reason);
      continue;
    }
    if (decoded.state !== undefined) update.state = decoded.state;
    Object.assign(attributes, decoded.attributes);
  }

  for (const source of def.attributes) {
    if (!topicMatches(source.topic, topic)) continue;
    matched = true;
    const decoded = decodeAttribute(def, source, payload);
    if (decoded.ok) attributes[source.name] = decoded.value;
    else ignored.push(`${source.name}: ${decoded.reason}`);
  }

  if (def.jsonAttributesTopic !== undefined && topicMatches(def.jsonAttributesTopic, topic)) {
    matched = true;
    const decoded = decodeJsonAttributes(def, payload);
    if (decoded.ok) {
      // Copied key by key: assigning a JSON `__proto__` key would replace the prototype of `attributes`.
      for (const [key, value] of Object.entries(decoded.value)) {
        if (key !== '__proto__') attributes[key] = value;
      }
    } else {
      ignored.push(`JSON attributes: ${decoded.reason}`);
    }
  }

  for (const entry of def.availability?.topics ?? []) {
    if (!topicMatches(entry.topic, topic)) continue;
    matched = true;
    const extracted = extractValue(entry.value, payload);
    const text = extracted.ok ? toText(extracted.value) : undefined;
    if (text === entry.payloadAvailable || text === entry.payloadNotAvailable) {
      const available = text === entry.payloadAvailable;
      update.availabilityOf = { topic: entry.topic, available };
      update.available = combineAvailability(def, entry.topic, available, knownAvailability);
    } else {
      ignored.push(
        extracted.ok
          ? `availability payload ${JSON.stringify(text)} is neither ${JSON.stringify(entry.payloadAvailable)} nor ${JSON.stringify(entry.payloadNotAvailable)}`
          : `availability: ${extracted.reason}`,
      );
    }
  }

  if (!matched) return { ok: false, reason: `${entityId(def.kind, def.objectId)} does not use topic ${topic}` };
  // A cover or valve reporting only its position (HA without a state topic, a valve's reports_position) is open above 0 %.
  const position = attributes[CONTROL_ATTRIBUTES.position];
  if ((def.kind === 'cover' || def.kind === 'valve') && !def.state && update.state === undefined && typeof position === 'number') {
    update.state = position > 0 ? 'open' : 'closed';
  }
  if (Object.keys(attributes).length) update.attributes = attributes;
  if (update.state === undefined && update.attributes === undefined && update.available === undefined) {
    return { ok: false, reason: `${entityId(def.kind, def.objectId)}: ${ignored.join('; ')}` };
  }
  return { ok: true, update, ignored };
}

function combineAvailability(def: EntityDefinition, topic: string, available: boolean, known: ReadonlyMap<string, boolean>): boolean {
  const availability = def.availability;
  if (!availability || availability.mode === 'latest') return available;
  const others = availability.topics.filter((t) => t.topic !== topic).map((t) => known.get(t.topic) === true);
  return availability.mode === 'all' ? available && others.every(Boolean) : available || others.some(Boolean);
}

type Decoded = { ok: true; state?: EntityStateValue; attributes?: Record<string, unknown> } | { ok: false; reason: string };

function decodePlainState(def: EntityDefinition, source: StateSource, payload: Buffer): Decoded {
  const extracted = extractValue(source.value, payload);
  if (!extracted.ok) return extracted;
  const value = extracted.value;
  switch (def.kind) {
    case 'sensor':
    case 'power_meter':
    case 'number':
    case 'select':
    case 'climate':
      // A select's option and a climate's HVAC mode are text, as a text sensor's state.
      return sensorState(def, value);
    case 'cover':
    case 'valve':
    case 'lock':
      return namedState(source, toText(value));
    default:
      return onOffState(source, toText(value));
  }
}

function onOffState(source: StateSource, text: string): Decoded {
  const on = source.payloadOn ?? 'ON';
  const off = source.payloadOff ?? 'OFF';
  if (text === on) return { ok: true, state: 'on' };
  if (text === off) return { ok: true, state: 'off' };
  return { ok: false, reason: `state ${JSON.stringify(text)} is neither ${JSON.stringify(on)} nor ${JSON.stringify(off)}` };
}

/** A cover's, valve's or lock's state: the name whose payload this is. */
function namedState(source: StateSource, text: string): Decoded {
  const states = Object.entries(source.states ?? {});
  const state = states.find(([, payload]) => payload === text)?.[0];
  if (state !== undefined) return { ok: true, state };
  return { ok: false, reason: `state ${JSON.stringify(text)} is none of ${states.map(([, payload]) => JSON.stringify(payload)).join(', ')}` };
}

function sensorState(def: EntityDefinition, value: unknown): Decoded {
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, state: value };
  if (hasNumericState(def)) return { ok: false, reason: `expected a number, got ${JSON.stringify(value)}` };
  if (typeof value === 'object' || value === '') return { ok: false, reason: `expected a single value, got ${JSON.stringify(value)}` };
  return { ok: true, state: toText(value) };
}

/** HA's JSON light state: `{"state":"ON","brightness":…,"color_temp":…,"color":{"r":…}}` (also Zigbee2MQTT, ESPHome). */
function decodeJsonLight(def: EntityDefinition, payload: Buffer): Decoded {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the light state is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'the light state is not a JSON object' };
  const { state, brightness, color_temp: colorTemp, color } = json as Record<string, unknown>;
  const attributes: Record<string, unknown> = {};
  if (typeof brightness === 'number') attributes[LIGHT_ATTRIBUTES.brightness] = brightnessFromDevice(brightness, def.brightnessScale ?? 255);
  if (typeof colorTemp === 'number' && colorTemp > 0) attributes[LIGHT_ATTRIBUTES.colorTemp] = colorTempFromDevice(colorTemp, def.colorTempUnit);
  const rgb = jsonColorToRgb(color);
  if (rgb) attributes[LIGHT_ATTRIBUTES.rgb] = rgb;
  const onOff = state === 'ON' ? 'on' : state === 'OFF' ? 'off' : undefined;
  if (onOff === undefined && Object.keys(attributes).length === 0) return { ok: false, reason: 'no light state in the JSON object' };
  return { ok: true, state: onOff, attributes };
}

function jsonColorToRgb(color: unknown): Rgb | undefined {
  if (typeof color !== 'object' || color === null) return undefined;
  const { r, g, b, h, s, x, y } = color as Record<string, unknown>;
  const rgb = parseRgb([r, g, b]);
  if (rgb) return rgb;
  if (typeof h === 'number' && typeof s === 'number') return hsToRgb(h, s);
  if (typeof x === 'number' && typeof y === 'number') return xyToRgb(x, y);
  return undefined;
}

function decodeAttribute(def: EntityDefinition, source: AttributeSource, payload: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  const extracted = extractValue(source.value, payload);
  if (!extracted.ok) return extracted;
  const value = extracted.value;
  if (source.deviceRange) return typeof value === 'number' ? { ok: true, value: percentFromDevice(value, source.deviceRange) } : notA('number', value);
  if (def.kind !== 'light') return extracted;
  switch (source.name) {
    case LIGHT_ATTRIBUTES.brightness:
      return typeof value === 'number' ? { ok: true, value: brightnessFromDevice(value, def.brightnessScale ?? 255) } : notA('number', value);
    case LIGHT_ATTRIBUTES.colorTemp:
      return typeof value === 'number' && value > 0 ? { ok: true, value: colorTempFromDevice(value, def.colorTempUnit) } : notA('colour temperature', value);
    case LIGHT_ATTRIBUTES.rgb: {
      const rgb = parseRgb(value);
      return rgb ? { ok: true, value: rgb } : notA('r,g,b colour', value);
    }
    default:
      return extracted;
  }
}

function notA(what: string, value: unknown): { ok: false; reason: string } {
  return { ok: false, reason: `expected a ${what}, got ${JSON.stringify(value)}` };
}

function decodeJsonAttributes(def: EntityDefinition, payload: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  const extracted = extractValue(def.jsonAttributesValue ?? { kind: 'raw' }, payload);
  if (!extracted.ok) return extracted;
  let value = extracted.value;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, reason: 'the payload is not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'the payload is not a JSON object' };
  return { ok: true, value: value as Record<string, unknown> };
}
