import type { Buffer } from 'node:buffer';
import type { DeviceKind } from '@hearth/api-types';
import { filterCovers, isTopicSafe, topicMatches } from '@hearth/mqtt-topics';
import type { AclRule } from './acl.js';

/** What a credential's topic rules follow from. */
export interface KindedDevice {
  username: string;
  kind: DeviceKind;
  /** The firmware's device topic (see DeviceCredentialDto.topic). */
  topic: string;
  /** Generic credentials only: the prefix they own (`devices/<topic>` unless given; null for imported ones). */
  topicPrefix: string | null;
}

/**
 * The topics one firmware publishes and subscribes to under its own device topic `t`, from each project's
 * documentation and source (../shared/MQTT-NOTES.md): `own` are topic spaces no other device or sensor may
 * touch; `shared` are the fixed topics every device of that firmware uses (group commands, announcements).
 * `%c` is the client id, filled in when it connects.
 */
type TopicRule = [AclRule['access'], string];
const KIND_TOPICS: Record<Exclude<DeviceKind, 'generic'>, (t: string) => { own: TopicRule[]; shared: TopicRule[] }> = {
  // FullTopic %prefix%/%topic%/: publishes tele/<t>/{LWT,STATE,SENSOR,INFO1..3} and stat/<t>/{RESULT,POWER<n>,STATUS<n>};
  // subscribes cmnd/<t>/# (and publishes an empty cmnd/<t>/POWER on connecting), its GroupTopic
  // cmnd/tasmotas/# and its fallback topic cmnd/<MqttClient>_fb/# (xdrv_02_mqtt.ino MqttConnected).
  tasmota: (t) => ({
    own: [
      ['write', `tele/${t}/#`],
      ['write', `stat/${t}/#`],
      ['readwrite', `cmnd/${t}/#`],
    ],
    shared: [
      ['read', 'cmnd/tasmotas/#'],
      ['read', 'cmnd/%c_fb/#'],
    ],
  }),
  // topic_prefix <t>: <t>/status (birth, will), <t>/<component>/<object>/state and .../command, <t>/debug.
  esphome: (t) => ({ own: [['readwrite', `${t}/#`]], shared: [] }),
  // Gen1: shellies/<id>/... and the announcement on shellies/announce, commands to all on shellies/command.
  // Gen2+: <prefix>/online, <prefix>/status/<component>, <prefix>/events/rpc, requests on <prefix>/rpc (the
  // hub asks for replies on <prefix>/hearth/rpc, inside the device's own space).
  shelly: (t) => ({
    own: [
      ['readwrite', `shellies/${t}/#`],
      ['readwrite', `${t}/#`],
    ],
    shared: [
      ['write', 'shellies/announce'],
      ['read', 'shellies/command'],
    ],
  }),
  // base_topic <t>: <t>/<friendly name>[/set|/get|/availability], <t>/bridge/#.
  zigbee2mqtt: (t) => ({ own: [['readwrite', `${t}/#`]], shared: [] }),
  // Homie 3/4 homie/<id>/..., Homie 5 homie/5/<id>/...; both listen to broadcasts.
  homie: (t) => ({
    own: [
      ['readwrite', `homie/${t}/#`],
      ['readwrite', `homie/5/${t}/#`],
    ],
    shared: [
      ['read', 'homie/$broadcast/#'],
      ['read', 'homie/5/$broadcast/#'],
    ],
  }),
};

/** Kinds whose device topic is the first topic level, so it must not be a namespace another kind or the hub uses. */
const TOP_LEVEL_KINDS: ReadonlySet<DeviceKind> = new Set(['esphome', 'shelly', 'zigbee2mqtt']);
const RESERVED_FIRST_LEVELS = new Set(['tele', 'stat', 'cmnd', 'tasmota', 'shellies', 'homie', 'devices', 'garden', 'hearth']);
/** Kinds whose device topic is one topic level (Tasmota's %topic%, a Homie device id). */
const SINGLE_LEVEL_KINDS: ReadonlySet<DeviceKind> = new Set(['tasmota', 'homie']);
/** Device topics that would own what every device of the kind shares: the group topic, announcements, Homie 5's namespace. */
const SHARED_TOPICS: Partial<Record<DeviceKind, string[]>> = { tasmota: ['tasmotas'], shelly: ['announce', 'command'], homie: ['5'] };

