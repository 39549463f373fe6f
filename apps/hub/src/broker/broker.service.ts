import { createServer, type Server, type Socket } from 'node:net';
import { totalmem } from 'node:os';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { Database } from 'better-sqlite3';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { MqttAuthService, type InProcessIdentity, type MqttConnection, type MqttTransport } from '../auth/mqtt-auth.service.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import { HubEvents } from '../events/hub-events.js';
import { LogThrottle } from '../logging/log-throttle.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { BrokerStats } from './broker-stats.js';
import { duplexPair } from './duplex-pair.js';
import { checkFirstPacket, limitReadAhead, limitWebSocketMessages, MAX_CONNECT_BYTES } from './connection-guard.js';
import { createMessageQueue } from './message-queue.js';
import { MqttBus, type BusHandler, type PublishOptions } from './mqtt-bus.js';
import { QueueDrops } from './queue-drops.js';
import { SqlitePersistence, type MqttPacket } from './sqlite-persistence.js';
import { coalesceWrites } from './write-coalescing.js';

/** Aedes' default: deliveries in progress at once before publishes wait in the message queue. */
const AEDES_CONCURRENCY = 100;

const MiB = 1024 * 1024;

/** HEARTH_MQTT_MAX_QUEUED_BYTES `auto`: 1/512 of the machine's memory, from 4 MiB (a 2 GB Pi) to 64 MiB. */
export const queueBytesFor = (setting: number | 'auto', memory = totalmem()): number =>
  setting === 'auto' ? Math.min(64 * MiB, Math.max(4 * MiB, Math.floor(memory / 512))) : setting;

/** Errors that are the network's doing, not a client speaking bad MQTT. */
const isTransportError = (error: Error & { code?: string }): boolean =>
  typeof error.code === 'string' || /did not arrive in time|keep ?alive|connection closed/i.test(error.message);

/** A CONNECT the broker answered with a refusing CONNACK (bad id, credentials...): well-formed, not welcome. */
const isRefusedConnect = (error: Error & { returnCode?: number; errorCode?: number }): boolean =>
  error.returnCode !== undefined || error.errorCode !== undefined;

export interface ListenerAddress {
  host: string;
  port: number;
}

/** A connection as accepted: where it came from, and how many bytes wait to be sent to it. */
interface Accepted extends MqttConnection {
  backlog(): number;
}

