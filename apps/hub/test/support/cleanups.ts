import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach } from 'vitest';
import { connectClient } from './mqtt-client.js';
import { startMosquitto, type RunningMosquitto } from './mosquitto.js';
import { removeDataDir, startTestHub, tempDataDir, type TestHub } from './test-hub.js';

/** What a test started (brokers, hubs, clients), undone after it, last first: `undo(() => hub.close())`. */
export function useCleanups(): (...steps: Array<() => unknown>) => void {
  const steps: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step();
  });
  return (...more) => void steps.push(...more);
}

/** The parts tests with several brokers start, each removed after the test that started it. */
export function useTestParts() {
  const undo = useCleanups();
  return {
    undo,
    mosquitto: async (extraConfig?: string[]): Promise<RunningMosquitto> => {
      const broker = await startMosquitto(extraConfig);
      undo(() => broker.remove());
      return broker;
    },
    hub: async (env: Record<string, string>, dataDir = tempDataDir()): Promise<TestHub> => {
      const hub = await startTestHub(env, dataDir);
      undo(() => removeDataDir(dataDir), () => hub.close());
      return hub;
    },
    client: async (url: string, options: IClientOptions = {}): Promise<MqttClient> => {
      const client = await connectClient(url, options);
      undo(() => client.endAsync(true));
      return client;
    },
  };
}
