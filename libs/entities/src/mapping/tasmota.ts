import type { Buffer } from 'node:buffer';
import type { AttributeSource, AvailabilitySource, CommandTarget, DeviceInfo, EntityDefinition, StateSource } from './definition.js';
import { LIGHT_ATTRIBUTES } from '../values/light.js';
import { slugify } from './slug.js';

/**
 * Tasmota's own discovery, the default since Tasmota 12 (SetOption19 0): each device keeps two retained
 * messages, `tasmota/discovery/<MAC>/config` (names, topics, relay and light types, options) and
 * `tasmota/discovery/<MAC>/sensors` (its sensor reading under `sn`). The format is the one Tasmota's
 * xdrv_12_discovery.ino writes and Home Assistant's library hatasmota reads (discovery.py, utils.py,
 * light.py, relay.py, sensor.py), discovery version 1.
 *
 * Mapped: relays (`rl` 1) as switches, or as on/off lights with SetOption30; lights (`rl` 2) with the
 * brightness, colour temperature and RGB their light subtype `lt_st` has (split RGB + white lights when RGB
 * and CT are unlinked, `lk` 0; a dimmer per channel with SetOption68; TuyaMCU dimmers on Dimmer3); sensors
 * of known quantities (temperature, humidity, pressure, illuminance, …) in `sn`; the energy meter (`ENERGY`)
 * as a power meter with its kWh total as a counter. Topics follow the device's full topic template (`ft`
 * with `%prefix%`, `%topic%`, `%hostname%`, `%id%`; prefixes `tp`). Not mapped: shutters (`rl` 3), the
 * iFan's fan, buttons and switches as triggers. An empty retained config removes the device.
 */

export type TasmotaEvent =
  /** The device's complete current set; it replaces what was reported earlier for `origin`. */
  | { kind: 'definitions'; origin: string; definitions: EntityDefinition[] }
  | { kind: 'invalid'; origin: string; reason: string }
  | { kind: 'ignored'; reason: string };

export const TASMOTA_DISCOVERY_PREFIX = 'tasmota/discovery/';

const TOPIC = /^tasmota\/discovery\/([A-Z0-9_-]+)\/(config|sensors)$/;

/** The keys of the config this mapping reads; the others (ip, hn only for `%hostname%`, btn, swc…) are not needed. */
interface TasmotaConfig {
  dn: string;
  fn: Array<string | null>;
  hn: string;
  mac: string;
  md: string;
  sw: string;
  t: string;
  ft: string;
  tp: [string, string, string];
  rl: number[];
  state: [string, string, string, string];
  ofln: string;
  onln: string;
  lk: number;
  lt_st: number;
  ty: number;
  if: number;
  so: Record<string, number>;
}

const RELAY = 1;
const LIGHT = 2;
const SUBTYPE = { single: 1, coldWarm: 2, rgb: 3, rgbw: 4, rgbcw: 5 } as const;
/** SetOptions the mapping follows: 20 power not linked to dimmer (unused here), 30 relays as lights, 68 one dimmer per PWM channel. */
const SO_RELAYS_AS_LIGHTS = '30';
const SO_MULTI_CHANNEL_PWM = '68';

/** Quantities hatasmota's sensor.py makes entities of: unit (unless the device says), device class, and state class. */
const QUANTITIES: Record<string, { unit?: string; deviceClass?: string }> = {
  Temperature: { deviceClass: 'temperature' },
  DewPoint: { deviceClass: 'temperature' },
  Humidity: { unit: '%', deviceClass: 'humidity' },
  Pressure: { deviceClass: 'pressure' },
  SeaPressure: { deviceClass: 'pressure' },
  Illuminance: { unit: 'lx', deviceClass: 'illuminance' },
  CarbonDioxide: { unit: 'ppm', deviceClass: 'carbon_dioxide' },
  CO2: { unit: 'ppm', deviceClass: 'carbon_dioxide' },
  eCO2: { unit: 'ppm', deviceClass: 'carbon_dioxide' },
  TVOC: { unit: 'ppb', deviceClass: 'volatile_organic_compounds_parts' },
  Moisture: { unit: '%', deviceClass: 'moisture' },
  Distance: { unit: 'cm', deviceClass: 'distance' },
  Voltage: { unit: 'V', deviceClass: 'voltage' },
  Current: { unit: 'A', deviceClass: 'current' },
  Battery: { unit: '%', deviceClass: 'battery' },
  Weight: { unit: 'kg', deviceClass: 'weight' },
  PM2_5: { unit: 'µg/m³', deviceClass: 'pm25' },
  'PM2.5': { unit: 'µg/m³', deviceClass: 'pm25' },
  PM10: { unit: 'µg/m³', deviceClass: 'pm10' },
  Gas: { unit: '%' },
};

