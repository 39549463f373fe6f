import { collect, type Inbox } from '@hearth/broker/testing/mqttjs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

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

export { collect, type Inbox, type Received } from '@hearth/broker/testing/mqttjs';
