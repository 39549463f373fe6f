/**
 * The contract between the hub and its clients (the dashboard, scripts): REST routes and bodies, and
 * WebSocket messages. Types, and the list of routes the tests hold both sides to; the dashboard imports
 * the types only, so it bundles nothing from here.
 */

export { API_ROUTES, type ApiRoute } from './routes.js';

import type { EntityDto } from '@hearth/entities';

// Statistics and energy are @hearth/statistics' types.
export type * from '@hearth/statistics/view';
import type { RuleDefinition, RuleStatus, RuleTrace } from '@hearth/rules';

// Entities, devices, commands and history are @hearth/entities' (the entity pipeline's) types.
export type {
  DeviceDto,
  EntityCommand,
  EntityDto,
  EntityFeature,
  EntityHistoryDto,
  EntityKind,
  HistoryPointDto,
  HistoryResolution,
  ManualEntityRequest,
  StateValue,
  UnmappedTopicDto,
} from '@hearth/entities';

/** Messages the hub sends on the `/ws` WebSocket. */
export type ServerMessage =
  | { type: 'snapshot'; entities: EntityDto[] }
  | { type: 'state'; entity: EntityDto }
  | { type: 'removed'; id: string }
  /** After the snapshot, and whenever it changes: the hub's link to its MQTT broker. */
  | { type: 'broker'; link: BrokerLinkDto };

/** Where the house is, for sunrise/sunset; `timezone` is an IANA name (`Europe/Amsterdam`), the hub's own when absent. */
export interface LocationSettings {
  latitude: number;
  longitude: number;
  timezone?: string;
}

/** `GET`/`PUT /api/settings`: null is "not set". */
export interface HubSettings {
  location: LocationSettings | null;
}

export type Role = 'admin' | 'user';

/** A person, as `GET /api/users` lists them; `areas` null is every area. */
export interface UserDto {
  username: string;
  role: Role;
  areas: string[] | null;
  createdAt: string;
}

/** Body of `POST /api/users`. */
export interface CreateUserRequest {
  username: string;
  password: string;
  role: Role;
  areas?: string[] | null;
}

/** Body of `PATCH /api/users/:username`; the last admin keeps the role. */
export interface UpdateUserRequest {
  role?: Role;
  areas?: string[] | null;
  password?: string;
}

/** A topic id the MQTT-SN gateway knows in advance (`GET /api/mqtt-sn/predefined`); clientId `*` is every client. */
export interface SnPredefinedTopicDto {
  clientId: string;
  topicName: string;
  topicId: number;
}

/**
 * What the hub listens on (`GET /api/listeners`), as a device should be told: `host` is the address to use
 * (HEARTH_ADVERTISED_HOST, else the address the MQTT listener binds to, else this machine's LAN address);
 * null where a listener is off.
 */
export interface HubListenersDto {
  host: string;
  mqtt: number | null;
  mqtts: number | null;
  mqttsClientCert: number | null;
  websocket: { port: number; path: string } | null;
  secureWebsocket: { port: number; path: string } | null;
  mqttSnUdp: number | null;
  mqttSnSerial: { path: string; mode: 'xbee' | 'raw'; open: boolean } | null;
  discoveryPrefix: string;
  /** On an external broker (HEARTH_MQTT_URL) devices connect to it, not to the hub: its first node; the embedded listeners are off. */
  externalBroker: { url: string; host: string; port: number } | null;
}

/**
 * What firmware a device credential is for: its topic rules are exactly the topics that firmware publishes
 * and subscribes to under its own device topic (`generic` = everything under `devices/<topic>`).
 */
