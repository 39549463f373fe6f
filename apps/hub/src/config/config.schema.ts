import { isValidTopicFilter } from '@hearth/mqtt-topics';
import { parseDuration } from '@hearth/rules/duration';
import { BridgeConfigError, parseBridges, parseTopicLine, type BridgeConfig, type BridgeTopic } from '../bridge/bridge-config.js';
import { brokerUrlProblem, urlProblem } from './broker-url.js';

/**
 * The one config schema: every key's type, default, environment variable and config-file path.
 * `mqtt.port` is `HEARTH_MQTT_PORT` in the environment and `mqtt: { port }` in hearth.yaml.
 */

type Parser<T> = (raw: string) => T;

export interface KeySpec<T> {
  env: string;
  parse: Parser<T>;
  default: T;
  describe: string;
  /** A value hearth.yaml gives as more than text (a list of mappings). */
  fromFile?: (value: unknown) => T;
}

class ConfigValueError extends Error {}

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

/** A TCP/UDP port number, or `off` to close that listener (null). */
const port: Parser<number | null> = (raw) => {
  if (raw.trim().toLowerCase() === 'off') return null;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 65535 ? value : fail(`expected a port 0-65535 or "off", got "${raw}"`);
};

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    const value = Number(raw);
    return Number.isInteger(value) && value >= min && value <= max
      ? value
      : fail(`expected an integer from ${min} to ${max}, got "${raw}"`);
  };

const text: Parser<string> = (raw) => (raw.trim() ? raw.trim() : fail('must not be empty'));

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) =>
    (values as string[]).includes(raw.trim()) ? (raw.trim() as T) : fail(`expected one of ${values.join(', ')}, got "${raw}"`);

const bool: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return fail(`expected true or false, got "${raw}"`);
};

/** A number, or `auto` for one the hub works out from the machine it runs on. */
const intOrAuto =
  (min: number, max?: number): Parser<number | 'auto'> =>
  (raw) =>
    raw.trim().toLowerCase() === 'auto' ? 'auto' : int(min, max)(raw);

/** An IPv4 multicast group address (224.0.0.0/4). */
const ipv4MulticastGroup: Parser<string> = (raw) => {
  const value = raw.trim();
  const octets = value.split('.');
  const valid = octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255) && Number(octets[0]) >= 224 && Number(octets[0]) <= 239;
  return valid ? value : fail(`expected an IPv4 multicast address (224.0.0.0 to 239.255.255.255), got "${raw}"`);
};

/** An optional file path: unset (null) unless given. */
const optionalPath: Parser<string | null> = (raw) => (raw.trim() ? raw.trim() : null);

/** Comma-separated values; empty means none. */
const list: Parser<string[]> = (raw) => raw.split(',').map((item) => item.trim()).filter(Boolean);

/** Optional text kept as written (a password may start with a space): unset (null) when empty. */
const optionalText: Parser<string | null> = (raw) => (raw === '' ? null : raw);

/** Comma-separated URLs, each checked by `problem`; empty means none. */
const urlList =
  (problem: (url: string) => string | null): Parser<string[]> =>
  (raw) => {
    const urls = list(raw);
    for (const url of urls) {
      const found = problem(url);
      if (found) fail(found);
    }
    return urls;
  };

/** The nodes of an external broker: comma-separated URLs, tried in turn. */
const brokerUrls = urlList(brokerUrlProblem);

/** One broker URL, or unset. */
const optionalBrokerUrl: Parser<string | null> = (raw) => (raw.trim() ? brokerUrls(raw)[0] ?? null : null);

/** Bridge topic lines, Mosquitto style, separated by `;`. */
const bridgeTopics: Parser<BridgeTopic[]> = (raw) => bridgeSetting(() => raw.split(';').filter((line) => line.trim()).map(parseTopicLine));

/** Bridges as JSON in the environment; hearth.yaml gives the same list as YAML. */
const bridgeList: Parser<BridgeConfig[]> = (raw) =>
  bridgeSetting(() => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return fail('expected a JSON list of bridges (hearth.yaml takes the same list as YAML)');
    }
    return parseBridges(value);
  });

const bridgeSetting = <T>(parse: () => T): T => {
  try {
    return parse();
  } catch (error) {
    if (error instanceof BridgeConfigError) fail(error.message);
    throw error;
  }
};