const TEMPERATURE_UNITS: Record<string, string> = { C: '°C', F: '°F', K: 'K' };

/** A JSON path that holds any key (Tasmota names sensors `DS18B20-1`, readings `PM2.5`). */
const jsonPath = (...keys: string[]): string => keys.map((key) => `[${JSON.stringify(key)}]`).join('');

export class TasmotaDiscovery {
  private readonly configs = new Map<string, TasmotaConfig>();
  private readonly sensors = new Map<string, Record<string, unknown>>();

  /** Every message on `tasmota/discovery/#`. */
  feed(topic: string, payload: Buffer): TasmotaEvent {
    const match = TOPIC.exec(topic);
    if (!match) return { kind: 'ignored', reason: 'not a tasmota/discovery/<MAC>/config or /sensors topic' };
    const [, mac, part] = match;
    const origin = `${TASMOTA_DISCOVERY_PREFIX}${mac}`;
    const text = payload.toString('utf8');
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        return { kind: 'invalid', origin, reason: `${part} is not JSON` };
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'invalid', origin, reason: `${part} is not a JSON object` };
    }
    if (part === 'sensors') {
      const readings = (json as { sn?: unknown } | null)?.sn;
      if (typeof readings === 'object' && readings !== null && !Array.isArray(readings)) this.sensors.set(mac, readings as Record<string, unknown>);
      else this.sensors.delete(mac);
    } else if (json === null) {
      this.configs.delete(mac);
      this.sensors.delete(mac);
      return { kind: 'definitions', origin, definitions: [] };
    } else {
      const config = readConfig(json as Record<string, unknown>);
      if (typeof config === 'string') return { kind: 'invalid', origin, reason: config };
      if (config.mac !== mac) return { kind: 'invalid', origin, reason: `the config's mac ${config.mac} is not the topic's ${mac}` };
      this.configs.set(mac, config);
    }
    const config = this.configs.get(mac);
    // Sensors wait for their device's config; both are retained, so either may come first.
    if (!config) return { kind: 'ignored', reason: 'sensors before the device config' };
    return { kind: 'definitions', origin, definitions: definitionsOf(config, this.sensors.get(mac) ?? {}, origin) };
  }
}

/** The config, or why it cannot be used (hatasmota's schema, reduced to the keys used). */
function readConfig(raw: Record<string, unknown>): TasmotaConfig | string {
  if (raw.ver !== 1) return `discovery version ${JSON.stringify(raw.ver)} is not 1`;
  const strings = ['dn', 'hn', 'mac', 'md', 'sw', 't', 'ft', 'ofln', 'onln'] as const;
  for (const key of strings) if (typeof raw[key] !== 'string') return `${key} must be a string`;
  const isStrings = (value: unknown, length: number) => Array.isArray(value) && value.length >= length && value.every((item) => typeof item === 'string');
  if (!isStrings(raw.tp, 3)) return 'tp must list the cmnd, stat and tele prefixes';
  if (!isStrings(raw.state, 2)) return 'state must list the OFF and ON texts';
  if (!Array.isArray(raw.rl) || !raw.rl.every((item) => Number.isInteger(item))) return 'rl must be a list of relay types';
  if (!Array.isArray(raw.fn)) return 'fn must be a list of friendly names';
  if (typeof raw.so !== 'object' || raw.so === null) return 'so must be an object of SetOptions';
  return {
    ...(raw as unknown as TasmotaConfig),
    fn: raw.fn.map((name) => (typeof name === 'string' ? name : null)),
    lk: Number(raw.lk ?? 1),
    lt_st: Number(raw.lt_st ?? 0),
    ty: Number(raw.ty ?? 0),
    if: Number(raw.if ?? 0),
  };
}

