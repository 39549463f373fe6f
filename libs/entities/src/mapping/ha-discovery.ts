import type { Buffer } from 'node:buffer';
import {
  CONTROL_ATTRIBUTES,
  type AttributeSource,
  type AvailabilitySource,
  type CommandTarget,
  type DeviceInfo,
  type EntityDefinition,
  type EntityKind,
  type ValueExtractor,
} from './definition.js';
import { FieldReader, fieldOf, isJsonObject } from '@hearth/field-reader';
import { isValidTopicName } from '@hearth/mqtt-topics';
import { describeTemplateError } from '../values/extract.js';
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS } from './ha-abbreviations.js';
import { entityName } from './naming.js';
import { slugify } from './slug.js';
import { compileTemplate, toText } from '../values/template.js';

/**
 * What one message on a discovery topic means. `definitions` replaces everything earlier discovered from the
 * same `origin` (the config topic): for device-based discovery, components left out or emptied are gone.
 * `removed` drops everything from `origin`. `invalid` leaves earlier definitions in place (as Home Assistant
 * keeps an entity whose update fails validation).
 */
export type DiscoveryResult =
  | {
      kind: 'definitions';
      origin: string;
      definitions: EntityDefinition[];
      /** Components of a device-based payload that produced no definition, and why. */
      skipped: Array<{ component: string; reason: string }>;
      /** Optional features dropped because their templates are outside the supported subset. */
      warnings: string[];
    }
  | { kind: 'removed'; origin: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

type Config = Record<string, unknown>;

const SUPPORTED = ['light', 'switch', 'sensor', 'binary_sensor', 'climate', 'cover', 'fan', 'lock', 'valve', 'number', 'select', 'button'] as const;
type SupportedComponent = (typeof SUPPORTED)[number];

/** Platforms Home Assistant discovers that Hearth has no entity kind for yet. */
const UNSUPPORTED_HA_PLATFORMS = new Set([
  'alarm_control_panel',
  'camera',
  'device_automation',
  'device_tracker',
  'event',
  'humidifier',
  'image',
  'lawn_mower',
  'notify',
  'scene',
  'siren',
  'tag',
  'text',
  'update',
  'vacuum',
  'water_heater',
]);

const DEFAULT_NAMES: Record<SupportedComponent, string> = {
  light: 'MQTT Light',
  switch: 'MQTT Switch',
  sensor: 'MQTT Sensor',
  binary_sensor: 'MQTT Binary sensor',
  climate: 'MQTT HVAC',
  cover: 'MQTT Cover',
  fan: 'MQTT Fan',
  lock: 'MQTT Lock',
  valve: 'MQTT Valve',
  number: 'MQTT Number',
  select: 'MQTT Select',
  button: 'MQTT Button',
};

/** HA climate's default modes and target range (°C). */
const CLIMATE_MODES = ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
const CLIMATE_MIN_TEMP = 7;
const CLIMATE_MAX_TEMP = 35;

const POWER_UNITS = new Set(['mW', 'W', 'kW', 'MW', 'GW', 'TW', 'BTU/h']);
const STATE_CLASSES = ['measurement', 'total', 'total_increasing'] as const;
const ID = /^[a-zA-Z0-9_-]+$/;
const TOPIC_BASE = '~';

/**
 * Interprets a message on `<prefix>/<component>/[<node_id>/]<object_id>/config` (or the device-based
 * `<prefix>/device/[<node_id>/]<object_id>/config`). Never throws.
 */
export function parseDiscovery(topic: string, payload: Buffer, prefix = 'homeassistant'): DiscoveryResult {
  const parsed = parseTopic(topic, prefix);
  if (!parsed) return { kind: 'ignored', reason: `${topic} is not a discovery config topic under ${prefix}/` };
  if (payload.length === 0) return { kind: 'removed', origin: topic };

  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return { kind: 'invalid', reason: `${topic}: the payload is not valid JSON (${(error as Error).message})` };
  }
  if (!isJsonObject(json)) return { kind: 'invalid', reason: `${topic}: the payload must be a JSON object` };
  const config = expandAbbreviations(json);
  if (config.migrate_discovery === true) {
    return { kind: 'ignored', reason: `${topic}: migrate_discovery; the entity keeps its definition until its new config arrives` };
  }

  const discoveryId = [parsed.nodeId, parsed.objectId].filter(Boolean).join('/');
  if (parsed.component === 'device') return parseDevicePayload(topic, discoveryId, config);

  if (!isSupported(parsed.component)) return { kind: 'ignored', reason: `${topic}: ${unsupportedReason(parsed.component)}` };
  const built = buildDefinition(parsed.component, replaceTopicBase(config), { origin: topic, derivedUniqueId: `ha:${parsed.component}/${discoveryId}` });
  if (!built.ok) return { kind: built.ignored ? 'ignored' : 'invalid', reason: `${topic}: ${built.reason}` };
  return { kind: 'definitions', origin: topic, definitions: [built.definition], skipped: [], warnings: built.warnings };
}

