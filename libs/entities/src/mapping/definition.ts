/**
 * What the hub needs to know to turn MQTT topics into one entity: where its state, attributes and
 * availability come from, and how to command it. Discovery (Home Assistant, Homie), device profiles and
 * manual mappings all produce these; the hub's entity mapper consumes them without knowing the source.
 */

export const ENTITY_KINDS = [
  'light',
  'switch',
  'power_meter',
  'sensor',
  'binary_sensor',
  'climate',
  'cover',
  'fan',
  'lock',
  'valve',
  'number',
  'select',
  'button',
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * What a command may carry: a light's on/off, brightness (0-255), colour temperature (mireds) and RGB; a
 * climate's target temperature and HVAC mode; a cover's or valve's open (true) or close (false), stop and
 * position (0-100 %); a lock's locked; a fan's on, speed percentage (0-100) and preset; a number's or
 * select's value; a button's press.
 */
export const ENTITY_FEATURES = [
  'on',
  'brightness',
  'colorTemp',
  'rgb',
  'targetTemperature',
  'hvacMode',
  'open',
  'stop',
  'position',
  'locked',
  'percentage',
  'preset',
  'value',
  'press',
] as const;
export type EntityFeature = (typeof ENTITY_FEATURES)[number];

/** Features published through `controls` rather than the on/off `command` target. */
export type ControlFeature = Exclude<EntityFeature, 'on' | 'brightness' | 'colorTemp' | 'rgb'>;

/** The features each kind may be commanded with; anything else is refused (by the encoder and the rule parser). */
export const KIND_FEATURES: Readonly<Record<EntityKind, readonly EntityFeature[]>> = {
  light: ['on', 'brightness', 'colorTemp', 'rgb'],
  switch: ['on'],
  power_meter: [],
  sensor: [],
  binary_sensor: [],
  climate: ['targetTemperature', 'hvacMode'],
  cover: ['open', 'stop', 'position'],
  fan: ['on', 'percentage', 'preset'],
  lock: ['locked'],
  valve: ['open', 'stop', 'position'],
  number: ['value'],
  select: ['value'],
  button: ['press'],
};

/** Attribute names the state decoding of climates, covers, valves and fans produces. */
export const CONTROL_ATTRIBUTES = {
  currentTemperature: 'currentTemperature',
  targetTemperature: 'targetTemperature',
  position: 'position',
  percentage: 'percentage',
  preset: 'preset',
} as const;

export type DefinitionSource = 'discovery' | 'homie' | 'profile' | 'manual';

/** Kinds whose state is `on` or `off`. */
export const ON_OFF_KINDS: ReadonlySet<EntityKind> = new Set(['light', 'switch', 'binary_sensor', 'fan']);

/** Kinds a person may map by hand (`POST /api/entities`): one state topic and an optional on/off command topic. */
export const MANUAL_KINDS = ['light', 'switch', 'power_meter', 'sensor', 'binary_sensor'] as const satisfies readonly EntityKind[];

/**
 * How a value is read from a payload: the raw payload, a JSON path (`ENERGY.Power`, `a.b[0]`), or a
 * template of the safe subset (`{{ value_json.temperature | float }}`). Never evaluated as code.
 */
export type ValueExtractor = { kind: 'raw' } | { kind: 'jsonPath'; path: string } | { kind: 'template'; template: string };

export interface DeviceInfo {
  /** Stable id of the physical device (discovery `identifiers[0]`, Homie device id, profile topic). */
  id: string;
  name: string;
  manufacturer?: string;
  model?: string;
  area?: string;
  /** Firmware version as the device reports it (discovery `sw_version`). */
  swVersion?: string;
  transport: 'mqtt' | 'mqtt-sn';
}

export interface StateSource {
  topic: string;
  value: ValueExtractor;
  /** Payloads (after extraction) meaning on / off, for light, switch and binary_sensor. */
  payloadOn?: string;
  payloadOff?: string;
  /**
   * `json`: the payload is one JSON object carrying state, brightness, color_temp and color (HA light
   * `schema: json`, Zigbee2MQTT, ESPHome); `value` is not used then. Absent means `plain`.
   */
  format?: 'plain' | 'json';
  /**
   * For kinds with named states (cover, valve, lock): the payload (after extraction) for each state, e.g.
   * `{ open: 'ON', closed: 'OFF' }`. Payloads not listed are ignored.
   */
  states?: Record<string, string>;
}

export interface AttributeSource {
  /** Attribute name in the entity's `attributes` (e.g. `brightness`, `energy`, `voltage`). */
  name: string;
  topic: string;
  value: ValueExtractor;
  /** Unit of the attribute's value, e.g. `kWh` for `energy`. */
  unit?: string;
  /** The device's numbers for 0 % and 100 % of a percentage attribute (a cover's position, a fan's speed). */
  deviceRange?: readonly [number, number];
}

export interface AvailabilitySource {
  topics: Array<{ topic: string; payloadAvailable: string; payloadNotAvailable: string; value: ValueExtractor }>;
  /** Home Assistant's availability_mode. */
  mode: 'all' | 'any' | 'latest';
}

/** How commands are published: one topic per feature with plain payloads, or one JSON payload (HA `schema: json`, Zigbee2MQTT). */
export type CommandTarget =
  | {
      format: 'plain';
      topic: string;
      payloadOn: string;
      payloadOff: string;
      brightnessTopic?: string;
      colorTempTopic?: string;
      rgbTopic?: string;
      /**
       * Home Assistant's on_command_type: `last` (default) sends brightness/colour before the on payload,
       * `first` after it, `brightness` sends only the brightness when one is given (Tasmota dimmers).
       */
      onCommandType?: 'first' | 'last' | 'brightness';
      /**
       * Safe-subset templates shaping each payload (HA command_template, brightness_command_template,
       * color_temp_command_template, rgb_command_template); `value` is the plain payload, and the rgb
       * template also sees `red`, `green` and `blue`.
       */
      templates?: { command?: string; brightness?: string; colorTemp?: string; rgb?: string };
      qos?: 0 | 1;
    }
  | {
      format: 'json';
      topic: string;
      /** How the device takes a colour in its JSON command; `rgb` when absent. */
      colorMode?: 'rgb' | 'hs' | 'xy';
      qos?: 0 | 1;
    };

/** How one feature of the kinds beyond lights and switches is published (see ControlFeature). */
export interface Control {
  topic: string;
  /** Features taking true/false (open, locked, press, stop): the payload for each; a value the device lacks is not supported. */
  payloads?: { true?: string; false?: string };
  /** Numeric features: the range the hub accepts (0-100 for percentages) and its step. */
  min?: number;
  max?: number;
  step?: number;
  /** Percentage features: the device's numbers for 0 % and 100 %. */
  deviceRange?: readonly [number, number];
  /** Text features (a select's value, a climate's HVAC mode, a fan's preset): the choices; any text when absent. */
  options?: string[];
  /** A safe-subset template shaping the payload (HA `*_command_template`), with the value as `value`. */
  template?: string;
  qos?: 0 | 1;
}

export interface EntityDefinition {
  /** Globally unique, stable across restarts (discovery unique_id, `homie:<device>/<node>/<prop>`, profile-derived). */
  uniqueId: string;
  kind: EntityKind;
  /** Suggested object part of the `<kind>.<object>` slug, e.g. `kitchen` for `light.kitchen`. */
  objectId: string;
  name: string;
  device?: DeviceInfo;
  deviceClass?: string;
  unit?: string;
  stateClass?: 'measurement' | 'total' | 'total_increasing';
  state?: StateSource;
  /** Further topics reporting the same state in another shape (Tasmota's `stat/POWER` and `tele/STATE`). */
  extraStateSources?: StateSource[];
  attributes: AttributeSource[];
  /** A topic whose JSON object is merged into attributes (HA json_attributes_topic). */
  jsonAttributesTopic?: string;
  /** How to read that object from the payload (HA json_attributes_template); the whole payload when absent. */
  jsonAttributesValue?: ValueExtractor;
  availability?: AvailabilitySource;
  command?: CommandTarget;
  /** Commands of climates, covers, valves, locks, fans (speed, preset), numbers, selects and buttons. */
  controls?: Partial<Record<ControlFeature, Control>>;
  /** Brightness range the device uses (HA brightness_scale); the hub exposes 0-255. */
  brightnessScale?: number;
  /** Unit the device uses for colour temperature; the hub exposes mireds. Absent means `mired`. */
  colorTempUnit?: 'mired' | 'kelvin';
  supports: { brightness?: boolean; colorTemp?: boolean; rgb?: boolean };
  /** A binary_sensor that reports only `on` returns to `off` after this many seconds (HA off_delay). */
  offDelaySeconds?: number;
  /** The state becomes unknown when no update arrives for this many seconds (HA expire_after). */
  expireAfterSeconds?: number;
  /** HA entity_category: not a primary control or reading. */
  entityCategory?: 'config' | 'diagnostic';
  /** False when the source suggests hiding the entity until a user enables it (HA enabled_by_default). */
  enabledByDefault?: boolean;
  source: DefinitionSource;
  /** The topic this definition came from (discovery config topic, Homie device root, profile id). */
  origin: string;
}

/** What a command may carry for an entity with this definition; nothing when it cannot be commanded. */
export function supportedFeatures(definition: EntityDefinition): EntityFeature[] {
  const { command, controls = {}, supports } = definition;
  return KIND_FEATURES[definition.kind].filter((feature) => {
    switch (feature) {
      case 'on':
        return command !== undefined;
      case 'brightness':
      case 'colorTemp':
      case 'rgb':
        return command !== undefined && supports[feature] === true;
      default:
        return controls[feature] !== undefined;
    }
  });
}

/** The limits and choices of a definition's controls, as the dashboard needs them to offer a command. */
export function controlLimits(definition: EntityDefinition): CommandLimits {
  const limits: CommandLimits = {};
  for (const [feature, control] of Object.entries(definition.controls ?? {}) as Array<[ControlFeature, Control]>) {
    const { min, max, step, options } = control;
    if (min !== undefined || max !== undefined || step !== undefined || options !== undefined) limits[feature] = { min, max, step, options };
  }
  return limits;
}

/** A number's range, a select's options, a climate's target range and modes, a fan's presets. */
export type CommandLimits = Partial<Record<ControlFeature, { min?: number; max?: number; step?: number; options?: string[] }>>;
