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

const key = <T>(env: string, parse: Parser<T>, fallback: T, describe: string): KeySpec<T> => ({
  env,
  parse,
  default: fallback,
  describe,
});

export const configSchema = {
  http: {
    port: key('HEARTH_HTTP_PORT', port, 8080 as number | null, 'HTTP port of the dashboard, REST API and WebSockets'),
    host: key('HEARTH_HTTP_HOST', text, '0.0.0.0', 'address the HTTP listener binds to'),
  },
  mqtt: {
    port: key('HEARTH_MQTT_PORT', port, 1883 as number | null, 'MQTT over TCP port'),
    host: key('HEARTH_MQTT_HOST', text, '0.0.0.0', 'address the MQTT listener binds to'),
    websocketPath: key('HEARTH_MQTT_WS_PATH', text, '/mqtt', 'path of MQTT over WebSocket on the HTTP port'),
    sysInterval: key('HEARTH_MQTT_SYS_INTERVAL', int(0, 86_400), 10, 'seconds between $SYS updates; 0 turns $SYS off'),
    maxPacketSize: key('HEARTH_MQTT_MAX_PACKET_SIZE', int(64, 268_435_455), 2 * 1024 * 1024, 'largest MQTT packet accepted, in bytes'),
    maxConnections: key('HEARTH_MQTT_MAX_CONNECTIONS', int(1), 10_000, 'concurrent MQTT connections over all listeners'),
    maxInflight: key('HEARTH_MQTT_MAX_INFLIGHT', int(1, 65_535), 20, 'QoS 1/2 messages in flight per client (MQTT 5 Receive Maximum)'),
    maxQueued: key('HEARTH_MQTT_MAX_QUEUED', int(0), 1000, 'QoS 1/2 messages kept per offline persistent session; 0 = no limit'),
    maxClientIdLength: key('HEARTH_MQTT_MAX_CLIENT_ID_LENGTH', int(1, 65_535), 128, 'longest client id accepted'),
    connectTimeout: key('HEARTH_MQTT_CONNECT_TIMEOUT', int(100), 30_000, 'milliseconds a new connection has to send CONNECT'),
  },
  devices: {
    discoveryPrefix: key('HEARTH_DISCOVERY_PREFIX', text, 'homeassistant', 'Home Assistant MQTT discovery prefix'),
    profilesDir: key('HEARTH_PROFILES_DIR', text, 'devices/profiles', 'directory of device profiles (YAML or JSON), relative to the working directory or the installation'),
    maxUnmappedTopics: key('HEARTH_MAX_UNMAPPED_TOPICS', int(0), 2000, 'topics kept in the unmapped list; the least recently seen go first'),
  },
  dataDir: key('HEARTH_DATA_DIR', text, './data', 'directory of the SQLite database and everything else durable'),
  log: {
    level: key('HEARTH_LOG_LEVEL', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'log level'),
    pretty: key('HEARTH_LOG_PRETTY', bool, Boolean(process.stdout.isTTY), 'human-readable logs (default: only on a terminal)'),
  },
};

type Resolve<S> = S extends KeySpec<infer T> ? T : { readonly [K in keyof S]: Resolve<S[K]> };

/** The validated configuration, typed from the schema. */
export type HubConfig = Resolve<typeof configSchema>;

export type ConfigSource = 'env' | 'file' | 'default';

export { ConfigValueError };
