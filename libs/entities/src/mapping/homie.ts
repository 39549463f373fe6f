import type { Buffer } from 'node:buffer';
import { CONTROL_ATTRIBUTES, type AttributeSource, type AvailabilitySource, type CommandTarget, type DeviceInfo, type EntityDefinition } from './definition.js';
import { LIGHT_ATTRIBUTES } from '../values/light.js';
import { entityName } from './naming.js';
import { slugify } from './slug.js';

/**
 * Homie v3/v4 discovery. Feed it every message under `homie/#`; it reports a device's definitions once its
 * description is complete, and again whenever `$nodes`, `$properties` or an attribute changes them.
 *
 * Complete means: `$homie` and `$nodes` known, every listed node's `$properties` known, and every listed
 * property's `$datatype` known — or, failing that, the device has sent a `$state` other than `init` (v3 made
 * `$datatype` optional, defaulting to string, and a device sends `ready` after all its attributes).
 *
 * Availability comes from `$state`: `ready`, `sleeping` and `alert` count as available (a sleeping battery
 * device's last values stay valid, and `alert` devices are connected); `lost` (the LWT) and `disconnected`
 * as unavailable; `init` changes nothing. An empty `$homie` (its retained message cleared) removes the device.
 *
 * Settable properties become controls: a light node's on/brightness/colour; a thermostat's target temperature
 * and mode (a climate); other settable numbers a number, settable enums a select, settable booleans a switch.
 *
 * Not supported: v3 node arrays (`lights[]`, skipped), v5 (`homie/5/<device>/$description`), `hsv` colours.
 */

export type HomieEvent =
  /**
   * The device's complete current set; it replaces what was reported earlier for `origin`. `values` are the last
   * values seen on the new entities' topics before they were described (retained values often come first).
   */
  | { kind: 'definitions'; deviceId: string; origin: string; definitions: EntityDefinition[]; values: Array<{ topic: string; payload: Buffer }> }
  | { kind: 'removed'; deviceId: string; origin: string; uniqueIds: string[] }
  | { kind: 'ignored'; deviceId: string; reason: string };

interface PropertyInfo {
  name?: string;
  datatype?: string;
  format?: string;
  settable?: boolean;
  unit?: string;
}

interface NodeInfo {
  name?: string;
  type?: string;
  properties?: string[];
}

interface DeviceState {
  version?: string;
  name?: string;
  state?: string;
  nodes?: string[];
  implementation?: string;
  nodeInfo: Map<string, NodeInfo>;
  properties: Map<string, PropertyInfo>;
  /** The last value per property topic, to apply once the property's entity exists. */
  values: Map<string, Buffer>;
  reported?: EntityDefinition[];
}

/** Property values kept per device; a device with more properties than this is not a real one. */
const MAX_VALUES = 1000;

/** Maps `$state` onto the availability payloads below; `init` maps to neither and is ignored. */
const STATE_TEMPLATE =
  "{{ 'ready' if value == 'ready' or value == 'sleeping' or value == 'alert' else ('lost' if value == 'lost' or value == 'disconnected' else 'init') }}";

const ID = /^[A-Za-z0-9_-]+$/;
const LIGHT_NODE = /light|lamp|bulb|dimmer|led/i;
const ON_PROPERTY_IDS = ['on', 'power', 'state', 'switch'];
const BRIGHTNESS_ID = /bright|dim|level|intensity/i;
const COLOR_TEMP_ID = /colou?r-?temp|^ct$|mired/i;
const POWER_UNITS = new Set(['W', 'kW']);
const UNIT_DEVICE_CLASSES: Record<string, string> = {
  '°C': 'temperature',
  '°F': 'temperature',
  W: 'power',
  kW: 'power',
  V: 'voltage',
  A: 'current',
  Wh: 'energy',
  kWh: 'energy',
  lx: 'illuminance',
  Pa: 'pressure',
  hPa: 'pressure',
};

