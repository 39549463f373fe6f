import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import {
  ENTITY_KINDS,
  KIND_FEATURES,
  type AttributeSource,
  type Control,
  type ControlFeature,
  type AvailabilitySource,
  type CommandTarget,
  type EntityDefinition,
  type EntityKind,
  type StateSource,
  type ValueExtractor,
} from './definition.js';
import { FieldReader, fieldPath, isJsonObject, type JsonObject } from '@hearth/field-reader';
import { isValidTopicName } from '@hearth/mqtt-topics';
import { checkExtractor } from '../values/extract.js';
import { compileTemplate } from '../values/template.js';
import { entityName } from './naming.js';
import { slugify } from './slug.js';

/**
 * Device profiles describe a kind of device by its topics, with `{device}` standing for the device id (one
 * topic level or part of one: `tele/{device}/SENSOR`, `shellies/shellyplug-s-{device}/relay/0`). Seeing any of
 * a profile's `reveal` topics (by default every state, attribute and availability topic; never command topics)
 * reveals a device of that kind.
 *
 * File format (YAML or JSON), one profile per file:
 *
 *   id: tasmota-plug                 # [a-z0-9-]+, unique across files
 *   name: Tasmota smart plug         # what kind of device this is
 *   transport: mqtt                  # mqtt (default) or mqtt-sn
 *   manufacturer: Tasmota            # optional, as is model
 *   reveal: [tele/{device}/LWT]      # optional
 *   availability:                    # optional
 *     mode: latest                   # latest (default), any or all
 *     topics:
 *       - { topic: tele/{device}/LWT, payloadAvailable: Online, payloadNotAvailable: Offline }
 *   entities:
 *     - id: relay                    # [a-z0-9_]+, unique in the profile
 *       kind: switch                 # light, switch, power_meter, sensor, binary_sensor, climate, cover, fan,
 *                                    # lock, valve, number, select, button
 *       name: Relay                  # optional; without it the entity is the device's main feature
 *       deviceClass/unit/stateClass  # optional
 *       state: { topic, value, payloadOn, payloadOff, format, states }   # states: { open: 'ON', closed: 'OFF' }
 *       extraStates: [ … ]           # more topics reporting the same state
 *       attributes: [ { name, topic, value, unit, deviceRange } ]
 *       command: { topic, payloadOn, payloadOff, format, brightnessTopic, colorTempTopic, rgbTopic, colorMode, qos,
 *                  onCommandType, templates: { command, brightness, colorTemp, rgb } }
 *                                    # lights, switches and fans: on/off
 *       controls:                    # the kind's other features (KIND_FEATURES), e.g. for a valve:
 *         open: { topic: "garden/{device}/valve/set", payloads: { "true": "ON", "false": "OFF" } }
 *         # each: { topic, payloads, min, max, step, deviceRange, options, template, qos }
 *       brightnessScale: 100         # lights only
 *       supports: { brightness: true } # lights with JSON commands; plain ones support what they have topics for
 *
 * `value` is `raw` (the default), `{ jsonPath: ENERGY.Power }` or `{ template: '{{ value_json.x }}' }`; a
 * template also converts units (`{{ value | float / 60 }}`: Shelly Gen1's watt-minutes to Wh).
 * Command templates shape what is sent, as Home Assistant's command templates do (`value` is the plain
 * payload; the rgb one also sees `red`, `green`, `blue`): a JSON-RPC request, say. `{device}` is filled in
 * command payloads and templates too. `onCommandType` is `last` (default: features, then the on payload),
 * `first`, or `brightness` (a brightness command also switches the light on, so it goes alone).
 */

export const DEVICE_PLACEHOLDER = '{device}';

export interface ProfileError {
  /** The file the problem is in (as given to `parseProfile`, or the path `loadProfiles` read). */
  file: string;
  /** Where in the file, e.g. `entities[1].state.topic`; empty for the whole file. */
  field: string;
  message: string;
}