function parseTopic(topic: string, prefix: string): { component: string; nodeId?: string; objectId: string } | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const levels = topic.slice(prefix.length + 1).split('/');
  if (levels.length < 3 || levels.length > 4 || levels[levels.length - 1] !== 'config') return undefined;
  const [component, ...ids] = levels.slice(0, -1);
  if (!/^\w+$/.test(component) || !ids.every((id) => ID.test(id))) return undefined;
  return ids.length === 2 ? { component, nodeId: ids[0], objectId: ids[1] } : { component, objectId: ids[0] };
}

function isSupported(component: string): component is SupportedComponent {
  return (SUPPORTED as readonly string[]).includes(component);
}

function unsupportedReason(component: string): string {
  return UNSUPPORTED_HA_PLATFORMS.has(component)
    ? `Home Assistant '${component}' entities are not supported by Hearth yet`
    : `'${component}' is not a Home Assistant MQTT platform`;
}

/**
 * Expands abbreviated keys: at the root, in `device`, `origin`, each `availability` entry and each device-based
 * component. Unknown keys pass through; when both forms are present the abbreviated one wins, as in HA.
 */
export function expandAbbreviations(config: Readonly<Config>): Config {
  const out = renameKeys(config, ABBREVIATIONS);
  if (isJsonObject(out.device)) out.device = renameKeys(out.device, DEVICE_ABBREVIATIONS);
  if (isJsonObject(out.origin)) out.origin = renameKeys(out.origin, ORIGIN_ABBREVIATIONS);
  if (Array.isArray(out.availability)) {
    out.availability = out.availability.map((entry: unknown) => (isJsonObject(entry) ? renameKeys(entry, ABBREVIATIONS) : entry));
  } else if (isJsonObject(out.availability)) {
    out.availability = renameKeys(out.availability, ABBREVIATIONS);
  }
  if (isJsonObject(out.components)) {
    out.components = Object.fromEntries(
      Object.entries(out.components).map(([id, component]) => [id, isJsonObject(component) ? expandAbbreviations(component) : component]),
    );
  }
  return out;
}

function renameKeys(config: Readonly<Config>, table: Readonly<Record<string, string>>): Config {
  const out: Config = {};
  // Plain keys first, so an abbreviated key overwrites its long form. A JSON `__proto__` key is dropped: assigned
  // here it would replace the object's prototype.
  for (const [key, value] of Object.entries(config)) {
    if (!Object.hasOwn(table, key) && key !== '__proto__') out[key] = value;
  }
  for (const [key, value] of Object.entries(config)) {
    if (Object.hasOwn(table, key)) out[table[key]] = value;
  }
  return out;
}

/** `~` at the start or end of any `*topic` value (and of availability topics) stands for the base topic. */
function replaceTopicBase(config: Readonly<Config>): Config {
  if (typeof config[TOPIC_BASE] !== 'string') return { ...config };
  const base = config[TOPIC_BASE];
  // Both checks look at the original value, as Home Assistant's do.
  const expand = (value: string): string => {
    let out = value;
    if (value.startsWith(TOPIC_BASE)) out = base + value.slice(1);
    if (value.endsWith(TOPIC_BASE)) out = value.slice(0, -1) + base;
    return out;
  };
  const out: Config = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === TOPIC_BASE) continue;
    out[key] = key.endsWith('topic') && typeof value === 'string' && value ? expand(value) : value;
  }
  const availability = out.availability;
  const entries = Array.isArray(availability) ? availability : isJsonObject(availability) ? [availability] : [];
  const expanded = entries.map((entry: unknown) =>
    isJsonObject(entry) && typeof entry.topic === 'string' && entry.topic ? { ...entry, topic: expand(entry.topic) } : entry,
  );
  if (entries.length) out.availability = Array.isArray(availability) ? expanded : expanded[0];
  return out;
}