/** hatasmota's _get_topic: the full topic template filled for one prefix, ending in `/`. */
function fullTopic(config: TasmotaConfig, prefix: 0 | 1 | 2): string {
  return config.ft
    .replace('%hostname%', config.hn)
    .replace('%id%', config.mac.slice(-6))
    .replace('%prefix%', config.tp[prefix])
    .replace('%topic%', config.t);
}

function definitionsOf(config: TasmotaConfig, sensors: Record<string, unknown>, origin: string): EntityDefinition[] {
  const cmnd = fullTopic(config, 0);
  const stat = fullTopic(config, 1);
  const tele = fullTopic(config, 2);
  const [off, on] = config.state;
  const device: DeviceInfo = { id: `tasmota:${config.mac}`, name: config.dn, manufacturer: 'Tasmota', model: config.md, swVersion: config.sw, transport: 'mqtt' };
  const availability: AvailabilitySource = { mode: 'latest', topics: [{ topic: `${tele}LWT`, payloadAvailable: config.onln, payloadNotAvailable: config.ofln, value: { kind: 'raw' } }] };
  const base = { device, availability, source: 'discovery' as const, origin };
  const definitions: EntityDefinition[] = [];

  const outputs = config.rl.filter((type) => type > 0).length;
  const relaysAsLights = config.so[SO_RELAYS_AS_LIGHTS] === 1;
  const lights = config.rl.flatMap((type, idx) => (type === LIGHT ? [idx] : []));
  config.rl.forEach((type, idx) => {
    if (type !== RELAY && type !== LIGHT) return;
    const name = config.fn[idx] ?? `${config.dn} ${idx + 1}`;
    // Tasmota says POWER when it has one output, POWER<n> otherwise; stat/<topic>/POWER<n> carries the bare text.
    const powerKey = outputs === 1 ? 'POWER' : `POWER${idx + 1}`;
    const onOff = { payloadOn: on, payloadOff: off };
    const state: StateSource = { topic: `${stat}RESULT`, value: { kind: 'jsonPath', path: powerKey }, ...onOff };
    const extraStateSources: StateSource[] = [
      { topic: `${tele}STATE`, value: { kind: 'jsonPath', path: powerKey }, ...onOff },
      { topic: `${stat}${powerKey}`, value: { kind: 'raw' }, ...onOff },
    ];
    const command: CommandTarget & { format: 'plain' } = { format: 'plain', topic: `${cmnd}POWER${idx + 1}`, ...onOff };
    const kind = type === LIGHT || relaysAsLights ? 'light' : 'switch';
    const uniqueId = `${config.mac}_${kind}_${type === LIGHT ? 'light' : 'relay'}_${idx}`;
    const definition: EntityDefinition = { ...base, uniqueId, kind, objectId: slugify(name), name, state, extraStateSources, command, attributes: [], supports: {} };
    // The iFan's first light is a plain relay.
    if (type === LIGHT && !(config.if && idx === 0)) lightFeatures(definition, command, config, { relay: idx, light: lights.indexOf(idx) }, { cmnd, stat, tele });
    definitions.push(definition);
  });

  const temperatureUnit = TEMPERATURE_UNITS[String(sensors.TempUnit)] ?? '°C';
  const pressureUnit = typeof sensors.PressureUnit === 'string' ? sensors.PressureUnit : 'hPa';
  for (const [sensor, readings] of Object.entries(sensors)) {
    if (typeof readings !== 'object' || readings === null || Array.isArray(readings)) continue;
    if (sensor === 'ENERGY') {
      definitions.push(energyMeter(config, readings as Record<string, unknown>, `${tele}SENSOR`, base));
      continue;
    }
    for (const [quantity, value] of Object.entries(readings)) {
      const known = QUANTITIES[quantity];
      if (!known || typeof value !== 'number') continue;
      const unit = known.deviceClass === 'temperature' ? temperatureUnit : known.deviceClass === 'pressure' ? pressureUnit : known.unit;
      const name = `${config.dn} ${sensor} ${quantity}`;
      definitions.push({
        ...base,
        uniqueId: `${config.mac}_sensor_sensor_${sensor}_${quantity}`,
        kind: 'sensor',
        objectId: slugify(name),
        name,
        deviceClass: known.deviceClass,
        unit,
        stateClass: 'measurement',
        state: { topic: `${tele}SENSOR`, value: { kind: 'jsonPath', path: jsonPath(sensor, quantity) } },
        attributes: [],
        supports: {},
      });
    }
  }
  return definitions;
}

