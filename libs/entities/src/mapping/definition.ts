/**
 * What the hub needs to know to turn MQTT topics into one entity: where its state, attributes and
 * availability come from, and how to command it. Discovery (Home Assistant, Homie), device profiles and
 * manual mappings all produce these; the hub's entity mapper consumes them without knowing the source.
 */

export const ENTITY_KINDS = ['light', 'switch', 'power_meter', 'sensor', 'binary_sensor'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export type DefinitionSource = 'discovery' | 'homie' | 'profile' | 'manual';

/** Kinds whose state is `on` or `off`. */
export const ON_OFF_KINDS: ReadonlySet<EntityKind> = new Set(['light', 'switch', 'binary_sensor']);

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
}

export interface AttributeSource {
  /** Attribute name in the entity's `attributes` (e.g. `brightness`, `energy`, `voltage`). */
  name: string;
  topic: string;
  value: ValueExtractor;
  /** Unit of the attribute's value, e.g. `kWh` for `energy`. */
  unit?: string;
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
export function supportedFeatures(definition: EntityDefinition): Array<'on' | 'brightness' | 'colorTemp' | 'rgb'> {
  if (!definition.command) return [];
  const features: Array<'on' | 'brightness' | 'colorTemp' | 'rgb'> = ['on'];
  if (definition.supports.brightness) features.push('brightness');
  if (definition.supports.colorTemp) features.push('colorTemp');
  if (definition.supports.rgb) features.push('rgb');
  return features;
}