/** The embedded Aedes broker: its listeners, limits, counters, and the in-process MqttBus. */
@Injectable()
export class BrokerService extends MqttBus {
  readonly stats = new BrokerStats();
  readonly queueDrops: QueueDrops;
  private readonly log: Logger;
  private readonly mqtt: HubConfig['mqtt'];
  private readonly sockets = new Set<Socket>();
  private aedes!: Aedes;
  private persistence!: SqlitePersistence;
  private tcpServer?: Server;
  private wsServer?: WebSocketServer;
  private readonly connections = new WeakMap<Duplex, Accepted>();
  private readonly perAddress = new Map<string, number>();
  private readonly granted = new WeakMap<Client, Set<string>>();
  /** Refused connections are logged once per address every 10 s: a flood of them must not become a flood of log lines. */
  private readonly refusals = new LogThrottle(10_000);
  /** What lifts a connection's before-sign-in limits, run once its CONNECT is accepted. */
  private readonly onSignedIn = new WeakMap<Duplex, () => void>();

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
    private readonly auth: MqttAuthService,
    private readonly events: HubEvents,
  ) {
    super();
    this.mqtt = config.mqtt;
    this.log = root.child({ module: 'broker' });
    this.queueDrops = new QueueDrops(this.log, { messages: config.mqtt.maxQueued, bytes: queueBytesFor(config.mqtt.maxQueuedBytes) });
  }

  async start(): Promise<void> {
    const { stats, mqtt } = this;
    this.persistence = new SqlitePersistence({
      db: this.db,
      maxQueued: mqtt.maxQueued,
      maxQueuedBytes: queueBytesFor(mqtt.maxQueuedBytes),
      onDropped: (clientId) => {
        stats.publishDropped++;
        this.queueDrops.dropped(clientId);
      },
    });
    this.aedes = await Aedes.createBroker({
      mq: createMessageQueue(AEDES_CONCURRENCY),
      concurrency: AEDES_CONCURRENCY,
      persistence: this.persistence,
      maximumPacketSize: mqtt.maxPacketSize,
      receiveMaximum: mqtt.maxInflight,
      maxClientsIdLength: mqtt.maxClientIdLength,
      connectTimeout: mqtt.connectTimeout,
      authenticate: (client, username, password, done) => {
        // Aedes applies the client-id length limit to MQTT 3.1 only; ours holds for every version.
        if (client.id.length > mqtt.maxClientIdLength) {
          return done(Object.assign(new Error(`client id longer than ${mqtt.maxClientIdLength} characters`), { returnCode: 2 as const }), false);
        }
        this.auth.authenticate(client, this.connections.get(client.conn)!, username, password).then(
          (refused) => done(refused, refused === null),
          (error: Error) => done(Object.assign(error, { returnCode: 5 as const }), false),
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!this.auth.canPublish(client, packet.topic)) return done(new Error(`not authorized to publish to ${packet.topic}`));
        if (!this.persistence.needsJournal(packet)) return done(null);
        this.persistence.journal(client?.id ?? '', packet as unknown as MqttPacket).then(() => done(null), done);
      },
      authorizeSubscribe: (client, subscription, done) => {
        done(null, this.auth.canSubscribe(client, subscription.topic) && this.grantSubscription(client, subscription.topic) ? subscription : null);
      },
      authorizeForward: (client, packet) => {
        if (!this.auth.canReceive(client, packet.topic) || this.stalled(client)) return null;
        stats.messagesSent++;
        return packet;
      },
    });
    this.aedes.on('unsubscribe', (filters, client) => filters.forEach((filter) => this.granted.get(client)?.delete(filter)));
    // Every message, once, to whoever in the hub looks at all traffic (the entity pipeline, rules' MQTT triggers).
    this.aedes.on('publish', (packet, client) => {
      if (client) stats.messagesReceived++;
      if (this.events.has('mqttMessage')) this.events.emit('mqttMessage', { topic: packet.topic, payload: packet.payload as Buffer, qos: packet.qos, retain: packet.retain });
    });
    this.aedes.on('clientReady', (client) => {
      stats.clientsMaximum = Math.max(stats.clientsMaximum, this.aedes.connectedClients);
      this.onSignedIn.get(client.conn)?.();
    });
    const onError = (client: Client, error: Error) => {
      const fields = { clientId: client?.id, remote: (client?.conn as Socket | undefined)?.remoteAddress, reason: error.message };
      if (isTransportError(error)) return this.log.debug(fields, 'connection dropped');
      if (isRefusedConnect(error)) {
        stats.connectionsRefused++;
        const logged = this.refusals.take(fields.remote ?? '');
        return logged && this.log.info({ ...fields, ...(logged.skipped > 0 ? { alsoRefused: logged.skipped } : {}) }, 'refused a connection');
      }
      stats.malformedPackets++;
      this.log.warn(fields, 'closed a client that sent a malformed or forbidden packet');
    };
    this.aedes.on('clientError', onError);
    this.aedes.on('connectionError', onError);
    await this.replayJournal();
  }

  /** Publishes what a crash left between acknowledging QoS 1 messages and storing them (QoS 1 allows the repeat). */
  private async replayJournal(): Promise<void> {
    const packets = this.persistence.takeJournal();
    for (const packet of packets) {
      await new Promise<void>((resolve, reject) => this.aedes.publish(packet as PublishPacket, (error) => (error ? reject(error) : resolve())));
    }
    if (packets.length > 0) this.log.info({ count: packets.length }, 'replayed acknowledged QoS 1 messages a crash left unstored');
  }

  /** The in-process Aedes instance, for the few modules that extend the broker itself ($SYS). */
  get broker(): Aedes {
    return this.aedes;
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  bytes(): { received: number; sent: number } {
    let received = this.stats.closedBytesReceived;
    let sent = this.stats.closedBytesSent;
    for (const socket of this.sockets) {
      received += socket.bytesRead;
      sent += socket.bytesWritten;
    }
    return { received, sent };
  }

  /** Retained messages, persistent-session subscriptions and queued messages, counted in the database. */
  storedCounts(): { retained: number; subscriptions: number; queued: number } {
    return this.persistence.counts();
  }

  /** Subscriptions of connected clean sessions (persistent ones are counted in storedCounts). */
  liveCleanSubscriptions(): number {
    let count = 0;
    const clients = (this.aedes as unknown as { clients: Record<string, Client & { subscriptions: object }> }).clients;
    for (const id in clients) {
      if (clients[id].clean) count += Object.keys(clients[id].subscriptions).length;
    }
    return count;
  }

  /** Subscriptions per client (HEARTH_MQTT_MAX_SUBSCRIPTIONS), counted as granted: a SUBSCRIBE's filters are authorized in parallel. */
  private grantSubscription(client: Client, filter: string): boolean {
    const granted = this.granted.get(client) ?? new Set<string>();
    this.granted.set(client, granted);
    if (this.mqtt.maxSubscriptions > 0 && !granted.has(filter) && granted.size >= this.mqtt.maxSubscriptions) return false;
    granted.add(filter);
    return true;
  }

  /**
   * Aedes holds a message until every subscriber's socket took it, so one subscriber that stops reading
   * would hold up everyone. Sockets buffer up to maxBuffered instead of pushing back, and a client that
   * falls further behind is disconnected (its persistent session keeps queueing in the database).
   */
  private stalled(client: Client): boolean {
    const connection = this.connections.get(client.conn);
    if (!connection || connection.backlog() <= this.mqtt.maxBuffered) return false;
    if (!client.conn.destroyed) {
      this.log.warn({ clientId: client.id, backlog: connection.backlog(), limit: this.mqtt.maxBuffered }, 'disconnected a client that stopped reading');
      client.conn.destroy();
    }
    this.stats.publishDropped++;
    return true;
  }

  /** Bytes a socket may buffer before writes push back: more than the stall limit plus one packet, so Aedes never waits on it. */
  get socketHighWaterMark(): number {
    return this.mqtt.maxBuffered + this.mqtt.maxPacketSize + 1024;
  }

  /** Starts the MQTT-over-TCP listener; resolves with its address, or null when the port is `off`. */
  async listenTcp(): Promise<ListenerAddress | null> {
    if (this.mqtt.port === null) return null;
    // Writes are batched per turn of the event loop (coalesceWrites); Nagle on top would hold one back up to 40 ms.
    const server = createServer({ highWaterMark: this.socketHighWaterMark, noDelay: this.mqtt.tcpNoDelay }, (socket) => {
      limitReadAhead(socket);
      this.accept(socket, socket, 'mqtt');
    });
    this.tcpServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.mqtt.port ?? 0, this.mqtt.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error({ err: error }, 'MQTT listener error'));
    const address = server.address() as { port: number };
    return { host: this.mqtt.host, port: address.port };
  }

  /** A WebSocket server (noServer) carrying MQTT, to be mounted on the HTTP port. */
  createWebSocketServer(): WebSocketServer {
    const maxPayload = this.mqtt.maxPacketSize + 8;
    this.wsServer = new WebSocketServer({ noServer: true, maxPayload, handleProtocols: (protocols) => ['mqtt', 'mqttv3.1'].find((p) => protocols.has(p)) ?? false });
    this.wsServer.on('connection', (ws, request: IncomingMessage) => {
      const stream = createWebSocketStream(ws, { writableHighWaterMark: this.socketHighWaterMark });
      limitWebSocketMessages(ws, Math.min(MAX_CONNECT_BYTES + 8, maxPayload));
      this.onSignedIn.set(stream, () => limitWebSocketMessages(ws, maxPayload));
      const transport = (request.socket as { encrypted?: boolean }).encrypted ? 'wss' : 'ws';
      this.accept(stream, request.socket, transport, () => stream.writableLength + request.socket.writableLength, request);
    });
    return this.wsServer;
  }

  /**
   * An in-memory connection into the broker, for hub parts that act for a real MQTT client (an MQTT-SN
   * sensor is its own session: client id, will, persistence, ACL). Speak MQTT on the returned stream.
   */
  connectInProcess(identity?: InProcessIdentity): Duplex {
    const [hubSide, brokerSide] = duplexPair();
    this.connections.set(brokerSide, { transport: 'in-process', identity, backlog: () => 0 });
    this.aedes.handle(brokerSide);
    return hubSide;
  }

  /** Takes a network connection in (also from the TLS listeners): connection limits, byte counts, then Aedes. */
  accept(stream: Duplex, socket: Socket, transport: MqttTransport, backlog = () => socket.writableLength, request?: IncomingMessage): void {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const perAddressLimit = this.mqtt.maxConnectionsPerIp;
    if (this.sockets.size >= this.mqtt.maxConnections || (perAddressLimit > 0 && fromAddress >= perAddressLimit)) {
      this.stats.connectionsRefused++;
      const limit = this.sockets.size >= this.mqtt.maxConnections ? 'HEARTH_MQTT_MAX_CONNECTIONS' : 'HEARTH_MQTT_MAX_CONNECTIONS_PER_IP';
      this.log.warn({ remote: address, limit }, 'refused a connection: too many connections');
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    this.connections.set(stream, { transport, socket, backlog });
    socket.once('close', () => {
      const left = this.perAddress.get(address)! - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      this.sockets.delete(socket);
      this.stats.closedBytesReceived += socket.bytesRead;
      this.stats.closedBytesSent += socket.bytesWritten;
    });
    stream.on('error', () => socket.destroy());
    // Only network connections: what coalescing saves is write syscalls, which in-process ones do not make.
    coalesceWrites(stream);
    checkFirstPacket(stream, Math.min(MAX_CONNECT_BYTES, this.mqtt.maxPacketSize), this.mqtt.connectTimeout, (refused) => {
      if (refused === null) return this.aedes.handle(stream, request);
      const fields = { remote: address, transport, reason: refused.reason };
      if (!refused.malformed) this.log.debug(fields, 'connection dropped');
      else {
        this.stats.malformedPackets++;
        this.log.warn(fields, 'closed a client that sent a malformed or forbidden packet');
      }
      stream.destroy();
      socket.destroy();
    });
  }

  publish(topic: string, payload: string | Buffer, { qos = 0, retain = false }: PublishOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish(
        { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain, dup: false },
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }

  async subscribe(filter: string, handler: BusHandler, { retained = false } = {}): Promise<() => Promise<void>> {
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      this.hand(handler, packet, packet.retain);
      done();
    };
    await new Promise<void>((resolve) => this.aedes.subscribe(filter, deliver, resolve));
    if (retained) await this.forEachRetained(filter, handler);
    return () => new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, resolve));
  }

  async forEachRetained(filter: string, handler: BusHandler): Promise<void> {
    for await (const packet of this.persistence.createRetainedStreamCombi([filter])) this.hand(handler, packet as PublishPacket, true);
  }

  /** In-process handlers run on the broker's path: one that throws is logged, never takes the broker down. */
  private hand(handler: BusHandler, packet: AedesPublishPacket | PublishPacket, retain: boolean): void {
    try {
      handler({ topic: packet.topic, payload: packet.payload as Buffer, qos: packet.qos, retain });
    } catch (error) {
      this.log.error({ err: error, topic: packet.topic }, 'in-process subscriber failed');
    }
  }

  /** Closes every connection and the broker; resolves once its last batch of writes committed. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.tcpServer ? this.tcpServer.close(() => resolve()) : resolve()));
    this.wsServer?.close();
    if (!this.aedes) return;
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await this.persistence.destroy();
    this.queueDrops.close();
  }
}