/** A validated profile; topics still hold the `{device}` placeholder. */
export interface DeviceProfile {
  id: string;
  name: string;
  file: string;
  transport: 'mqtt' | 'mqtt-sn';
  manufacturer?: string;
  model?: string;
  reveal: string[];
  availability?: AvailabilitySource;
  entities: ProfileEntity[];
}

export interface ProfileEntity {
  id: string;
  kind: EntityKind;
  name?: string;
  deviceClass?: string;
  unit?: string;
  stateClass?: EntityDefinition['stateClass'];
  state?: StateSource;
  extraStates: StateSource[];
  attributes: AttributeSource[];
  command?: CommandTarget;
  controls?: EntityDefinition['controls'];
  brightnessScale?: number;
  supports: EntityDefinition['supports'];
}

export type ParseProfileResult = { ok: true; profile: DeviceProfile } | { ok: false; errors: ProfileError[] };

/** Reads every `.yaml`, `.yml` and `.json` file in `dir` (sorted by name). Never throws. */
export async function loadProfiles(dir: string): Promise<{ profiles: DeviceProfile[]; errors: ProfileError[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => ['.yaml', '.yml', '.json'].includes(extname(n))).sort();
  } catch (error) {
    return { profiles: [], errors: [{ file: dir, field: '', message: `cannot read the profile directory: ${(error as Error).message}` }] };
  }
  const profiles: DeviceProfile[] = [];
  const errors: ProfileError[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      errors.push({ file, field: '', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const result = parseProfile(text, file);
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const clash = profiles.find((p) => p.id === result.profile.id);
    if (clash) errors.push({ file, field: 'id', message: `profile id ${JSON.stringify(clash.id)} is already used by ${clash.file}` });
    else profiles.push(result.profile);
  }
  return { profiles, errors };
}

/** Parses and validates one profile; every problem is reported, each naming the file and the field. */
export function parseProfile(text: string, file: string): ParseProfileResult {
  const format = extname(file) === '.json' ? 'JSON' : 'YAML';
  let raw: unknown;
  try {
    raw = format === 'JSON' ? JSON.parse(text) : readYaml(text);
  } catch (error) {
    return { ok: false, errors: [{ file, field: '', message: `not valid ${format}: ${(error as Error).message}` }] };
  }
  const v = new ProfileReader(file);
  const profile = v.profile(raw);
  const errors = v.problems.map(({ path, message }) => ({ file, field: path, message }));
  return errors.length || !profile ? { ok: false, errors } : { ok: true, profile };
}

/** YAML's warnings (an unknown `!!tag`, …) are mistakes in a profile too, so they fail it instead of being logged. */
function readYaml(text: string): unknown {
  // logLevel 'error': nothing is printed; problems come back as values.
  const doc = parseDocument(text, { logLevel: 'error' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw problem;
  return doc.toJS();
}

/** The devices a topic reveals: one per profile whose reveal topics it fits (every message asks, so no definitions yet). */
export function revealedDevices(profiles: readonly DeviceProfile[], topic: string): Array<{ profile: DeviceProfile; deviceId: string }> {
  const devices: Array<{ profile: DeviceProfile; deviceId: string }> = [];
  for (const profile of profiles) {
    for (const pattern of profile.reveal) {
      const deviceId = matchPattern(pattern, topic);
      if (deviceId === undefined) continue;
      devices.push({ profile, deviceId });
      break;
    }
  }
  return devices;
}

/** The entity definitions of one device of a profile. */
export function profileDefinitions(profile: DeviceProfile, deviceId: string): EntityDefinition[] {
  // Topics hold the placeholder once; command payloads may name the device more than once (a JSON-RPC request's source).
  const fill = (text: string): string => text.replaceAll(DEVICE_PLACEHOLDER, deviceId);
  const fillState = (s: StateSource): StateSource => ({ ...s, topic: fill(s.topic) });
  const device = {
    id: `${profile.id}/${deviceId}`,
    name: deviceId,
    manufacturer: profile.manufacturer,
    model: profile.model ?? profile.name,
    transport: profile.transport,
  };
  const availability = profile.availability && {
    mode: profile.availability.mode,
    topics: profile.availability.topics.map((t) => ({ ...t, topic: fill(t.topic) })),
  };
  return profile.entities.map((entity) => {
    const name = entityName(deviceId, entity.name) ?? deviceId;
    const command = entity.command && fillCommand(entity.command, fill);
    const controls = entity.controls && Object.fromEntries(Object.entries(entity.controls).map(([feature, control]) => [feature, { ...control, topic: fill(control.topic) }]));
    const supports: EntityDefinition['supports'] = { ...entity.supports };
    if (command?.format === 'plain') {
      if (command.brightnessTopic) supports.brightness = true;
      if (command.colorTempTopic) supports.colorTemp = true;
      if (command.rgbTopic) supports.rgb = true;
    }
    return {
      uniqueId: `profile:${profile.id}/${deviceId}/${entity.id}`,
      kind: entity.kind,
      objectId: slugify(name),
      name,
      device,
      deviceClass: entity.deviceClass,
      unit: entity.unit,
      stateClass: entity.stateClass,
      state: entity.state && fillState(entity.state),
      extraStateSources: entity.extraStates.length ? entity.extraStates.map(fillState) : undefined,
      attributes: entity.attributes.map((a) => ({ ...a, topic: fill(a.topic) })),
      availability,
      command,
      controls,
      brightnessScale: entity.brightnessScale ?? (supports.brightness ? 255 : undefined),
      supports,
      source: 'profile',
      origin: `profile:${profile.id}/${deviceId}`,
    };
  });
}

function fillCommand(command: CommandTarget, fill: (text: string) => string): CommandTarget {
  if (command.format === 'json') return { ...command, topic: fill(command.topic) };
  const templates = command.templates && Object.fromEntries(Object.entries(command.templates).map(([name, template]) => [name, template && fill(template)]));
  return {
    ...command,
    payloadOn: fill(command.payloadOn),
    payloadOff: fill(command.payloadOff),
    templates,
    topic: fill(command.topic),
    brightnessTopic: command.brightnessTopic && fill(command.brightnessTopic),
    colorTempTopic: command.colorTempTopic && fill(command.colorTempTopic),
    rgbTopic: command.rgbTopic && fill(command.rgbTopic),
  };
}

const DEVICE_ID = '[^/+#]+';
const patternCache = new Map<string, { prefix: string; suffix: string; regex: RegExp }>();

function matchPattern(pattern: string, topic: string): string | undefined {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    const [before, after] = pattern.split(DEVICE_PLACEHOLDER);
    const escape = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    compiled = { prefix: before, suffix: after, regex: new RegExp(`^${escape(before)}(${DEVICE_ID})${escape(after)}$`) };
    patternCache.set(pattern, compiled);
  }
  // Every message passes here: most topics fail on the literal start or end (`{device}/status/switch:0`), without running the regex.
  return topic.startsWith(compiled.prefix) && topic.endsWith(compiled.suffix) ? compiled.regex.exec(topic)?.[1] : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

const PROFILE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ENTITY_ID = /^[a-z0-9_]+$/;
const STATE_CLASSES = ['measurement', 'total', 'total_increasing'] as const;

/** Walks the raw document, recording every problem with its field path; returns undefined where a part is unusable. */
class ProfileReader extends FieldReader {
  constructor(private readonly file: string) {
    super();
  }

  profile(raw: unknown): DeviceProfile | undefined {
    if (!isJsonObject(raw)) return this.fail('', 'a profile must be a mapping with id, name and entities');
    this.unknownKeys(raw, '', ['id', 'name', 'transport', 'manufacturer', 'model', 'reveal', 'availability', 'entities']);
    const id = this.string(raw, 'id', '', { required: true });
    if (id !== undefined && !PROFILE_ID.test(id)) this.fail('id', 'must be lower-case letters, digits and single hyphens');
    const name = this.string(raw, 'name', '', { required: true });
    const transport = this.oneOf(raw, 'transport', '', ['mqtt', 'mqtt-sn'] as const) ?? 'mqtt';
    const manufacturer = this.string(raw, 'manufacturer', '');
    const model = this.string(raw, 'model', '');
    const entitiesRaw = raw.entities;
    const entities: ProfileEntity[] = [];
    if (!Array.isArray(entitiesRaw) || entitiesRaw.length === 0) {
      this.fail('entities', 'must be a non-empty list');
    } else {
      const seen = new Set<string>();
      entitiesRaw.forEach((raw: unknown, i) => {
        const entity = this.entity(raw, `entities[${i}]`);
        if (!entity) return;
        if (seen.has(entity.id)) this.fail(`entities[${i}].id`, `${JSON.stringify(entity.id)} is used by another entity`);
        seen.add(entity.id);
        entities.push(entity);
      });
    }
    const availability = raw.availability === undefined ? undefined : this.availability(raw.availability, 'availability');
    const ownTopics = [
      ...entities.flatMap((e) => [e.state?.topic, ...e.extraStates.map((s) => s.topic), ...e.attributes.map((a) => a.topic)]),
      ...(availability?.topics.map((t) => t.topic) ?? []),
    ].filter((t): t is string => t !== undefined);
    let reveal = [...new Set(ownTopics)];
    if (raw.reveal !== undefined) {
      if (!Array.isArray(raw.reveal) || raw.reveal.length === 0) this.fail('reveal', 'must be a non-empty list of topics');
      else reveal = raw.reveal.flatMap((t, i) => this.topic(t, `reveal[${i}]`) ?? []);
    }
    if (reveal.length === 0 && this.problems.length === 0) this.fail('reveal', 'the profile has no topic that could reveal a device');
    if (id === undefined || name === undefined || this.problems.length) return undefined;
    return {
      id,
      name,
      file: this.file,
      transport,
      manufacturer,
      model,
      reveal,
      availability,
      entities,
    };
  }

  private entity(raw: unknown, path: string): ProfileEntity | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping');
    this.unknownKeys(raw, path, [
      'id',
      'kind',
      'name',
      'deviceClass',
      'unit',
      'stateClass',
      'state',
      'extraStates',
      'attributes',
      'command',
      'controls',
      'brightnessScale',
      'supports',
    ]);
    const id = this.string(raw, 'id', path, { required: true });
    if (id !== undefined && !ENTITY_ID.test(id)) this.fail(`${path}.id`, 'must be lower-case letters, digits and underscores');
    const kind = this.oneOf(raw, 'kind', path, ENTITY_KINDS);
    if (raw.kind === undefined) this.fail(`${path}.kind`, `required (one of ${ENTITY_KINDS.join(', ')})`);
    const state = raw.state === undefined ? undefined : this.stateSource(raw.state, `${path}.state`);
    const extraStates = this.list(raw, 'extraStates', path, (s, p) => this.stateSource(s, p)) ?? [];
    const attributes = this.list(raw, 'attributes', path, (a, p) => this.attribute(a, p)) ?? [];
    const command = raw.command === undefined ? undefined : this.command(raw.command, `${path}.command`);
    const controls = raw.controls === undefined || kind === undefined ? undefined : this.controls(raw.controls, `${path}.controls`, kind);
    const brightnessScale = this.number(raw, 'brightnessScale', path);
    if (brightnessScale !== undefined && brightnessScale <= 0) this.fail(`${path}.brightnessScale`, 'must be greater than 0');
    const supports = raw.supports === undefined ? {} : this.supports(raw.supports, `${path}.supports`);
    if (kind && kind !== 'light' && (brightnessScale !== undefined || raw.supports !== undefined || (command && command.format === 'json'))) {
      this.fail(path, 'brightnessScale, supports and JSON commands are for lights');
    }
    if (kind && KIND_FEATURES[kind].length === 0) {
      if (raw.state === undefined) this.fail(`${path}.state`, `required for a ${kind}`);
      if (command || raw.controls !== undefined) this.fail(`${path}.command`, `a ${kind} cannot be commanded`);
    } else if (kind && raw.state === undefined && !command && raw.controls === undefined) {
      this.fail(path, 'needs a state, a command or both');
    }
    else if (kind && command && !KIND_FEATURES[kind].includes('on')) this.fail(`${path}.command`, `a ${kind} is commanded through controls, not on/off`);
    if (kind && state && ['cover', 'valve', 'lock'].includes(kind) && !state.states) this.fail(`${path}.state.states`, `required for a ${kind}: the payload of each state`);
    if (id === undefined || kind === undefined) return undefined;
    return {
      id,
      kind,
      name: this.string(raw, 'name', path),
      deviceClass: this.string(raw, 'deviceClass', path),
      unit: this.string(raw, 'unit', path),
      stateClass: this.oneOf(raw, 'stateClass', path, STATE_CLASSES),
      state,
      extraStates,
      attributes,
      command,
      controls,
      brightnessScale,
      supports,
    };
  }

  private controls(raw: unknown, path: string, kind: EntityKind): EntityDefinition['controls'] {
    const features = KIND_FEATURES[kind].filter((f) => !['on', 'brightness', 'colorTemp', 'rgb'].includes(f));
    if (!isJsonObject(raw)) return this.fail(path, `must be a mapping of ${features.join(', ') || 'nothing'} to a topic and payloads`);
    this.unknownKeys(raw, path, features);
    const controls: NonNullable<EntityDefinition['controls']> = {};
    for (const feature of features as ControlFeature[]) {
      const entry = raw[feature];
      if (entry === undefined) continue;
      const at = `${path}.${feature}`;
      if (!isJsonObject(entry)) {
        this.fail(at, 'must be a mapping with a topic');
        continue;
      }
      this.unknownKeys(entry, at, ['topic', 'payloads', 'min', 'max', 'step', 'deviceRange', 'options', 'template', 'qos']);
      const topic = this.topic(entry.topic, `${at}.topic`, true);
      let payloads: Control['payloads'];
      if (entry.payloads !== undefined) {
        if (!isJsonObject(entry.payloads)) this.fail(`${at}.payloads`, 'must be a mapping of "true" and/or "false" to a payload');
        else {
          this.unknownKeys(entry.payloads, `${at}.payloads`, ['true', 'false']);
          payloads = { true: this.payload(entry.payloads, 'true', `${at}.payloads`), false: this.payload(entry.payloads, 'false', `${at}.payloads`) };
        }
      }
      const deviceRange = this.deviceRange(entry, at);
      const template = this.string(entry, 'template', at);
      const compiled = template === undefined ? undefined : compileTemplate(template, ['value']);
      if (compiled && !compiled.ok) this.fail(`${at}.template`, compiled.error.message);
      if (topic === undefined) continue;
      controls[feature] = {
        topic,
        payloads,
        min: this.number(entry, 'min', at),
        max: this.number(entry, 'max', at),
        step: this.number(entry, 'step', at),
        deviceRange,
        options: this.list(entry, 'options', at, (v, p) => (typeof v === 'string' ? v : this.fail(p, 'must be a string'))),
        template,
        qos: this.oneOf(entry, 'qos', at, [0, 1] as const),
      };
    }
    return controls;
  }

  private supports(raw: unknown, path: string): EntityDefinition['supports'] {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping of brightness, colorTemp, rgb to true or false') ?? {};
    this.unknownKeys(raw, path, ['brightness', 'colorTemp', 'rgb']);
    const supports: EntityDefinition['supports'] = {};
    for (const feature of ['brightness', 'colorTemp', 'rgb'] as const) {
      const value = raw[feature];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') this.fail(`${path}.${feature}`, 'must be true or false');
      else if (value) supports[feature] = true;
    }
    return supports;
  }

  private stateSource(raw: unknown, path: string): StateSource | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping with a topic');
    this.unknownKeys(raw, path, ['topic', 'value', 'payloadOn', 'payloadOff', 'format', 'states']);
    const topic = this.topic(raw.topic, `${path}.topic`);
    const value = this.value(raw.value, `${path}.value`);
    const format = this.oneOf(raw, 'format', path, ['plain', 'json'] as const);
    let states: Record<string, string> | undefined;
    if (raw.states !== undefined) {
      if (!isJsonObject(raw.states)) this.fail(`${path}.states`, 'must be a mapping of state names to payloads');
      else states = Object.fromEntries(Object.keys(raw.states).flatMap((name) => {
        const payload = this.payload(raw.states as JsonObject, name, `${path}.states`);
        return payload === undefined || name === '__proto__' ? [] : [[name, payload]];
      }));
    }
    if (topic === undefined || value === undefined) return undefined;
    return { topic, value, payloadOn: this.payload(raw, 'payloadOn', path), payloadOff: this.payload(raw, 'payloadOff', path), format, states };
  }

  private attribute(raw: unknown, path: string): AttributeSource | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping with name and topic');
    this.unknownKeys(raw, path, ['name', 'topic', 'value', 'unit', 'deviceRange']);
    const name = this.string(raw, 'name', path, { required: true });
    const topic = this.topic(raw.topic, `${path}.topic`);
    const value = this.value(raw.value, `${path}.value`);
    const deviceRange = this.deviceRange(raw, path);
    if (name === undefined || topic === undefined || value === undefined) return undefined;
    return { name, topic, value, unit: this.string(raw, 'unit', path), deviceRange };
  }

  /** `[the device's number for 0 %, for 100 %]` of a percentage. */
  private deviceRange(raw: JsonObject, path: string): [number, number] | undefined {
    const range = this.list(raw, 'deviceRange', path, (v, p) => (typeof v === 'number' ? v : this.fail(p, 'must be a number')), { max: 2 });
    if (range === undefined) return undefined;
    if (range.length !== 2) return this.fail(fieldPath(path, 'deviceRange'), "must be [the device's number for 0 %, for 100 %]");
    return [range[0], range[1]];
  }

  private command(raw: unknown, path: string): CommandTarget | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping with a topic');
    this.unknownKeys(raw, path, ['topic', 'payloadOn', 'payloadOff', 'format', 'brightnessTopic', 'colorTempTopic', 'rgbTopic', 'colorMode', 'qos', 'onCommandType', 'templates']);
    const topic = this.topic(raw.topic, `${path}.topic`, true);
    const format = this.oneOf(raw, 'format', path, ['plain', 'json'] as const) ?? 'plain';
    const qos = this.oneOf(raw, 'qos', path, [0, 1] as const);
    if (topic === undefined) return undefined;
    if (format === 'json') {
      for (const key of ['payloadOn', 'payloadOff', 'brightnessTopic', 'colorTempTopic', 'rgbTopic', 'onCommandType', 'templates']) {
        if (raw[key] !== undefined) this.fail(`${path}.${key}`, 'does not apply to JSON commands');
      }
      return { format, topic, colorMode: this.oneOf(raw, 'colorMode', path, ['rgb', 'hs', 'xy'] as const), qos };
    }
    if (raw.colorMode !== undefined) this.fail(`${path}.colorMode`, 'applies to JSON commands only');
    const optionalTopic = (key: string): string | undefined => (raw[key] === undefined ? undefined : this.topic(raw[key], `${path}.${key}`, true));
    return {
      format,
      topic,
      payloadOn: this.payload(raw, 'payloadOn', path) ?? 'ON',
      payloadOff: this.payload(raw, 'payloadOff', path) ?? 'OFF',
      brightnessTopic: optionalTopic('brightnessTopic'),
      colorTempTopic: optionalTopic('colorTempTopic'),
      rgbTopic: optionalTopic('rgbTopic'),
      onCommandType: this.oneOf(raw, 'onCommandType', path, ['first', 'last', 'brightness'] as const),
      templates: raw.templates === undefined ? undefined : this.commandTemplates(raw.templates, `${path}.templates`),
      qos,
    };
  }

  /** Each template must compile in the safe subset with the variables it will get. */
  private commandTemplates(raw: unknown, path: string): NonNullable<Extract<CommandTarget, { format: 'plain' }>['templates']> | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping of command, brightness, colorTemp, rgb to templates');
    this.unknownKeys(raw, path, ['command', 'brightness', 'colorTemp', 'rgb']);
    const templates: Record<string, string> = {};
    for (const name of ['command', 'brightness', 'colorTemp', 'rgb'] as const) {
      const template = this.string(raw, name, path);
      if (template === undefined) continue;
      const compiled = compileTemplate(template, name === 'rgb' ? ['value', 'red', 'green', 'blue'] : ['value']);
      if (compiled.ok) templates[name] = template;
      else this.fail(`${path}.${name}`, compiled.error.message);
    }
    return templates;
  }

  private availability(raw: unknown, path: string): AvailabilitySource | undefined {
    if (!isJsonObject(raw)) return this.fail(path, 'must be a mapping with topics');
    this.unknownKeys(raw, path, ['mode', 'topics']);
    const mode = this.oneOf(raw, 'mode', path, ['all', 'any', 'latest'] as const) ?? 'latest';
    if (!Array.isArray(raw.topics) || raw.topics.length === 0) return this.fail(`${path}.topics`, 'must be a non-empty list');
    const topics = raw.topics.flatMap((entry, i) => {
      const at = `${path}.topics[${i}]`;
      if (!isJsonObject(entry)) return this.fail(at, 'must be a mapping with topic, payloadAvailable, payloadNotAvailable') ?? [];
      this.unknownKeys(entry, at, ['topic', 'payloadAvailable', 'payloadNotAvailable', 'value']);
      const topic = this.topic(entry.topic, `${at}.topic`);
      const value = this.value(entry.value, `${at}.value`);
      const payloadAvailable = this.payload(entry, 'payloadAvailable', at) ?? 'online';
      const payloadNotAvailable = this.payload(entry, 'payloadNotAvailable', at) ?? 'offline';
      return topic === undefined || value === undefined ? [] : [{ topic, value, payloadAvailable, payloadNotAvailable }];
    });
    return topics.length === raw.topics.length ? { mode, topics } : undefined;
  }

  private value(raw: unknown, path: string): ValueExtractor | undefined {
    let extractor: ValueExtractor | undefined;
    if (raw === undefined || raw === 'raw') extractor = { kind: 'raw' };
    else if (isJsonObject(raw) && Object.keys(raw).length === 1 && typeof raw.jsonPath === 'string') extractor = { kind: 'jsonPath', path: raw.jsonPath };
    else if (isJsonObject(raw) && Object.keys(raw).length === 1 && typeof raw.template === 'string') extractor = { kind: 'template', template: raw.template };
    else return this.fail(path, "must be raw, { jsonPath: '…' } or { template: '{{ … }}' }");
    const checked = checkExtractor(extractor);
    return checked.ok ? extractor : this.fail(path, checked.reason);
  }

  private topic(raw: unknown, path: string, publish = false): string | undefined {
    if (isJsonObject(raw)) return this.fail(path, `must be a topic string; quote it in YAML when it starts with ${DEVICE_PLACEHOLDER}`);
    if (typeof raw !== 'string' || raw === '') return this.fail(path, 'must be a topic (a non-empty string)');
    const placeholders = raw.split(DEVICE_PLACEHOLDER).length - 1;
    if (placeholders !== 1) return this.fail(path, `must contain ${DEVICE_PLACEHOLDER} exactly once`);
    if (!isValidTopicName(raw)) return this.fail(path, `must not contain wildcards${publish ? ' (it is published to)' : ''}`);
    if (/[{}]/.test(raw.replace(DEVICE_PLACEHOLDER, ''))) return this.fail(path, `${DEVICE_PLACEHOLDER} is the only placeholder`);
    return raw;
  }

  /** YAML turns `ON` into a string but `1`/`true` into scalars; payloads are compared as text. */
  private payload(raw: JsonObject, key: string, path: string): string | undefined {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    return this.fail(fieldPath(path, key), 'must be a string (quote true/false/yes/no in YAML)');
  }
}