function parseDevicePayload(topic: string, discoveryId: string, config: Config): DiscoveryResult {
  if (!isJsonObject(config.device)) return { kind: 'invalid', reason: `${topic}: device-based discovery needs a device (dev) object` };
  if (!isJsonObject(config.origin)) return { kind: 'invalid', reason: `${topic}: device-based discovery needs an origin (o) object` };
  if (!isJsonObject(config.components)) return { kind: 'invalid', reason: `${topic}: device-based discovery needs a components (cmps) object` };

  const { components, ...shared } = config;
  const definitions: EntityDefinition[] = [];
  const skipped: Array<{ component: string; reason: string }> = [];
  const warnings: string[] = [];
  for (const [id, component] of Object.entries(components)) {
    if (!isJsonObject(component)) {
      skipped.push({ component: id, reason: 'the component config must be an object' });
      continue;
    }
    const platform = component.platform;
    if (typeof platform !== 'string') {
      skipped.push({ component: id, reason: 'the component needs a platform (p)' });
      continue;
    }
    // A component holding only its platform is HA's way of removing it; replacing the set does that.
    if (Object.keys(component).length === 1) continue;
    if (!isSupported(platform)) {
      skipped.push({ component: id, reason: unsupportedReason(platform) });
      continue;
    }
    const merged = replaceTopicBase({ ...shared, ...component, device: config.device, origin: config.origin });
    const built = buildDefinition(platform, merged, { origin: topic, derivedUniqueId: `ha:device/${discoveryId}/${id}` });
    if (!built.ok) {
      skipped.push({ component: id, reason: built.reason });
    } else if (definitions.some((d) => d.uniqueId === built.definition.uniqueId)) {
      skipped.push({ component: id, reason: `unique_id ${built.definition.uniqueId} is used by another component` });
    } else {
      definitions.push(built.definition);
      warnings.push(...built.warnings.map((w) => `${id}: ${w}`));
    }
  }
  return { kind: 'definitions', origin: topic, definitions, skipped, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Building one definition

type BuildResult = { ok: true; definition: EntityDefinition; warnings: string[] } | { ok: false; ignored: boolean; reason: string };

/** A config problem; thrown inside the builder and turned into a result at its boundary. */
class ConfigError extends Error {
  constructor(
    message: string,
    readonly ignored = false,
  ) {
    super(message);
  }
}

function buildDefinition(component: SupportedComponent, config: Config, context: { origin: string; derivedUniqueId: string }): BuildResult {
  const reader = new ConfigReader(config);
  try {
    const definition = BUILDERS[component](reader, context);
    return { ok: true, definition, warnings: reader.warnings };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, ignored: error.ignored, reason: error.message };
    throw error;
  }
}

type PlainCommand = Extract<CommandTarget, { format: 'plain' }>;
type PlainTemplates = NonNullable<PlainCommand['templates']>;

type Controls = NonNullable<EntityDefinition['controls']>;

/** A cover's or valve's state payloads (HA state_open, state_opening, state_closed, state_closing). */
function openClosedStates(r: ConfigReader): Record<string, string> {
  return {
    open: r.payload('state_open', 'open'),
    opening: r.payload('state_opening', 'opening'),
    closed: r.payload('state_closed', 'closed'),
    closing: r.payload('state_closing', 'closing'),
  };
}

/** Controls, or none at all when the config gave no command topic (a read-only cover, say). */
function withControls(controls: Controls): Controls | undefined {
  return Object.keys(controls).length ? controls : undefined;
}

type Builder = (r: ConfigReader, context: { origin: string; derivedUniqueId: string }) => EntityDefinition;

const BUILDERS: Record<SupportedComponent, Builder> = {
  sensor(r, context) {
    const unit = r.unit();
    const deviceClass = r.string('device_class');
    const kind: EntityKind = deviceClass === 'power' && (unit === undefined || POWER_UNITS.has(unit)) ? 'power_meter' : 'sensor';
    return {
      ...r.common('sensor', kind, context),
      unit,
      stateClass: r.stateClass(),
      state: { topic: r.requiredTopic('state_topic', 'a sensor'), value: r.valueTemplate('value_template') },
      expireAfterSeconds: r.number('expire_after'),
    };
  },

  binary_sensor(r, context) {
    return {
      ...r.common('binary_sensor', 'binary_sensor', context),
      state: {
        topic: r.requiredTopic('state_topic', 'a binary_sensor'),
        value: r.valueTemplate('value_template'),
        payloadOn: r.payload('payload_on', 'ON'),
        payloadOff: r.payload('payload_off', 'OFF'),
      },
      offDelaySeconds: r.number('off_delay'),
      expireAfterSeconds: r.number('expire_after'),
    };
  },

  switch(r, context) {
    const payloadOn = r.payload('payload_on', 'ON');
    const payloadOff = r.payload('payload_off', 'OFF');
    const stateTopic = r.topic('state_topic');
    const commandTemplate = r.essentialCommandTemplate('command_template');
    return {
      ...r.common('switch', 'switch', context),
      state: stateTopic === undefined ? undefined : {
        topic: stateTopic,
        value: r.valueTemplate('value_template'),
        payloadOn: r.payload('state_on', payloadOn),
        payloadOff: r.payload('state_off', payloadOff),
      },
      command: {
        format: 'plain',
        topic: r.requiredPublishTopic('command_topic', 'a switch'),
        payloadOn,
        payloadOff,
        templates: commandTemplate === undefined ? undefined : { command: commandTemplate },
        qos: r.qos(),
      },
    };
  },

  climate(r, context) {
    const modeState = r.topic('mode_state_topic');
    const attributes: AttributeSource[] = [];
    const current = r.topic('current_temperature_topic');
    if (current) attributes.push({ name: CONTROL_ATTRIBUTES.currentTemperature, topic: current, value: r.valueTemplate('current_temperature_template') });
    const target = r.topic('temperature_state_topic');
    if (target) attributes.push({ name: CONTROL_ATTRIBUTES.targetTemperature, topic: target, value: r.valueTemplate('temperature_state_template') });
    const controls: Controls = {};
    const targetCommand = r.publishTopic('temperature_command_topic');
    if (targetCommand) {
      controls.targetTemperature = {
        topic: targetCommand,
        min: r.number('min_temp') ?? CLIMATE_MIN_TEMP,
        max: r.number('max_temp') ?? CLIMATE_MAX_TEMP,
        step: r.positiveNumber('temp_step') ?? 1,
        template: r.essentialCommandTemplate('temperature_command_template'),
        qos: r.qos(),
      };
    }
    const modeCommand = r.publishTopic('mode_command_topic');
    const modes = r.has('modes') ? r.stringList('modes') : CLIMATE_MODES;
    if (modeCommand) controls.hvacMode = { topic: modeCommand, options: modes, template: r.essentialCommandTemplate('mode_command_template'), qos: r.qos() };
    return {
      ...r.common('climate', 'climate', context),
      unit: r.choice('temperature_unit', ['C', 'F'] as const) === 'F' ? '°F' : '°C',
      state: modeState === undefined ? undefined : { topic: modeState, value: r.valueTemplate('mode_state_template') },
      attributes,
      controls: withControls(controls),
    };
  },

  cover(r, context) {
    const range: [number, number] = [r.number('position_closed') ?? 0, r.number('position_open') ?? 100];
    const stateTopic = r.topic('state_topic');
    const positionTopic = r.topic('position_topic');
    const controls: Controls = {};
    const command = r.publishTopic('command_topic');
    const template = r.essentialCommandTemplate('command_template');
    const qos = r.qos();
    if (command) {
      controls.open = { topic: command, payloads: { true: r.payload('payload_open', 'OPEN'), false: r.payload('payload_close', 'CLOSE') }, template, qos };
      // `payload_stop: null` says the cover cannot stop.
      if (fieldOf(r.raw, 'payload_stop') !== null) controls.stop = { topic: command, payloads: { true: r.payload('payload_stop', 'STOP') }, template, qos };
    }
    const setPosition = r.publishTopic('set_position_topic');
    if (setPosition) controls.position = { topic: setPosition, min: 0, max: 100, deviceRange: range, template: r.essentialCommandTemplate('set_position_template'), qos };
    return {
      ...r.common('cover', 'cover', context),
      state: stateTopic === undefined ? undefined : {
        topic: stateTopic,
        value: r.valueTemplate('value_template'),
        states: { ...openClosedStates(r), stopped: r.payload('state_stopped', 'stopped') },
      },
      attributes: positionTopic ? [{ name: CONTROL_ATTRIBUTES.position, topic: positionTopic, value: r.valueTemplate('position_template'), deviceRange: range }] : [],
      controls: withControls(controls),
    };
  },

  valve(r, context) {
    const range: [number, number] = [r.number('position_closed') ?? 0, r.number('position_open') ?? 100];
    const reportsPosition = r.boolean('reports_position') === true;
    const stateTopic = r.topic('state_topic');
    const value = r.valueTemplate('value_template');
    const command = r.publishTopic('command_topic');
    const template = r.essentialCommandTemplate('command_template');
    const qos = r.qos();
    const controls: Controls = {};
    if (command) {
      // A valve that reports its position is sent positions, also to open and close it.
      const payloads = reportsPosition
        ? { true: String(range[1]), false: String(range[0]) }
        : { true: r.payload('payload_open', 'OPEN'), false: r.payload('payload_close', 'CLOSE') };
      controls.open = { topic: command, payloads, template, qos };
      if (r.has('payload_stop')) controls.stop = { topic: command, payloads: { true: r.payload('payload_stop', 'STOP') }, template, qos };
      if (reportsPosition) controls.position = { topic: command, min: 0, max: 100, deviceRange: range, template, qos };
    }
    const definition: EntityDefinition = { ...r.common('valve', 'valve', context), controls: withControls(controls) };
    if (stateTopic === undefined) return definition;
    if (reportsPosition) return { ...definition, attributes: [{ name: CONTROL_ATTRIBUTES.position, topic: stateTopic, value, deviceRange: range }] };
    return { ...definition, state: { topic: stateTopic, value, states: openClosedStates(r) } };
  },

  lock(r, context) {
    const command = r.requiredPublishTopic('command_topic', 'a lock');
    const stateTopic = r.topic('state_topic');
    return {
      ...r.common('lock', 'lock', context),
      state: stateTopic === undefined ? undefined : {
        topic: stateTopic,
        value: r.valueTemplate('value_template'),
        states: {
          locked: r.payload('state_locked', 'LOCKED'),
          unlocked: r.payload('state_unlocked', 'UNLOCKED'),
          locking: r.payload('state_locking', 'LOCKING'),
          unlocking: r.payload('state_unlocking', 'UNLOCKING'),
          jammed: r.payload('state_jammed', 'JAMMED'),
          open: r.payload('state_open', 'OPEN'),
          opening: r.payload('state_opening', 'OPENING'),
        },
      },
      controls: {
        locked: {
          topic: command,
          payloads: { true: r.payload('payload_lock', 'LOCK'), false: r.payload('payload_unlock', 'UNLOCK') },
          template: r.essentialCommandTemplate('command_template'),
          qos: r.qos(),
        },
      },
    };
  },

  fan(r, context) {
    const payloadOn = r.payload('payload_on', 'ON');
    const payloadOff = r.payload('payload_off', 'OFF');
    const stateTopic = r.topic('state_topic');
    const commandTemplate = r.essentialCommandTemplate('command_template');
    const qos = r.qos();
    const range: [number, number] = [r.number('speed_range_min') ?? 1, r.number('speed_range_max') ?? 100];
    const attributes: AttributeSource[] = [];
    const controls: Controls = {};
    const percentageState = r.topic('percentage_state_topic');
    if (percentageState) attributes.push({ name: CONTROL_ATTRIBUTES.percentage, topic: percentageState, value: r.valueTemplate('percentage_value_template'), deviceRange: range });
    const percentageCommand = r.publishTopic('percentage_command_topic');
    if (percentageCommand) {
      controls.percentage = { topic: percentageCommand, min: 0, max: 100, deviceRange: range, template: r.essentialCommandTemplate('percentage_command_template'), qos };
    }
    const presetState = r.topic('preset_mode_state_topic');
    if (presetState) attributes.push({ name: CONTROL_ATTRIBUTES.preset, topic: presetState, value: r.valueTemplate('preset_mode_value_template') });
    const presetCommand = r.publishTopic('preset_mode_command_topic');
    const presets = r.stringList('preset_modes');
    if (presetCommand && presets.length) {
      controls.preset = { topic: presetCommand, options: presets, template: r.essentialCommandTemplate('preset_mode_command_template'), qos };
    }
    return {
      ...r.common('fan', 'fan', context),
      state: stateTopic === undefined ? undefined : { topic: stateTopic, value: r.valueTemplate('state_value_template'), payloadOn, payloadOff },
      attributes,
      command: {
        format: 'plain',
        topic: r.requiredPublishTopic('command_topic', 'a fan'),
        payloadOn,
        payloadOff,
        templates: commandTemplate === undefined ? undefined : { command: commandTemplate },
        qos,
      },
      controls: withControls(controls),
    };
  },

  number(r, context) {
    const stateTopic = r.topic('state_topic');
    const min = r.number('min') ?? 1;
    const max = r.number('max') ?? 100;
    if (min > max) throw new ConfigError('min must not be above max');
    return {
      ...r.common('number', 'number', context),
      unit: r.unit(),
      state: stateTopic === undefined ? undefined : { topic: stateTopic, value: r.valueTemplate('value_template') },
      controls: {
        value: {
          topic: r.requiredPublishTopic('command_topic', 'a number'),
          min,
          max,
          step: r.positiveNumber('step') ?? 1,
          template: r.essentialCommandTemplate('command_template'),
          qos: r.qos(),
        },
      },
    };
  },

  select(r, context) {
    const stateTopic = r.topic('state_topic');
    const options = r.stringList('options');
    if (options.length === 0) throw new ConfigError('a select needs options');
    return {
      ...r.common('select', 'select', context),
      state: stateTopic === undefined ? undefined : { topic: stateTopic, value: r.valueTemplate('value_template') },
      controls: {
        value: { topic: r.requiredPublishTopic('command_topic', 'a select'), options, template: r.essentialCommandTemplate('command_template'), qos: r.qos() },
      },
    };
  },

  button(r, context) {
    return {
      ...r.common('button', 'button', context),
      controls: {
        press: {
          topic: r.requiredPublishTopic('command_topic', 'a button'),
          payloads: { true: r.payload('payload_press', 'PRESS') },
          template: r.essentialCommandTemplate('command_template'),
          qos: r.qos(),
        },
      },
    };
  },

  light(r, context) {
    const schema = r.string('schema') ?? 'default';
    if (schema === 'template') throw new ConfigError('template-schema lights are not supported', true);
    if (schema === 'json') return jsonLight(r, context);
    if (schema !== 'default' && schema !== 'basic') throw new ConfigError(`unknown light schema ${JSON.stringify(schema)}`);
    return defaultLight(r, context);
  },
};

function defaultLight(r: ConfigReader, context: { origin: string; derivedUniqueId: string }): EntityDefinition {
  const common = r.common('light', 'light', context);
  const payloadOn = r.payload('payload_on', 'ON');
  const payloadOff = r.payload('payload_off', 'OFF');
  const stateTopic = r.topic('state_topic');
  const attributes: AttributeSource[] = [];
  const templates: PlainTemplates = {};
  const command: PlainCommand = {
    format: 'plain',
    topic: r.requiredPublishTopic('command_topic', 'a light'),
    payloadOn,
    payloadOff,
    onCommandType: r.choice('on_command_type', ['first', 'last', 'brightness'] as const),
    qos: r.qos(),
  };
  const commandTemplate = r.essentialCommandTemplate('command_template');
  if (commandTemplate) templates.command = commandTemplate;

  // Brightness, colour temperature and RGB are optional: a template outside the subset drops the feature.
  const features = [
    { key: 'brightness', name: 'brightness', variables: ['value'] },
    { key: 'color_temp', name: 'colorTemp', variables: ['value'] },
    { key: 'rgb', name: 'rgb', variables: ['value', 'red', 'green', 'blue'] },
  ] as const;
  const supports: EntityDefinition['supports'] = {};
  for (const { key, name, variables } of features) {
    const commandTopic = r.publishTopic(`${key}_command_topic`);
    const featureStateTopic = r.topic(`${key}_state_topic`);
    const value = r.optionalValueTemplate(`${key}_value_template`);
    const template = r.optionalCommandTemplate(`${key}_command_template`, variables);
    if (value === null || template === null) continue;
    if (featureStateTopic) attributes.push({ name, topic: featureStateTopic, value });
    if (!commandTopic) continue;
    supports[name] = true;
    command[`${name}Topic`] = commandTopic;
    if (template) templates[name] = template;
  }
  if (Object.keys(templates).length) command.templates = templates;
  const scale = r.positiveNumber('brightness_scale');
  return {
    ...common,
    state: stateTopic === undefined ? undefined : { topic: stateTopic, value: r.valueTemplate('state_value_template'), payloadOn, payloadOff },
    attributes,
    command,
    supports,
    // A read-only brightness (state topic, no command topic) is still in the device's scale.
    brightnessScale: supports.brightness || attributes.some((a) => a.name === 'brightness') ? (scale ?? 255) : undefined,
    colorTempUnit: r.boolean('color_temp_kelvin') ? 'kelvin' : undefined,
  };
}

const BRIGHTNESS_MODES = ['brightness', 'color_temp', 'hs', 'xy', 'rgb', 'rgbw', 'rgbww', 'white'];

const LEGACY_JSON_LIGHT_FLAGS = ['color_temp', 'hs', 'rgb', 'xy'];

function jsonLight(r: ConfigReader, context: { origin: string; derivedUniqueId: string }): EntityDefinition {
  const modes = r.stringList('supported_color_modes');
  // Before supported_color_modes, HA's JSON lights declared features with booleans.
  const has = (mode: string): boolean => modes.includes(mode) || (LEGACY_JSON_LIGHT_FLAGS.includes(mode) && r.boolean(mode) === true);
  const colorMode = ['rgb', 'rgbw', 'rgbww'].some(has) ? 'rgb' : has('hs') ? 'hs' : has('xy') ? 'xy' : undefined;
  const supports: EntityDefinition['supports'] = {};
  if (r.boolean('brightness') === true || modes.some((m) => BRIGHTNESS_MODES.includes(m))) supports.brightness = true;
  if (has('color_temp')) supports.colorTemp = true;
  if (colorMode) supports.rgb = true;
  const stateTopic = r.topic('state_topic');
  return {
    ...r.common('light', 'light', context),
    state: stateTopic === undefined ? undefined : { topic: stateTopic, value: { kind: 'raw' }, format: 'json' },
    command: { format: 'json', topic: r.requiredPublishTopic('command_topic', 'a light'), colorMode, qos: r.qos() },
    supports,
    brightnessScale: supports.brightness ? (r.positiveNumber('brightness_scale') ?? 255) : undefined,
    colorTempUnit: r.boolean('color_temp_kelvin') ? 'kelvin' : undefined,
  };
}

/** Typed access to an expanded config; a wrong type is a ConfigError naming the key. */
/** Discovery takes a config or refuses it for its first problem, as `<key> <what is wrong>`. */
class FirstProblem extends FieldReader {
  override fail(path: string, message: string): never {
    throw new ConfigError(`${path} ${message}`);
  }
}

class ConfigReader {
  readonly warnings: string[] = [];
  // Typed outright, so that its `never` narrows where it is called.
  private readonly fields: FirstProblem = new FirstProblem();

  constructor(private readonly config: Config) {}

  /** The config itself, for keys whose null means something (`payload_stop: null`). */
  get raw(): Readonly<Config> {
    return this.config;
  }

  has(key: string): boolean {
    return fieldOf(this.config, key) !== undefined;
  }

  string(key: string): string | undefined {
    return this.fields.string(this.config, key, '', { min: 0 });
  }

  /** HA accepts numbers and booleans where a payload string is expected and compares their text. */
  payload(key: string, fallback: string): string {
    const value = fieldOf(this.config, key);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') this.fields.fail(key, 'must be a string');
    return toText(value);
  }

  number(key: string): number | undefined {
    return this.fields.number(this.config, key, '');
  }

  positiveNumber(key: string): number | undefined {
    const value = this.number(key);
    if (value !== undefined && value <= 0) this.fields.fail(key, 'must be greater than 0');
    return value;
  }

  boolean(key: string): boolean | undefined {
    return this.fields.boolean(this.config, key, '');
  }

  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    return this.fields.oneOf(this.config, key, '', choices);
  }

  stringList(key: string): string[] {
    return this.fields.list(this.config, key, '', (value, path) => (typeof value === 'string' ? value : this.fields.fail(path, 'must be a string'))) ?? [];
  }

  topic(key: string): string | undefined {
    const value = this.string(key);
    if (value === '') this.fields.fail(key, 'must not be empty');
    return value;
  }

  publishTopic(key: string): string | undefined {
    const value = this.topic(key);
    if (value !== undefined && !isValidTopicName(value)) this.fields.fail(key, 'must not contain wildcards');
    return value;
  }

  requiredTopic(key: string, what: string): string {
    const value = this.topic(key);
    if (value === undefined) throw new ConfigError(`${what} needs a ${key}`);
    return value;
  }

  requiredPublishTopic(key: string, what: string): string {
    const value = this.publishTopic(key);
    if (value === undefined) throw new ConfigError(`${what} needs a ${key}`);
    return value;
  }

  unit(): string | undefined {
    // Tasmota sends " " for unitless readings; a blank unit is no unit.
    return this.string('unit_of_measurement')?.trim() || undefined;
  }

  stateClass(): EntityDefinition['stateClass'] {
    const value = this.string('state_class');
    if (value === undefined || (STATE_CLASSES as readonly string[]).includes(value)) return value as EntityDefinition['stateClass'];
    this.warnings.push(`state_class ${JSON.stringify(value)} is not one of ${STATE_CLASSES.join(', ')}; ignored`);
    return undefined;
  }

  qos(): 0 | 1 | undefined {
    const value = this.number('qos');
    if (value === undefined) return undefined;
    if (![0, 1, 2].includes(value)) this.fields.fail('qos', 'must be 0, 1 or 2');
    // Hearth publishes commands at QoS 0 or 1; QoS 2 becomes 1.
    return value === 0 ? 0 : 1;
  }

  /** An essential template: outside the subset, the definition is rejected. */
  valueTemplate(key: string): ValueExtractor {
    const source = this.string(key);
    if (source === undefined) return { kind: 'raw' };
    const compiled = compileTemplate(source);
    if (!compiled.ok) throw new ConfigError(`${key}: ${describeTemplateError(compiled.error)}`);
    return { kind: 'template', template: source };
  }

  /** An optional feature's template: outside the subset gives null and a warning. */
  optionalValueTemplate(key: string): ValueExtractor | null {
    const source = this.string(key);
    if (source === undefined) return { kind: 'raw' };
    const compiled = compileTemplate(source);
    if (compiled.ok) return { kind: 'template', template: source };
    this.warnings.push(`${key}: ${describeTemplateError(compiled.error)}; the feature is left out`);
    return null;
  }

  /** A template shaping the on/off payload: outside the subset, the definition is rejected. */
  essentialCommandTemplate(key: string): string | undefined {
    const source = this.string(key);
    if (source === undefined) return undefined;
    const compiled = compileTemplate(source, ['value']);
    if (!compiled.ok) throw new ConfigError(`${key}: ${describeTemplateError(compiled.error)}`);
    return source;
  }

  /** A feature's command template: undefined when absent, null and a warning when outside the subset. */
  optionalCommandTemplate(key: string, variables: readonly string[]): string | undefined | null {
    const source = this.string(key);
    if (source === undefined) return undefined;
    const compiled = compileTemplate(source, variables);
    if (compiled.ok) return source;
    this.warnings.push(`${key}: ${describeTemplateError(compiled.error)}; the feature is left out`);
    return null;
  }

  /** The fields every kind shares: ids, names, device, availability, JSON attributes. */
  common(component: SupportedComponent, kind: EntityKind, context: { origin: string; derivedUniqueId: string }): EntityDefinition {
    const device = this.device();
    const name = this.friendlyName(component, device);
    const jsonAttributesTopic = this.topic('json_attributes_topic');
    const jsonAttributesValue = jsonAttributesTopic ? this.optionalValueTemplate('json_attributes_template') : undefined;
    const category = this.string('entity_category');
    return {
      uniqueId: this.uniqueId(context.derivedUniqueId),
      kind,
      objectId: this.objectId(name),
      name,
      device,
      deviceClass: this.string('device_class'),
      attributes: [],
      jsonAttributesTopic: jsonAttributesValue === null ? undefined : jsonAttributesTopic,
      jsonAttributesValue: jsonAttributesValue?.kind === 'template' ? jsonAttributesValue : undefined,
      availability: this.availability(),
      supports: {},
      entityCategory: category === 'config' || category === 'diagnostic' ? category : undefined,
      enabledByDefault: this.boolean('enabled_by_default'),
      source: 'discovery',
      origin: context.origin,
    };
  }

  private uniqueId(derived: string): string {
    const value = this.config.unique_id;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
    return derived;
  }

  private device(): DeviceInfo | undefined {
    if (!this.has('device')) return undefined;
    const device = this.config.device;
    if (!isJsonObject(device)) this.fields.fail('device', 'must be an object');
    const ids = device.identifiers;
    const identifiers = (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).filter(isScalar).map(toText);
    const connection = Array.isArray(device.connections) ? device.connections.find((c) => Array.isArray(c) && c.length === 2) : undefined;
    const id = identifiers[0] ?? (connection ? `${toText(connection[0])}:${toText(connection[1])}` : undefined);
    if (id === undefined) throw new ConfigError('device needs identifiers or connections');
    const text = (key: string): string | undefined => (isScalar(device[key]) ? toText(device[key]) : undefined);
    return {
      id,
      name: text('name') ?? id,
      manufacturer: text('manufacturer'),
      model: text('model'),
      area: text('suggested_area'),
      swVersion: text('sw_version'),
      transport: 'mqtt',
    };
  }

  /**
   * HA's naming (entityName): `name: null` means the device's main feature; an absent name is the device class
   * (as in HA), else the device itself; without a device, HA's default name for the platform.
   */
  private friendlyName(component: SupportedComponent, device: DeviceInfo | undefined): string {
    const raw = this.config.name;
    const deviceName = isJsonObject(this.config.device) && isScalar(this.config.device.name) ? toText(this.config.device.name) : undefined;
    if (raw === null) return deviceName ?? device?.name ?? DEFAULT_NAMES[component];
    const deviceClass = typeof this.config.device_class === 'string' ? this.config.device_class : undefined;
    const own = (typeof raw === 'string' ? raw.trim() : '') || (deviceClass ? humanize(deviceClass) : undefined);
    return entityName(deviceName, own) ?? DEFAULT_NAMES[component];
  }

  private objectId(name: string): string {
    const defaultEntityId = this.config.default_entity_id;
    if (typeof defaultEntityId === 'string' && defaultEntityId.includes('.')) return slugify(defaultEntityId.slice(defaultEntityId.indexOf('.') + 1));
    const objectId = this.config.object_id;
    if (typeof objectId === 'string' && objectId !== '') return slugify(objectId);
    return slugify(name);
  }

  private availability(): AvailabilitySource | undefined {
    const list = this.config.availability;
    const single = this.topic('availability_topic');
    if (this.has('availability') && single !== undefined) {
      throw new ConfigError('availability and availability_topic must not be used together');
    }
    const mode = this.choice('availability_mode', ['all', 'any', 'latest'] as const) ?? 'latest';
    if (single !== undefined) {
      return {
        mode,
        topics: [
          {
            topic: single,
            payloadAvailable: this.payload('payload_available', 'online'),
            payloadNotAvailable: this.payload('payload_not_available', 'offline'),
            value: this.valueTemplate('availability_template'),
          },
        ],
      };
    }
    if (!this.has('availability')) return undefined;
    const entries = Array.isArray(list) ? list : [list];
    const topics = entries.map((entry, i) => {
      if (!isJsonObject(entry)) this.fields.fail(`availability[${i}]`, 'must be an object');
      const reader = new ConfigReader(entry);
      try {
        return {
          topic: reader.requiredTopic('topic', `availability[${i}]`),
          payloadAvailable: reader.payload('payload_available', 'online'),
          payloadNotAvailable: reader.payload('payload_not_available', 'offline'),
          value: reader.valueTemplate('value_template'),
        };
      } catch (error) {
        if (error instanceof ConfigError && !error.message.startsWith('availability')) throw new ConfigError(`availability[${i}].${error.message}`);
        throw error;
      }
    });
    return topics.length ? { mode, topics } : undefined;
  }
}

function humanize(deviceClass: string): string {
  const words = deviceClass.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
