import mqtt, { type IClientOptions, type MqttClient, type IPublishPacket } from 'mqtt';

/** An MQTT.js client that is connected when the promise resolves (reconnects off: tests control them). */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  await connected(client, url);
  return client;
}

/**
 * Connects with a collector attached before the CONNACK: a persistent session's queued messages can
 * arrive in the same read as the CONNACK, before code awaiting connectClient could attach one.
 */
export async function connectCollecting(url: string, options: IClientOptions = {}): Promise<{ client: MqttClient; inbox: Inbox }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const inbox = collect(client);
  await connected(client, url);
  return { client, inbox };
}

function connected(client: MqttClient, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`connection to ${url} closed before CONNACK`)));
  });
}

export interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

/** Collects every message a client receives; `next(n)` waits for the n-th one. */
export interface Inbox {
  messages: Received[];
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
}

export function collect(client: MqttClient): Inbox {
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), packet });
    waiters.splice(0).forEach((wake) => wake());
  });
  const waitFor = (count: number, timeoutMs = 5000): Promise<Received[]> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`got ${messages.length} of ${count} messages: ${JSON.stringify(messages.map((m) => m.topic))}`)), timeoutMs);
      const check = () => {
        if (messages.length >= count) {
          clearTimeout(deadline);
          resolve(messages);
        } else waiters.push(check);
      };
      check();
    });
  return { messages, waitFor };
}