export class HomieCollector {
  private readonly devices = new Map<string, DeviceState>();

  constructor(private readonly baseTopic = 'homie') {}

  /** Handles one message; returns what changed (usually nothing). Never throws. */
  feed(topic: string, payload: Buffer): HomieEvent[] {
    if (!topic.startsWith(`${this.baseTopic}/`)) return [];
    const levels = topic.slice(this.baseTopic.length + 1).split('/');
    const [deviceId, a, b, c] = levels;
    if (levels.length === 3 && !a.startsWith('$') && !b.startsWith('$')) {
      this.rememberValue(deviceId, topic, payload);
      return [];
    }
    // /set commands and $fw/$stats/$implementation sub-topics say nothing about the description.
    const attribute = levels[levels.length - 1];
    if (!attribute.startsWith('$') || levels.length < 2 || levels.length > 4 || !ID.test(deviceId)) return [];
    if (levels.length > 2 && a.startsWith('$')) return [];
    const text = payload.toString('utf8').trim();

    if (levels.length === 2 && a === '$homie' && text === '') return this.remove(deviceId);
    let device = this.devices.get(deviceId);
    if (!device) {
      // Attributes of a device whose $homie was cleared may still arrive; they start a new description.
      device = { nodeInfo: new Map(), properties: new Map(), values: new Map() };
      this.devices.set(deviceId, device);
    }

    if (levels.length === 2) {
      const events = this.deviceAttribute(deviceId, device, a, text);
      if (events) return events;
    } else if (levels.length === 3) {
      if (!ID.test(a)) return [];
      const node = device.nodeInfo.get(a) ?? {};
      device.nodeInfo.set(a, node);
      if (b === '$name') node.name = text || undefined;
      else if (b === '$type') node.type = text || undefined;
      else if (b === '$properties') node.properties = list(text);
      else return [];
    } else {
      if (!ID.test(a) || !ID.test(b)) return [];
      const key = `${a}/${b}`;
      const property = device.properties.get(key) ?? {};
      device.properties.set(key, property);
      if (c === '$name') property.name = text || undefined;
      else if (c === '$datatype') property.datatype = text || undefined;
      else if (c === '$format') property.format = text || undefined;
      else if (c === '$settable') property.settable = text === 'true';
      else if (c === '$unit') property.unit = text || undefined;
      else return [];
    }
    return this.report(deviceId, device);
  }

  private rememberValue(deviceId: string, topic: string, payload: Buffer): void {
    if (!ID.test(deviceId)) return;
    let device = this.devices.get(deviceId);
    if (!device) {
      device = { nodeInfo: new Map(), properties: new Map(), values: new Map() };
      this.devices.set(deviceId, device);
    }
    if (device.values.has(topic) || device.values.size < MAX_VALUES) device.values.set(topic, payload);
  }

  /** The definitions last reported for a device. */
  definitions(deviceId: string): readonly EntityDefinition[] | undefined {
    return this.devices.get(deviceId)?.reported;
  }

  /** Undefined when the attribute changes the description (report it); events otherwise. */
  private deviceAttribute(deviceId: string, device: DeviceState, attribute: string, text: string): HomieEvent[] | undefined {
    switch (attribute) {
      case '$homie': {
        const major = Number.parseInt(text, 10);
        device.version = text;
        if (major === 3 || major === 4) return undefined;
        return [{ kind: 'ignored', deviceId, reason: `Homie ${text} is not supported; Hearth reads Homie 3 and 4` }];
      }
      case '$name':
        device.name = text || undefined;
        return undefined;
      case '$implementation':
        device.implementation = text || undefined;
        return undefined;
      case '$nodes':
        device.nodes = list(text);
        return undefined;
      case '$state':
        // Availability is decoded from $state messages; it only matters here for completeness.
        if (device.state === undefined || device.state === 'init') {
          device.state = text;
          return undefined;
        }
        device.state = text;
        return [];
      default:
        return [];
    }
  }

