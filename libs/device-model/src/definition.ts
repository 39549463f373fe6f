/**
 * What the hub needs to know to turn MQTT topics into one entity: where its state, attributes and
 * availability come from, and how to command it. Discovery (Home Assistant, Homie), device profiles and
 * manual mappings all produce these; the hub's entity mapper consumes them without knowing the source.
 */

export const ENTITY_KINDS = ['light', 'switch', 'power_meter', 'sensor', 'binary_sensor'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export type DefinitionSource = 'discovery' | 'homie' | 'profile' | 'manual';

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
  transport: 'mqtt' | 'mqtt-sn';
}

export interface StateSource {
  topic: string;
  value: ValueExtractor;
  /** Payloads (after extraction) meaning on / off, for light, switch and binary_sensor. */
  payloadOn?: string;
  payloadOff?: string;
}

export interface AttributeSource {
  /** Attribute name in the entity's `attributes` (e.g. `brightness`, `energy`, `voltage`). */
  name: string;
  topic: string;
  value: ValueExtractor;
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
    }
  | { format: 'json'; topic: string };

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
  attributes: AttributeSource[];
  /** A topic whose JSON object is merged into attributes (HA json_attributes_topic). */
  jsonAttributesTopic?: string;
  availability?: AvailabilitySource;
  command?: CommandTarget;
  /** Brightness range the device uses (HA brightness_scale); the hub exposes 0-255. */
  brightnessScale?: number;
  supports: { brightness?: boolean; colorTemp?: boolean; rgb?: boolean };
  source: DefinitionSource;
  /** The topic this definition came from (discovery config topic, Homie device root, profile id). */
  origin: string;
}