/** Why `topic` cannot be a device topic of `kind`, or undefined. */
export function deviceTopicProblem(kind: DeviceKind, topic: string, discoveryPrefix: string): string | undefined {
  const levels = topic.split('/');
  if (topic.length > 200 || topic.startsWith('$') || levels.some((level) => !isTopicSafe(level))) {
    return 'topic is one or more non-empty topic levels without wildcards, not starting with "$"';
  }
  if (SINGLE_LEVEL_KINDS.has(kind) && levels.length > 1) return `topic of a ${kind} device is one topic level, without "/"`;
  if (SHARED_TOPICS[kind]?.includes(levels[0])) return `topic of a ${kind} device cannot be ${levels[0]}, which every ${kind} device shares`;
  if (levels[0] === discoveryPrefix) return `topic cannot be inside the discovery prefix ${discoveryPrefix}`;
  if (TOP_LEVEL_KINDS.has(kind) && RESERVED_FIRST_LEVELS.has(levels[0])) return `topic of a ${kind} device cannot start with ${levels[0]}/, which other devices use`;
  return undefined;
}

/** The topic spaces that are this device's alone: refused to every other device and sensor. */
export function ownSpaces(device: KindedDevice): string[] {
  if (device.kind === 'generic') return device.topicPrefix ? [`${device.topicPrefix}/#`] : [];
  return KIND_TOPICS[device.kind](device.topic).own.map(([, filter]) => filter);
}

/** Do two credentials' own spaces share a topic? (Own spaces are `prefix/#` filters.) */
export const spacesOverlap = (a: string[], b: string[]): boolean => a.some((x) => b.some((y) => filterCovers(x, y) || filterCovers(y, x)));

/**
 * The rules of a device: its firmware's topics, Home Assistant discovery under a node id equal to its name
 * (and, for ESPHome, its topic: ESPHome's node id is its node name, the default topic_prefix), and the
 * discovery birth message. `clientId` fills `%c` (Tasmota's fallback topic); without one, or with a client id
 * that would inject topic levels, there is no such rule.
 */
export function kindRules(device: KindedDevice, discoveryPrefix: string, clientId: string | null): AclRule[] {
  const { username } = device;
  const rules: AclRule[] = [];
  const add = (access: AclRule['access'], filter: string): void => {
    if (!filter.includes('%c')) rules.push({ username, access, filter });
    else if (clientId !== null && isTopicSafe(clientId)) rules.push({ username, access, filter: filter.replaceAll('%c', clientId) });
  };
  if (device.kind === 'generic') {
    if (device.topicPrefix) add('readwrite', `${device.topicPrefix}/#`);
  } else {
    const { own, shared } = KIND_TOPICS[device.kind](device.topic);
    for (const [access, filter] of [...own, ...shared]) add(access, filter);
  }
  for (const node of discoveryNodeIds(device)) {
    if (!isTopicSafe(node)) continue;
    add('write', `${discoveryPrefix}/+/${node}/+/config`);
    add('write', `${discoveryPrefix}/device/${node}/config`);
  }
  add('read', `${discoveryPrefix}/status`);
  return rules;
}

/** The Home Assistant discovery node ids that name this device: its username, and an ESPHome node's topic. */
export const discoveryNodeIds = (device: KindedDevice): Set<string> => new Set([device.username, ...(device.kind === 'esphome' ? [device.topic] : [])]);

/** A device's rules in Mosquitto's ACL file: its `topic` lines, and its `%c` rules as `pattern` lines (which apply to every user). */
export function kindAclFile(device: KindedDevice, discoveryPrefix: string): AclRule[] {
  const patterns = device.kind === 'generic' ? [] : KIND_TOPICS[device.kind](device.topic).shared.filter(([, filter]) => filter.includes('%c'));
  return [...patterns.map(([access, filter]): AclRule => ({ username: null, access, filter })), ...kindRules(device, discoveryPrefix, null)];
}