  private remove(deviceId: string): HomieEvent[] {
    const device = this.devices.get(deviceId);
    this.devices.delete(deviceId);
    if (!device?.reported) return [];
    return [{ kind: 'removed', deviceId, origin: this.origin(deviceId), uniqueIds: device.reported.map((d) => d.uniqueId) }];
  }

  private origin(deviceId: string): string {
    return `${this.baseTopic}/${deviceId}`;
  }

  private report(deviceId: string, device: DeviceState): HomieEvent[] {
    const major = Number.parseInt(device.version ?? '', 10);
    if ((major !== 3 && major !== 4) || !isComplete(device)) return [];
    const definitions = this.build(deviceId, device);
    const previous = device.reported;
    if (previous && JSON.stringify(previous) === JSON.stringify(definitions)) return [];
    device.reported = definitions;
    const origin = this.origin(deviceId);
    const known = new Set((previous ?? []).map((d) => d.uniqueId));
    const values = definitions
      .filter((d) => !known.has(d.uniqueId))
      .flatMap((d) => [d.state?.topic, ...d.attributes.map((a) => a.topic)])
      .flatMap((topic) => {
        const payload = topic === undefined ? undefined : device.values.get(topic);
        return payload === undefined ? [] : [{ topic: topic!, payload }];
      });
    const events: HomieEvent[] = [{ kind: 'definitions', deviceId, origin, definitions, values }];
    const kept = new Set(definitions.map((d) => d.uniqueId));
    const gone = (previous ?? []).map((d) => d.uniqueId).filter((id) => !kept.has(id));
    if (gone.length) events.push({ kind: 'removed', deviceId, origin, uniqueIds: gone });
    return events;
  }

