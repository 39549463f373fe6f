/**
 * The broker core of libs/broker on its own, the baseline the hub is measured against: default limits and the
 * in-memory store, on a plain TCP server set up as the hub sets up its own. Prints `{"port":n}` once listening.
 */
import { createServer } from 'node:net';
import { MqttBroker } from '@hearth/broker';

// Mosquitto accepts every client; so does this, with limits far above the scenarios'.
const broker = new MqttBroker({ maxQueued: 0 });
await broker.start();
const server = createServer({ noDelay: true }, (socket) => broker.handle(socket, { remoteAddress: socket.remoteAddress }));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  void broker.close().then(() => process.exit(0));
});
