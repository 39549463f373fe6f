// Test support shared by the *.test.ts files; not part of the package API.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { MqttBroker, type MqttBrokerOptions } from '../broker.js';
import type { ConnectionInfo } from '../ports.js';
import { until } from './until.js';

export interface TestBroker {
  broker: MqttBroker;
  port: number;
  /** mqtt://127.0.0.1:port */
  url: string;
  close(): Promise<void>;
}

/** A started broker on a plain TCP listener on 127.0.0.1, on a port the system picked. */
export async function startBroker(options: MqttBrokerOptions = {}): Promise<TestBroker> {
  const broker = new MqttBroker<ConnectionInfo>(options);
  await broker.start();
  const server: Server = createServer({ noDelay: true }, (socket) => broker.handle(socket, { remoteAddress: socket.remoteAddress }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    broker,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await broker.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A broker for the tests of one describe block, started before them and closed after them. The object
 * returned forwards to it once started.
 */
export function useBroker(options: MqttBrokerOptions | (() => MqttBrokerOptions) = {}): TestBroker {
  let current: TestBroker | undefined;
  beforeAll(async () => {
    current = await startBroker(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestBroker, {
    get: (_target, key) => {
      if (!current) throw new Error('the test broker is used before beforeAll started it');
      return Reflect.get(current, key);
    },
  });
}

/** Resolves once the broker no longer counts `clientId` as connected (it has handled the connection's end). */
export async function disconnected(server: TestBroker, clientId: string): Promise<void> {
  await until(() => ![...server.broker.clients()].some((client) => client.clientId === clientId), `the broker to see ${clientId} go`);
}
