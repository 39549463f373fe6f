// Test support shared by the *.test.ts files and the hub's tests (@hearth/broker/testing/mqttjs).
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

/** An MQTT.js client, connected when the promise resolves, with every message it receives collected from the start. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient & { inbox: Inbox }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options }) as MqttClient & { inbox: Inbox };
  client.inbox = collect(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`connection to ${url} closed before CONNACK`)));
  });
  return client;
}

export interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

export interface Inbox {
  messages: Received[];
  /** Resolves with all messages once there are `count`. */
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
      const deadline = setTimeout(() => reject(new Error(`got ${messages.length} of ${count} messages: ${JSON.stringify(messages.map((m) => `${m.topic}=${m.payload}`))}`)), timeoutMs);
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