/**
 * A light's brightness (Dimmer 0-100), colour temperature (CT, mireds) and RGB (Color, set with Color2), as
 * hatasmota's TasmotaLightConfig works them out from the light subtype and options. A Dimmer command also
 * switches the light on, so brightness goes alone (on_command_type brightness).
 */
function lightFeatures(
  definition: EntityDefinition,
  command: CommandTarget & { format: 'plain' },
  config: TasmotaConfig,
  index: { relay: number; light: number },
  topics: { cmnd: string; stat: string; tele: string },
): void {
  let subtype = config.lt_st;
  let dimmer = 'Dimmer';
  let dimmerCommand = config.ty ? 'Dimmer3' : 'Dimmer';
  let rgbSuffix = '';
  if (config.so[SO_MULTI_CHANNEL_PWM] === 1) {
    dimmer = dimmerCommand = `Channel${index.relay + 1}`;
    subtype = SUBTYPE.single;
  } else if (!config.lk && subtype >= SUBTYPE.rgbw) {
    // RGB and white unlinked: the first light is the RGB part (Dimmer1), the second the white one (Dimmer2).
    const part = index.light === 0 ? 1 : 2;
    dimmer = dimmerCommand = `Dimmer${part}`;
    if (part === 1) {
      subtype = SUBTYPE.rgb;
      rgbSuffix = '=';
    } else {
      subtype = subtype === SUBTYPE.rgbw ? SUBTYPE.single : SUBTYPE.coldWarm;
    }
  }
  if (subtype < SUBTYPE.single) return;
  const read = (name: string, key: string): AttributeSource[] =>
    [`${topics.stat}RESULT`, `${topics.tele}STATE`].map((topic) => ({ name, topic, value: { kind: 'jsonPath', path: key } }));
  definition.brightnessScale = 100;
  definition.supports.brightness = true;
  command.brightnessTopic = `${topics.cmnd}${dimmerCommand}`;
  command.onCommandType = 'brightness';
  definition.attributes.push(...read(LIGHT_ATTRIBUTES.brightness, dimmer));
  if (subtype === SUBTYPE.coldWarm || subtype === SUBTYPE.rgbcw) {
    definition.supports.colorTemp = true;
    command.colorTempTopic = `${topics.cmnd}CT`;
    definition.attributes.push(...read(LIGHT_ATTRIBUTES.colorTemp, 'CT'));
  }
  if (subtype >= SUBTYPE.rgb) {
    definition.supports.rgb = true;
    command.rgbTopic = `${topics.cmnd}Color2`;
    if (rgbSuffix) command.templates = { rgb: `{{ value }}${rgbSuffix}` };
    definition.attributes.push(...read(LIGHT_ATTRIBUTES.rgb, 'Color'));
  }
}

/** ENERGY: power in W as the meter's state; the kWh total as the energy counter; voltage and current beside. */
function energyMeter(config: TasmotaConfig, readings: Record<string, unknown>, topic: string, base: Pick<EntityDefinition, 'device' | 'availability' | 'source' | 'origin'>): EntityDefinition {
  const attribute = (name: string, key: string, unit: string): AttributeSource[] => (key in readings ? [{ name, topic, value: { kind: 'jsonPath', path: jsonPath('ENERGY', key) }, unit }] : []);
  const name = `${config.dn} Power`;
  return {
    ...base,
    uniqueId: `${config.mac}_power_meter_energy`,
    kind: 'power_meter',
    objectId: slugify(name),
    name,
    deviceClass: 'power',
    unit: 'W',
    stateClass: 'measurement',
    state: { topic, value: { kind: 'jsonPath', path: jsonPath('ENERGY', 'Power') } },
    attributes: [...attribute('energy', 'Total', 'kWh'), ...attribute('voltage', 'Voltage', 'V'), ...attribute('current', 'Current', 'A')],
    supports: {},
  };
}
