import type { IClientOptions, MqttClient } from 'mqtt';
import type { HubConfig } from '../config/config.schema.js';
import { describe, UsageError, type Command, type Invocation } from './command.js';
import { print } from './io.js';

// mosquitto_pub/mosquitto_sub's letters, but --host: -h is help here.
const CONNECTION = {
  host: describe({ type: 'string' }, "broker address (default: the hub's, HEARTH_MQTT_HOST)"),
  port: describe({ type: 'string', short: 'p' }, "broker port (default: the hub's, HEARTH_MQTT_PORT)"),
  username: describe({ type: 'string', short: 'u' }, 'a device credential or an admin'),
  password: describe({ type: 'string', short: 'P' }, 'its password'),
  qos: describe({ type: 'string', short: 'q' }, '0, 1 or 2 (default 0)'),
} as const;

const qosOf = (value: unknown): 0 | 1 | 2 => {
  if (value === undefined) return 0;
  if (value === '0' || value === '1' || value === '2') return Number(value) as 0 | 1 | 2;
  throw new UsageError('-q must be 0, 1 or 2');
};

/** Connects as the options say; the hub's own listener by default (one bound to every address is reached on loopback). */
async function connect(config: HubConfig, values: Invocation['values']): Promise<MqttClient> {
  const host = (values.host as string | undefined) ?? (config.mqtt.host === '0.0.0.0' ? '127.0.0.1' : config.mqtt.host);
  const port = values.port === undefined ? config.mqtt.port : Number(values.port);
  if (port === null) throw new UsageError('MQTT over TCP is off (HEARTH_MQTT_PORT): give --port');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be a port number');
  const { connectAsync } = await import('mqtt');
  const options: IClientOptions = {
    host,
    port,
    username: values.username as string | undefined,
    password: values.password as string | undefined,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
  return connectAsync(options);
}

/** `hearth pub` and `hearth sub`: quick checks against the hub's broker, like mosquitto_pub/sub. */
export function mqttCommands(config: HubConfig): Command[] {
  return [
    {
      name: 'pub',
      summary: 'Publish one message (like mosquitto_pub).',
      args: [],
      options: {
        topic: describe({ type: 'string', short: 't' }, 'topic'),
        message: describe({ type: 'string', short: 'm' }, 'payload (default: stdin)'),
        retain: describe({ type: 'boolean', short: 'r' }, 'retain the message'),
        ...CONNECTION,
      },
      async run({ values }) {
        if (typeof values.topic !== 'string') throw new UsageError('-t <topic> is required');
        const qos = qosOf(values.qos);
        const payload = (values.message as string | undefined) ?? (await readStdin());
        const client = await connect(config, values);
        try {
          await client.publishAsync(values.topic, payload, { qos, retain: values.retain === true });
        } finally {
          await client.endAsync();
        }
      },
    },
    {
      name: 'sub',
      summary: 'Print messages of one or more topic filters (like mosquitto_sub).',
      args: [],
      options: {
        topic: describe({ type: 'string', short: 't', multiple: true }, 'topic filter; repeat for more'),
        count: describe({ type: 'string', short: 'C' }, 'exit after this many messages'),
        timeout: describe({ type: 'string', short: 'W' }, 'give up after this many seconds (status 1)'),
        verbose: describe({ type: 'boolean', short: 'v' }, 'print the topic before each payload'),
        ...CONNECTION,
      },
      details: ['Prints one line per message; runs until the count is reached, the timeout, or Ctrl-C.'],
      async run({ values }) {
        const topics = values.topic as string[] | undefined;
        if (!topics?.length) throw new UsageError('-t <topic> is required');
        const qos = qosOf(values.qos);
        const count = values.count === undefined ? Infinity : Number(values.count);
        if (!(Number.isInteger(count) || count === Infinity) || count < 1) throw new UsageError('-C must be a positive whole number');
        const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
        if (timeout !== undefined && !(timeout > 0)) throw new UsageError('-W must be a positive number of seconds');
        const client = await connect(config, values);
        try {
          await receive(client, topics, qos, count, timeout, values.verbose === true);
        } finally {
          await client.endAsync();
        }
      },
    },
  ];
}

/** Subscribes, prints, and settles at `count` messages, Ctrl-C (both fine) or the timeout. */
async function receive(client: MqttClient, topics: string[], qos: 0 | 1 | 2, count: number, timeout: number | undefined, verbose: boolean): Promise<void> {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  let interrupted: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.on('message', (topic, payload) => {
        if (received >= count) return;
        print(verbose ? `${topic} ${payload.toString()}` : payload.toString());
        if (++received === count) resolve();
      });
      client.on('close', () => reject(new Error('the broker closed the connection')));
      interrupted = () => resolve();
      process.once('SIGINT', interrupted);
      if (timeout !== undefined) timer = setTimeout(() => reject(new Error(`timed out after ${timeout} s with ${received} messages`)), timeout * 1000);
      // MQTT.js rejects when the SUBACK refuses a filter.
      client.subscribeAsync(topics, { qos }).catch((error: Error) => reject(new Error(`the broker refused ${topics.join(', ')}: ${error.message}`)));
    });
  } finally {
    clearTimeout(timer);
    if (interrupted) process.off('SIGINT', interrupted);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