/** Topic filters that each name a sensor's own space (`%c`): no setting can hand a sensor `#`. */
const ownTopicFilters: Parser<string[]> = (raw) => {
  const filters = list(raw);
  const bad = filters.filter((filter) => !filter.split('/').includes('%c') || !isValidTopicFilter(filter));
  return bad.length === 0 ? filters : fail(`each filter needs a %c level (the sensor's client id) and valid wildcards: ${bad.join(', ')}`);
};

/** A duration as rules write it (`5m`, `1h30m`, `90s`), in milliseconds, from `min` on. */
const duration =
  (min: number): Parser<number> =>
  (raw) => {
    const ms = parseDuration(raw.trim());
    return ms !== undefined && ms >= min ? ms : fail(`expected a duration such as 5m or 90s, at least ${min / 1000} s, got "${raw}"`);
  };

/** Anonymous MQTT: on everywhere, off, or only on the plain TCP listener from a loopback address. */
const anonymous: Parser<boolean | 'loopback'> = (raw) => (raw.trim().toLowerCase() === 'loopback' ? 'loopback' : bool(raw));

const key = <T>(env: string, parse: Parser<T>, fallback: T, describe: string, fromFile?: (value: unknown) => T): KeySpec<T> => ({
  env,
  parse,
  default: fallback,
  describe,
  ...(fromFile ? { fromFile } : {}),
});

export const isKeySpec = (node: unknown): node is KeySpec<unknown> => typeof node === 'object' && node !== null && 'env' in node && 'parse' in node;