export const DEVICE_KINDS = ['tasmota', 'esphome', 'shelly', 'zigbee2mqtt', 'homie', 'generic'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Body of `POST /api/device-credentials`; `topic` defaults to the name, `topicPrefix` (generic only) to `devices/<topic>`. */
export interface CreateDeviceCredentialRequest {
  name: string;
  kind?: DeviceKind;
  topic?: string;
  topicPrefix?: string;
  snAddresses?: string[];
}

/** What `POST /api/device-credentials` (and `hearth device add`) answers: the only time the password is visible. */
export interface IssuedDeviceCredentialDto {
  username: string;
  password: string;
  kind: DeviceKind;
  topic: string;
  topicPrefix: string | null;
  snAddresses: string[];
}

/** A device credential as `GET /api/device-credentials` lists it (never its password or hash). */
export interface DeviceCredentialDto {
  username: string;
  kind: DeviceKind;
  /** The firmware's device topic (Tasmota Topic, ESPHome topic_prefix, Shelly id or prefix, Zigbee2MQTT base topic, Homie device id). */
  topic: string;
  topicPrefix: string | null;
  /** Where an MQTT-SN sensor may prove it is this device from: IPs or networks (CIDR), XBee 64-bit addresses, `wire`. */
  snAddresses: string[];
  source: 'hearth' | 'mosquitto';
  createdAt: string;
  revokedAt: string | null;
}

/** The hub's MQTT broker as `GET /api/health` and the dashboard show it: its own, or its link to an external one (HEARTH_MQTT_URL). */
export interface BrokerLinkDto {
  mode: 'embedded' | 'external';
  /** Always true for the embedded broker. */
  connected: boolean;
  /** The external node the hub is on, or tried last (no password); null for the embedded broker. */
  node: string | null;
  /** Every configured external node, in the order they are tried. */
  nodes: string[];
  /** Since when the link is in its current state. */
  since: string;
  /** Why the last attempt failed, while disconnected. */
  error: string | null;
}

/** A bridge to another broker, as `GET /api/health` shows it. */
export interface BridgeStateDto {
  name: string;
  /** The remote broker's URL, without credentials. */
  remote: string;
  connected: boolean;
  since: string;
  error: string | null;
  /** Messages passed on since the hub started: out to the remote broker, in from it. */
  forwarded: { out: number; in: number };
}

/**
 * "A new sensor wants to be garden-bed-3" (`GET /api/mqtt-sn/claims`): an MQTT-SN sensor named a device
 * credential from an address not bound to it. `POST .../claims/:id/accept` binds `address`; `DELETE` dismisses.
 */
export interface SnClaimDto {
  id: number;
  device: string;
  address: string;
  /** `udp` or `serial` (XBee or the wire). */
  link: string;
  firstSeen: string;
  lastSeen: string;
  attempts: number;
}

// The rule JSON is @hearth/rules' format (docs/rules.md); the API serves it as written.
export type {
  ActionDefinition,
  ConditionDefinition,
  RuleDefinition,
  RuleMode,
  RuleStatus,
  RuleTrace,
  RunResult,
  RuleStateValue,
  SunEvent,
  TriggerDefinition,
  Weekday,
} from '@hearth/rules';

/** A rule as `GET /api/rules` lists it; `POST` and `PUT /api/rules/:id` take the `definition` alone. */
export interface RuleDto {
  id: string;
  definition: RuleDefinition;
  status: RuleStatus;
  /** Why loop protection stopped it; null unless `stopped`. */
  stoppedReason: string | null;
  /** Runs in progress now (in an action or a delay). */
  running: number;
  /** How the last run ended (as in its trace); null when it never ran. */
  lastRun: RuleRunSummary | null;
  /**
   * Entities and devices the rule names that do not exist (yet, or any more): it does nothing with them
   * until they appear. Empty when everything it names is there.
   */
  waitingFor: string[];
  createdAt: string;
  updatedAt: string;
}

/** Something about a saved rule worth knowing that did not stop it being saved; `path` as in the rule JSON (`triggers[0].entityId`). */
export interface RuleWarning {
  path: string;
  message: string;
}

/** What `POST` and `PUT /api/rules/:id` answer: the rule, with a warning per entity or device it names that does not exist (yet). */
export interface SavedRuleDto extends RuleDto {
  warnings: RuleWarning[];
}

/** The outcome of one run, as a rule's `lastRun` gives it; the whole trace is in `GET /api/rules/:id/traces`. */
export type RuleRunSummary = Pick<RuleTrace, 'startedAt' | 'finishedAt' | 'result' | 'error'>;

/** Body of `POST /api/rules/:id/run` (optional): `conditions: true` checks the conditions before the actions. */
export interface RunRuleRequest {
  conditions?: boolean;
}

/** One run of a rule, newest first from `GET /api/rules/:id/traces`. */
export interface RuleTraceDto extends RuleTrace {
  id: number;
}

/** `GET /api/push/key`: the hub's VAPID public key (base64url), the `applicationServerKey` browsers subscribe with. */
export interface PushKeyDto {
  publicKey: string;
}

/** Body of `POST /api/push/subscriptions`: `PushSubscription.toJSON()` of the browser (`expirationTime` is ignored). */
export interface PushSubscribeRequest {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  expirationTime?: number | null;
}

/** One of the signed-in person's push subscriptions (one per browser), as `GET /api/push/subscriptions` lists them. */
export interface PushSubscriptionDto {
  id: number;
  endpoint: string;
  createdAt: string;
}

/** `POST /api/push/test`: what became of a test notification to each of the person's subscriptions. */
export interface PushOutcomeDto {
  sent: number;
  /** Subscriptions the push service said are gone (404, 410): deleted. */
  removed: number;
  failed: number;
}

/** What a push message carries (JSON, encrypted): the dashboard's service worker shows it and opens `url` on a tap. */
export interface PushNotificationPayload {
  title: string;
  body: string;
  /** A page of the dashboard, e.g. `/rules/<id>`. */
  url: string;
  /** A newer notification with the same tag replaces the older one. */
  tag?: string;
}
