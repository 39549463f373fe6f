import type { DeviceKind, IssuedDeviceCredentialDto } from '@hearth/api-types';

/** Where the device should connect: the hub's advertised host and its plain MQTT port. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/** What to type into one firmware's own settings screen (or file), field by field as that screen names them. */
export interface FirmwareSettings {
  /** Where that screen is. */
  where: string;
  rows: Array<[label: string, value: string]>;
  /** The same as a block to paste, for firmware configured by a file. */
  snippet?: string;
  /** One thing to check beyond the fields. */
  note?: string;
}

export const KIND_LABELS: Record<DeviceKind, string> = {
  tasmota: 'Tasmota',
  esphome: 'ESPHome',
  shelly: 'Shelly (Gen1, Plus, Pro)',
  zigbee2mqtt: 'Zigbee2MQTT',
  homie: 'Homie',
  generic: 'Other MQTT device',
};

/** What the firmware calls its device topic, and the default the form proposes (Zigbee2MQTT's is its own). */
export const TOPIC_FIELDS: Record<DeviceKind, { label: string; fallback: (slug: string) => string }> = {
  tasmota: { label: 'Topic (Tasmota MQTT "Topic")', fallback: (slug) => slug },
  esphome: { label: 'Topic prefix (ESPHome topic_prefix, usually the node name)', fallback: (slug) => slug },
  shelly: { label: 'Device id (Gen1) or MQTT prefix (Plus/Pro)', fallback: (slug) => slug },
  zigbee2mqtt: { label: 'Base topic (Zigbee2MQTT base_topic)', fallback: () => 'zigbee2mqtt' },
  homie: { label: 'Device id (Homie device_id)', fallback: (slug) => slug },
  generic: { label: 'Topic (the device publishes under devices/<topic>/)', fallback: (slug) => slug },
};

const yaml = (lines: Array<[string, string] | string>): string => lines.map((line) => (typeof line === 'string' ? line : `${line[0]}: ${JSON.stringify(line[1])}`)).join('\n');

/** The values for `credential`'s firmware, or null for generic devices (they get mosquitto_pub lines instead). */
export function firmwareSettings(broker: BrokerAddress, credential: IssuedDeviceCredentialDto): FirmwareSettings | null {
  const { host, port } = broker;
  const { username: user, password, topic } = credential;
  const portText = String(port);
  switch (credential.kind) {
    case 'tasmota':
      return {
        where: 'Tasmota web page: Configuration → Configure MQTT',
        rows: [['Host', host], ['Port', portText], ['User', user], ['Password', password], ['Topic', topic], ['Full Topic', '%prefix%/%topic%/']],
        note: 'Keep Full Topic as shown (the default). Since Tasmota 12 the device announces itself with its own discovery; nothing else to set.',
      };
    case 'esphome':
      return {
        where: "the device's YAML, then install it again",
        rows: [['broker', host], ['port', portText], ['username', user], ['password', password], ['topic_prefix', topic]],
        snippet: yaml(['mqtt:', ['  broker', host], `  port: ${port}`, ['  username', user], ['  password', password], ['  topic_prefix', topic]]),
        note: "ESPHome announces its entities with discovery under homeassistant/<node name>/: the node's name must be this credential's name or its topic_prefix.",
      };
    case 'shelly':
      return {
        where: "Shelly web page: Gen1 Internet & Security → Advanced - Developer Settings; Plus/Pro Settings → MQTT",
        rows: [['Server', `${host}:${port}`], ['User (Username)', user], ['Password', password], ['Gen1: Custom MQTT ID (topics shellies/<id>/…)', topic], ['Plus/Pro: MQTT prefix', topic]],
        note: 'On Plus/Pro also switch on "RPC status notifications over MQTT" and "Generic status update over MQTT".',
      };
    case 'zigbee2mqtt':
      return {
        where: "Zigbee2MQTT's configuration.yaml (or Settings → MQTT), then restart it",
        rows: [['server', `mqtt://${host}:${port}`], ['user', user], ['password', password], ['base_topic', topic]],
        snippet: yaml(['mqtt:', ['  server', `mqtt://${host}:${port}`], ['  user', user], ['  password', password], ['  base_topic', topic], 'homeassistant:', '  enabled: true']),
        note: 'Home Assistant integration on: its discovery puts every Zigbee device here.',
      };
    case 'homie':
      return {
        where: "the device's Homie configuration (config.json)",
        rows: [['mqtt.host', host], ['mqtt.port', portText], ['mqtt.base_topic', 'homie/'], ['mqtt.username', user], ['mqtt.password', password], ['device_id', topic]],
        snippet: JSON.stringify({ device_id: topic, mqtt: { host, port, base_topic: 'homie/', auth: true, username: user, password } }, null, 2),
      };
    case 'generic':
      return null;
  }
}
