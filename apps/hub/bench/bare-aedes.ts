/**
 * Bare Aedes, the bench's baseline for the hub: default options and in-memory persistence, on a
 * plain TCP server set up as the hub sets up its own. Prints `{"port":n}` once listening.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