export const configSchema = {
  http: {
    port: key('HEARTH_HTTP_PORT', port, 8080 as number | null, 'HTTP port of the dashboard, REST API and WebSockets'),
    host: key('HEARTH_HTTP_HOST', text, '0.0.0.0', 'address the HTTP listener binds to'),
    tlsPort: key('HEARTH_HTTPS_PORT', port, 8443 as number | null, 'HTTPS port (dashboard, API, WSS); opens only when HEARTH_TLS_CERT and HEARTH_TLS_KEY are set'),
    corsOrigins: key('HEARTH_HTTP_CORS_ORIGINS', list, [] as string[], 'comma-separated origins allowed to call the API from other sites; none by default'),
  },
  mqtt: {
    port: key('HEARTH_MQTT_PORT', port, 1883 as number | null, 'MQTT over TCP port'),
    host: key('HEARTH_MQTT_HOST', text, '0.0.0.0', 'address the MQTT listener binds to'),
    websocketPath: key('HEARTH_MQTT_WS_PATH', text, '/mqtt', 'path of MQTT over WebSocket on the HTTP port'),
    sysInterval: key('HEARTH_MQTT_SYS_INTERVAL', int(0, 86_400), 10, 'seconds between $SYS updates; 0 turns $SYS off'),
    maxPacketSize: key('HEARTH_MQTT_MAX_PACKET_SIZE', int(64, 268_435_455), 2 * 1024 * 1024, 'largest MQTT packet accepted, in bytes'),
    maxConnections: key('HEARTH_MQTT_MAX_CONNECTIONS', int(1), 10_000, 'concurrent MQTT connections over all listeners'),
    tcpNoDelay: key('HEARTH_MQTT_TCP_NODELAY', bool, true, 'send MQTT packets at once (TCP_NODELAY); the hub already batches what it writes in one go, and Nagle would hold replies up to 40 ms'),
    maxInflight: key('HEARTH_MQTT_MAX_INFLIGHT', int(1, 65_535), 20, 'QoS 1/2 messages in flight per client (MQTT 5 Receive Maximum)'),
    maxQueued: key('HEARTH_MQTT_MAX_QUEUED', int(0), 0, 'QoS 1/2 messages kept per offline persistent session beyond the byte limit; 0 = no limit'),
    maxQueuedBytes: key(
      'HEARTH_MQTT_MAX_QUEUED_BYTES',
      intOrAuto(0),
      'auto' as number | 'auto',
      'bytes of QoS 1/2 messages kept in memory per offline persistent session; more are dropped, counted and logged; auto = 1/512 of the memory, 4-64 MiB (a sensor reporting every 10 s for a day needs about 3 MiB); 0 = no limit',
    ),
    maxClientIdLength: key('HEARTH_MQTT_MAX_CLIENT_ID_LENGTH', int(1, 65_535), 128, 'longest client id accepted'),
    connectTimeout: key('HEARTH_MQTT_CONNECT_TIMEOUT', int(100), 30_000, 'milliseconds a new connection has to send CONNECT'),
    anonymous: key('HEARTH_MQTT_ANONYMOUS', anonymous, false as boolean | 'loopback', 'allow MQTT clients without credentials: true, false, or loopback (plain TCP from 127.0.0.1/::1 only)'),
    tlsPort: key('HEARTH_MQTTS_PORT', port, 8883 as number | null, 'MQTT over TLS port; opens only when HEARTH_TLS_CERT and HEARTH_TLS_KEY are set'),
    clientCertPort: key('HEARTH_MQTTS_CLIENT_CERT_PORT', port, 8884 as number | null, 'MQTT over TLS requiring a client certificate signed by HEARTH_TLS_CA; opens only when cert, key and CA are set'),
    maxConnectionsPerIp: key('HEARTH_MQTT_MAX_CONNECTIONS_PER_IP', int(0), 256, 'concurrent MQTT connections from one address; 0 = no limit'),
    maxSubscriptions: key('HEARTH_MQTT_MAX_SUBSCRIPTIONS', int(0), 1000, 'subscriptions per client; 0 = no limit'),
    maxBuffered: key('HEARTH_MQTT_MAX_BUFFERED', int(65_536), 4 * 1024 * 1024, 'bytes waiting to be sent to one client; a client that falls further behind is disconnected'),
    url: key(
      'HEARTH_MQTT_URL',
      brokerUrls,
      [] as string[],
      'an external MQTT broker to use instead of the embedded one (mqtt://, mqtts://, ws://, wss://; a cluster\'s nodes comma-separated, tried in turn); unset = embedded broker',
    ),
    urlUsername: key('HEARTH_MQTT_URL_USERNAME', optionalText, null as string | null, 'user name the hub signs in to the external broker with'),
    urlPassword: key('HEARTH_MQTT_URL_PASSWORD', optionalText, null as string | null, 'password the hub signs in to the external broker with'),
    urlClientId: key('HEARTH_MQTT_URL_CLIENT_ID', text, 'hearth', 'client id of the hub\'s persistent session on the external broker (one per hub)'),
    urlCa: key('HEARTH_MQTT_URL_CA', optionalPath, null as string | null, 'PEM CA certificate(s) to trust for mqtts:// and wss:// external brokers, besides the system\'s'),
    authAllow: key(
      'HEARTH_MQTT_AUTH_ALLOW',
      list,
      ['127.0.0.1', '::1'],
      'addresses or networks (CIDR) of external brokers that may ask the hub who may connect and what each device may do (/api/mqtt-auth/...)',
    ),
    maxKeepAlive: key('HEARTH_MQTT_MAX_KEEP_ALIVE', int(0, 65_535), 0, 'longest keep-alive in seconds a client may ask for; a longer one, or none (0), is replaced and announced as Server Keep Alive (MQTT 5); 0 = no limit'),
  },
  bridge: {
    url: key('HEARTH_BRIDGE_URL', optionalBrokerUrl, null as string | null, 'a remote broker to bridge topics to and from, credentials in the URL (several: `bridges` in hearth.yaml); docs/bridges.md'),
    topics: key(
      'HEARTH_BRIDGE_TOPICS',
      bridgeTopics,
      [] as BridgeTopic[],
      'what HEARTH_BRIDGE_URL bridges, as mosquitto.conf writes it: `pattern direction qos local-prefix remote-prefix` (direction in, out or both), lines separated by ;',
    ),
  },
  bridges: key('HEARTH_BRIDGES', bridgeList, [] as BridgeConfig[], 'bridges to other brokers: a list of { name, url, clientId?, ca?, topics } in hearth.yaml, or the same list as JSON', (value) =>
    bridgeSetting(() => parseBridges(value)),
  ),
  devices: {
    discoveryPrefix: key('HEARTH_DISCOVERY_PREFIX', text, 'homeassistant', 'Home Assistant MQTT discovery prefix'),
    profilesDir: key('HEARTH_PROFILES_DIR', text, 'devices/profiles', 'directory of device profiles (YAML or JSON), relative to the working directory or the installation'),
    maxUnmappedTopics: key('HEARTH_MAX_UNMAPPED_TOPICS', int(0), 2000, 'topics kept in the unmapped list; the least recently seen go first'),
    advertisedHost: key(
      'HEARTH_ADVERTISED_HOST',
      text,
      'auto',
      'host name or address devices are told to connect to (the dashboard\'s setup values); auto = the address the MQTT listener binds to, or this machine\'s first LAN address when it binds to all',
    ),
  },
  tls: {
    cert: key('HEARTH_TLS_CERT', optionalPath, null as string | null, 'PEM certificate (chain) of the TLS listeners; reloaded when the file changes'),
    key: key('HEARTH_TLS_KEY', optionalPath, null as string | null, 'PEM private key of the TLS listeners; reloaded when the file changes'),
    ca: key('HEARTH_TLS_CA', optionalPath, null as string | null, 'PEM CA certificate(s) that sign client certificates for HEARTH_MQTTS_CLIENT_CERT_PORT'),
  },
  auth: {
    sessionTtl: key('HEARTH_SESSION_TTL', int(1), 7 * 24 * 3600, 'seconds a login session lasts after its last use'),
    maxFailures: key(
      'HEARTH_AUTH_MAX_FAILURES',
      int(1),
      5,
      'failed sign-ins (dashboard or MQTT) that lock a username on one address; an address is locked after 4 times as many, a username everywhere but the addresses it signed in from before after 6 times as many',
    ),
    lockout: key('HEARTH_AUTH_LOCKOUT', int(1), 900, 'seconds a locked username or address has to wait'),
    hashThreads: key('HEARTH_AUTH_HASH_THREADS', intOrAuto(1, 64), 'auto' as number | 'auto', 'threads that check passwords, off the event loop; auto = one less than the cores, at most 2'),
    hashQueue: key('HEARTH_AUTH_HASH_QUEUE', int(1, 10_000), 16, 'sign-ins that may wait for a password-checking thread; more are refused as "server busy" (MQTT) or 503 (HTTP)'),
  },
  sn: {
    udpPort: key('HEARTH_SN_UDP_PORT', port, 1884 as number | null, 'MQTT-SN over UDP port'),
    udpHost: key('HEARTH_SN_UDP_HOST', text, '0.0.0.0', 'address the MQTT-SN UDP listener binds to'),
    serial: key('HEARTH_SN_SERIAL', optionalPath, null as string | null, 'serial device of an XBee coordinator or a wired MQTT-SN sensor; unset = no serial'),
    serialMode: key('HEARTH_SN_SERIAL_MODE', oneOf('xbee', 'raw'), 'xbee' as 'xbee' | 'raw', 'xbee: XBee API frames; raw: MQTT-SN frames back to back'),
    xbeeApiMode: key('HEARTH_SN_XBEE_API_MODE', (raw) => int(1, 2)(raw) as 1 | 2, 2 as 1 | 2, 'the coordinator\'s AP setting: 1 plain, 2 escaped'),
    baud: key('HEARTH_SN_BAUD', int(50, 4_000_000), 9600, 'serial baud rate'),
    serialRetry: key('HEARTH_SN_SERIAL_RETRY', int(10), 2000, 'milliseconds between attempts to open a missing serial device'),
    gatewayId: key('HEARTH_SN_GATEWAY_ID', int(0, 255), 1, 'GwId in ADVERTISE and GWINFO'),
    predefined: key('HEARTH_SN_PREDEFINED', optionalPath, null as string | null, 'CSV file of predefined topic ids: clientId,topicName,topicId (clientId * = every client)'),
    advertiseInterval: key('HEARTH_SN_ADVERTISE_INTERVAL', int(0, 65_535), 900, 'seconds between ADVERTISE broadcasts on the serial link and the UDP multicast group (their Duration field); 0 = none'),
    multicast: key('HEARTH_SN_MULTICAST', bool, true, 'join the MQTT-SN multicast group on the UDP listener\'s interface: answer SEARCHGW sent there and send ADVERTISE to it'),
    multicastGroup: key('HEARTH_SN_MULTICAST_GROUP', ipv4MulticastGroup, '225.1.1.1', 'MQTT-SN multicast group (IPv4); the default is Paho\'s'),
    multicastPort: key('HEARTH_SN_MULTICAST_PORT', int(1, 65_535), 1883, 'UDP port of the MQTT-SN multicast group; the default is Paho\'s'),
    retryInterval: key('HEARTH_SN_RETRY_INTERVAL', int(10), 10_000, 'Tretry: milliseconds before an unanswered message to a client is sent again'),
    maxRetries: key('HEARTH_SN_MAX_RETRIES', int(0, 100), 3, 'Nretry: resends before a silent client is taken for lost'),
    maxClients: key('HEARTH_SN_MAX_CLIENTS', int(1), 1000, 'MQTT-SN sessions; more CONNECTs get the congestion return code'),
    maxQueued: key('HEARTH_SN_MAX_QUEUED', int(1), 1000, 'messages queued per client, or buffered while it sleeps'),
    maxInflight: key('HEARTH_SN_MAX_INFLIGHT', int(1, 65_535), 20, 'QoS 1/2 publishes per client waiting for the broker before the congestion return code'),
    udpAllow: key(
      'HEARTH_SN_UDP_ALLOW',
      list,
      ['127.0.0.0/8', '::1/128'],
      'networks (CIDR) and client ids whose UDP sensors connect without a device credential, each confined to the topics of HEARTH_SN_TRUSTED_TOPICS; serial is trusted by wiring',
    ),
    trustedTopics: key(
      'HEARTH_SN_TRUSTED_TOPICS',
      ownTopicFilters,
      ['garden/%c/#', 'devices/%c/#'],
      'topic filters a sensor trusted by network or wiring may publish and subscribe to (%c = its client id); never a device credential\'s topic prefix',
    ),
    maxTopics: key('HEARTH_SN_MAX_TOPICS', int(1, 65_533), 1000, 'topic ids registered per client'),
  },
  history: {
    retentionDays: key('HEARTH_HISTORY_RETENTION_DAYS', int(1, 36_500), 10, 'days raw readings and state changes are kept (purged in small batches); 5-minute and hourly statistics are kept forever'),
    energyMaxGap: key(
      'HEARTH_ENERGY_MAX_GAP',
      duration(1000),
      5 * 60_000,
      'longest silence of a power reading that is still integrated into energy (trapezoid); a longer one stays a gap. Meters with an energy counter do not need it',
    ),
  },
  notify: {
    webhooks: key(
      'HEARTH_NOTIFY_WEBHOOKS',
      urlList((url) => urlProblem(url, ['http:', 'https:'], 'https://ntfy.sh/hearth')),
      [] as string[],
      'URLs a rule\'s notify action also POSTs `{ rule, ruleId, title, message, url }` (JSON) to, for a bridge such as ntfy or a chat bot',
    ),
  },
  push: {
    contact: key(
      'HEARTH_PUSH_CONTACT',
      text,
      'mailto:hearth@localhost',
      'who runs this hub, for the push services that deliver notifications to phones (Web Push, VAPID `sub`): a mailto: or https: address; some services refuse a made-up one',
    ),
    allowHttp: key('HEARTH_PUSH_ALLOW_HTTP', bool, false, 'accept push subscriptions whose endpoint is plain http: (a push service on the local network); browsers\' own are https'),
  },
  database: {
    checkpointInterval: key('HEARTH_DB_CHECKPOINT_INTERVAL', int(50), 5000, 'milliseconds between WAL checkpoints (run off the event loop)'),
  },
  dataDir: key('HEARTH_DATA_DIR', text, './data', 'directory of the SQLite database and everything else durable'),
  demo: {
    enabled: key('HEARTH_DEMO', bool, false, 'start with simulated devices (lights, plugs, meter, sensors, garden) attached; also `--demo`'),
    timeScale: key('HEARTH_DEMO_TIME_SCALE', int(1, 3600), 60, 'simulated seconds per real second in demo mode'),
  },
  log: {
    level: key('HEARTH_LOG_LEVEL', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'log level'),
    pretty: key('HEARTH_LOG_PRETTY', bool, Boolean(process.stdout.isTTY), 'human-readable logs (default: only on a terminal)'),
  },
};

type Resolve<S> = S extends KeySpec<infer T> ? T : { readonly [K in keyof S]: Resolve<S[K]> };

/** The validated configuration, typed from the schema. */
export type HubConfig = Resolve<typeof configSchema>;

/** Whether the hub runs on an external broker (HEARTH_MQTT_URL): its own broker and MQTT listeners stay off. */
export const onExternalBroker = (config: HubConfig): boolean => config.mqtt.url.length > 0;

export type ConfigSource = 'env' | 'file' | 'default';

export { ConfigValueError };