  private build(deviceId: string, device: DeviceState): EntityDefinition[] {
    const root = this.origin(deviceId);
    const info: DeviceInfo = { id: deviceId, name: device.name ?? deviceId, model: device.implementation, transport: 'mqtt' };
    const availability: AvailabilitySource = {
      mode: 'latest',
      topics: [{ topic: `${root}/$state`, payloadAvailable: 'ready', payloadNotAvailable: 'lost', value: { kind: 'template', template: STATE_TEMPLATE } }],
    };
    const definitions: EntityDefinition[] = [];
    for (const nodeId of listedNodes(device)) {
      const node = device.nodeInfo.get(nodeId) ?? {};
      const properties = (node.properties ?? []).map((id) => ({ id, info: device.properties.get(`${nodeId}/${id}`) ?? {} }));
      const base = (propertyId: string, name: string): Omit<EntityDefinition, 'kind'> => ({
        uniqueId: `homie:${deviceId}/${nodeId}/${propertyId}`,
        objectId: slugify(name),
        name,
        device: info,
        attributes: [],
        availability,
        supports: {},
        source: 'homie',
        origin: root,
      });
      const topic = (propertyId: string): string => `${root}/${nodeId}/${propertyId}`;
      const used = new Set<string>();

      const light = LIGHT_NODE.test(node.type ?? '') ? lightParts(properties) : undefined;
      if (light) {
        const name = prefixed(info.name, node.name ?? light.on.info.name ?? nodeId);
        const attributes: AttributeSource[] = [];
        const command: Extract<CommandTarget, { format: 'plain' }> = {
          format: 'plain',
          topic: `${topic(light.on.id)}/set`,
          payloadOn: 'true',
          payloadOff: 'false',
          qos: 1,
        };
        const supports: EntityDefinition['supports'] = {};
        for (const [feature, part] of [
          ['brightness', light.brightness],
          ['colorTemp', light.colorTemp],
          ['rgb', light.rgb],
        ] as const) {
          if (!part) continue;
          attributes.push({ name: LIGHT_ATTRIBUTES[feature], topic: topic(part.id), value: { kind: 'raw' } });
          command[`${feature}Topic`] = `${topic(part.id)}/set`;
          supports[feature] = true;
        }
        definitions.push({
          ...base(light.on.id, name),
          kind: 'light',
          state: { topic: topic(light.on.id), value: { kind: 'raw' }, payloadOn: 'true', payloadOff: 'false' },
          attributes,
          command,
          supports,
          brightnessScale: light.brightness ? brightnessScale(light.brightness.info) : undefined,
          colorTempUnit: light.colorTemp?.info.unit === 'K' ? 'kelvin' : undefined,
        });
        for (const part of [light.on, light.brightness, light.colorTemp, light.rgb]) if (part) used.add(part.id);
      }

      const climate = climateParts(node, properties);
      if (climate) {
        const name = prefixed(info.name, node.name ?? nodeId);
        const controls: NonNullable<EntityDefinition['controls']> = {
          // Half degrees for a float target: a thermostat's usual step, where a plain number gets tenths.
          targetTemperature: { topic: `${topic(climate.target.id)}/set`, ...numberRange(climate.target.info), step: climate.target.info.datatype === 'integer' ? 1 : 0.5, qos: 1 },
        };
        if (climate.mode) controls.hvacMode = { topic: `${topic(climate.mode.id)}/set`, options: list(climate.mode.info.format ?? ''), qos: 1 };
        const attributes: AttributeSource[] = [{ name: CONTROL_ATTRIBUTES.targetTemperature, topic: topic(climate.target.id), value: { kind: 'raw' } }];
        if (climate.current) attributes.push({ name: CONTROL_ATTRIBUTES.currentTemperature, topic: topic(climate.current.id), value: { kind: 'raw' } });
        definitions.push({
          ...base(climate.target.id, name),
          kind: 'climate',
          unit: climate.target.info.unit,
          state: climate.mode ? { topic: topic(climate.mode.id), value: { kind: 'raw' } } : undefined,
          attributes,
          controls,
        });
        // The current temperature stays a sensor of its own too, for its history.
        used.add(climate.target.id);
        if (climate.mode) used.add(climate.mode.id);
      }

      for (const { id, info: property } of properties) {
        if (used.has(id)) continue;
        const name = prefixed(info.name, property.name ?? `${node.name ?? nodeId} ${id}`);
        const state = { topic: topic(id), value: { kind: 'raw' } as const };
        const datatype = property.datatype ?? 'string';
        if (datatype === 'boolean') {
          const onOff = { ...state, payloadOn: 'true', payloadOff: 'false' };
          definitions.push(
            property.settable
              ? {
                  ...base(id, name),
                  kind: 'switch',
                  state: onOff,
                  command: { format: 'plain', topic: `${topic(id)}/set`, payloadOn: 'true', payloadOff: 'false', qos: 1 },
                }
              : { ...base(id, name), kind: 'binary_sensor', state: onOff },
          );
        } else if ((datatype === 'integer' || datatype === 'float') && property.settable) {
          const unit = property.unit || undefined;
          definitions.push({ ...base(id, name), kind: 'number', state, unit, controls: { value: { topic: `${topic(id)}/set`, ...numberRange(property), qos: 1 } } });
        } else if (datatype === 'enum' && property.settable) {
          definitions.push({ ...base(id, name), kind: 'select', state, controls: { value: { topic: `${topic(id)}/set`, options: list(property.format ?? ''), qos: 1 } } });
        } else if (datatype === 'integer' || datatype === 'float') {
          const unit = property.unit || undefined;
          definitions.push({
            ...base(id, name),
            kind: unit && POWER_UNITS.has(unit) ? 'power_meter' : 'sensor',
            state,
            unit,
            deviceClass: unit ? UNIT_DEVICE_CLASSES[unit] : undefined,
            stateClass: unit === 'Wh' || unit === 'kWh' ? 'total_increasing' : 'measurement',
          });
        } else {
          definitions.push({ ...base(id, name), kind: 'sensor', state });
        }
      }
    }
    return definitions;
  }
}