/**
 * Discovery topics whose name does not say which device they are for: Tasmota's own discovery
 * (`tasmota/discovery/<MAC>/config`, then `/sensors`) and the Home Assistant discovery of a firmware that
 * names entities by hardware address (Zigbee2MQTT's `<prefix>/<component>/<ieee>/<object>/config`, Tasmota's
 * legacy `<prefix>/<component>/<id>_<kind>_<n>/config`). Such a message is the device's when what it says
 * points into the device's own topics; a topic shown to be its own stays its own for the session, so it may
 * also clear it (empty payload) and, for Tasmota, publish the `/sensors` message beside it.
 */
export class DiscoveryClaims {
  private readonly claimed = new Set<string>();

  constructor(
    private readonly filters: string[],
    private readonly owns: (topic: string, payload: Buffer) => boolean,
    /** A filter the device may subscribe to, receiving only its own configs (Zigbee2MQTT reads its retained configs back to clear stale ones). */
    readonly subscribable: string | null,
    /** Other devices' discovery node ids: a topic whose node (or object) id is one is never claimable, whatever the message says. */
    private readonly othersNames: ReadonlySet<string> = new Set(),
  ) {}

  covers(topic: string): boolean {
    return this.filters.some((filter) => topicMatches(filter, topic)) && !this.othersNames.has(topic.split('/')[2]);
  }

  /** Whether the message is this device's own; a payload-less question (a subscription check) is answered by claims alone. */
  claim(topic: string, payload: Buffer | undefined): boolean {
    if (!this.covers(topic)) return false;
    if (this.claimed.has(topic)) return true;
    const sibling = topic.replace(/\/sensors$/, '/config');
    if (sibling !== topic) return this.claimed.has(sibling);
    if (payload === undefined || payload.length === 0 || !this.owns(topic, payload)) return false;
    this.claimed.add(topic);
    return true;
  }

  /** Claims carry over when a session's permissions are rebuilt (its credential changed but still holds). */
  inherit(previous: DiscoveryClaims | undefined): this {
    for (const topic of previous?.claimed ?? []) if (this.covers(topic)) this.claimed.add(topic);
    return this;
  }
}

/** The claimable discovery topics of a device's kind, if its firmware has any; `others` lists the other devices (asked only then). */
export function discoveryClaims(device: KindedDevice, discoveryPrefix: string, others: () => KindedDevice[] = () => []): DiscoveryClaims | undefined {
  if (device.kind !== 'tasmota' && device.kind !== 'zigbee2mqtt') return undefined;
  const othersNames = new Set(others().flatMap((other) => [...discoveryNodeIds(other)]));
  const own = ownSpaces(device);
  const inOwnSpace = (topic: unknown): boolean => typeof topic === 'string' && own.some((filter) => topicMatches(filter, topic));
  const haConfigs = [`${discoveryPrefix}/+/+/config`, `${discoveryPrefix}/+/+/+/config`];
  const haOwned = (_topic: string, payload: Buffer): boolean => {
    const topics = configTopics(parseObject(payload));
    return topics.length > 0 && topics.every(inOwnSpace);
  };
  if (device.kind === 'tasmota') {
    const native = (topic: string, payload: Buffer): boolean => {
      const config = parseObject(payload);
      return config?.t === device.topic && typeof config.mac === 'string' && topic === `tasmota/discovery/${config.mac}/config`;
    };
    const owns = (topic: string, payload: Buffer) => (topic.startsWith('tasmota/') ? native(topic, payload) : haOwned(topic, payload));
    return new DiscoveryClaims(['tasmota/discovery/+/config', 'tasmota/discovery/+/sensors', ...haConfigs], owns, null, othersNames);
  }
  return new DiscoveryClaims(haConfigs, haOwned, `${discoveryPrefix}/#`, othersNames);
}

function parseObject(payload: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Every topic a Home Assistant discovery config names (`*_topic`, abbreviated `*_t`, availability lists), with `~` expanded. */
function configTopics(config: Record<string, unknown> | null): unknown[] {
  if (!config) return [];
  const base = typeof config['~'] === 'string' ? config['~'] : null;
  const expand = (value: unknown): unknown => (base !== null && typeof value === 'string' ? value.replace(/^~|~$/, base) : value);
  const topics: unknown[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (/(_topic|_t)$/.test(key)) topics.push(expand(value));
    if ((key === 'availability' || key === 'avty') && Array.isArray(value)) {
      for (const entry of value) topics.push(expand(typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).topic ?? (entry as Record<string, unknown>).t : entry));
    }
  }
  return topics;
}