type Part = { id: string; info: PropertyInfo };

/** A light node's parts: a settable boolean switching it, and settable brightness, colour temperature, RGB. */
function lightParts(properties: Part[]): { on: Part; brightness?: Part; colorTemp?: Part; rgb?: Part } | undefined {
  const settable = properties.filter((p) => p.info.settable);
  const booleans = settable.filter((p) => p.info.datatype === 'boolean');
  const on = booleans.find((p) => ON_PROPERTY_IDS.includes(p.id)) ?? booleans[0];
  if (!on) return undefined;
  const numeric = settable.filter((p) => p.info.datatype === 'integer' || p.info.datatype === 'float');
  return {
    on,
    colorTemp: numeric.find((p) => COLOR_TEMP_ID.test(p.id) || p.info.unit === 'K' || p.info.unit === 'mired'),
    brightness: numeric.find((p) => (BRIGHTNESS_ID.test(p.id) || p.info.unit === '%') && brightnessScale(p.info) > 1),
    rgb: settable.find((p) => p.info.datatype === 'color' && p.info.format === 'rgb'),
  };
}

const CLIMATE_NODE = /thermostat|climate|hvac|heat/i;
const TEMPERATURE_UNITS = new Set(['°C', '°F', 'C', 'F']);
const TARGET_ID = /target|set-?point|desired/i;

/**
 * A thermostat node's parts: a settable temperature (the target), an optional read-only temperature (the
 * current one) and a settable enum `mode`. Taken for a node whose type says thermostat/climate/HVAC/heat, or
 * with a settable temperature whose id says target or setpoint.
 */
function climateParts(node: NodeInfo, properties: Part[]): { target: Part; current?: Part; mode?: Part } | undefined {
  const temperatures = properties.filter((p) => (p.info.datatype === 'float' || p.info.datatype === 'integer') && TEMPERATURE_UNITS.has(p.info.unit ?? ''));
  const settable = temperatures.filter((p) => p.info.settable);
  const target = settable.find((p) => TARGET_ID.test(p.id)) ?? (CLIMATE_NODE.test(node.type ?? '') ? settable[0] : undefined);
  if (!target) return undefined;
  return {
    target,
    current: temperatures.find((p) => !p.info.settable),
    mode: properties.find((p) => p.info.settable && p.info.datatype === 'enum' && /mode/i.test(p.id)),
  };
}

/** A settable number's range from its `$format` (`5:30`) and its step: 1 for integers, 0.1 for floats. */
function numberRange(info: PropertyInfo): { min?: number; max?: number; step: number } {
  const [min, max] = (info.format ?? '').split(':').map((part) => (part.trim() === '' ? NaN : Number(part)));
  return {
    min: Number.isFinite(min) ? min : undefined,
    max: Number.isFinite(max) ? max : undefined,
    step: info.datatype === 'integer' ? 1 : 0.1,
  };
}

/** The top of the `$format` range (`0:100`), else 100 for `%` and 255 otherwise. */
function brightnessScale(info: PropertyInfo): number {
  const top = Number(info.format?.split(':')[1]);
  if (Number.isFinite(top) && top > 0) return top;
  return info.unit === '%' ? 100 : 255;
}

function isComplete(device: DeviceState): boolean {
  if (device.nodes === undefined) return false;
  const stated = device.state !== undefined && device.state !== 'init';
  return listedNodes(device).every((nodeId) => {
    const properties = device.nodeInfo.get(nodeId)?.properties;
    return properties !== undefined && properties.every((id) => stated || device.properties.get(`${nodeId}/${id}`)?.datatype !== undefined);
  });
}

/** Listed nodes, without v3 arrays (`name[]`). */
function listedNodes(device: DeviceState): string[] {
  return (device.nodes ?? []).filter((id) => ID.test(id));
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function prefixed(deviceName: string, name: string): string {
  return entityName(deviceName, name) ?? deviceName;
}
