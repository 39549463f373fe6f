import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { Database } from 'better-sqlite3';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { BrokerStats } from './broker-stats.js';
import { duplexPair } from './duplex-pair.js';
import { MqttBus, type BusHandler, type PublishOptions } from './mqtt-bus.js';
import { SqlitePersistence } from './sqlite-persistence.js';

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

/** The embedded Aedes broker: its listeners, limits, counters, and the in-process MqttBus. */
@Injectable()
export class BrokerService extends MqttBus implements OnModuleInit, BeforeApplicationShutdown {
  readonly stats = new BrokerStats();
  private readonly log: Logger;
  private readonly mqtt: HubConfig['mqtt'];
  private readonly sockets = new Set<Socket>();
  private aedes!: Aedes;
  private persistence!: SqlitePersistence;
  private tcpServer?: Server;
  private wsServer?: WebSocketServer;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
  ) {
    super();
    this.mqtt = config.mqtt;
    this.log = root.child({ module: 'broker' });
  }

  async onModuleInit(): Promise<void> {
    const { stats, mqtt } = this;
    this.persistence = new SqlitePersistence({ db: this.db, maxQueued: mqtt.maxQueued, onDropped: () => stats.publishDropped++ });
    this.aedes = await Aedes.createBroker({
      persistence: this.persistence,
      maximumPacketSize: mqtt.maxPacketSize,
      receiveMaximum: mqtt.maxInflight,
      maxClientsIdLength: mqtt.maxClientIdLength,
      connectTimeout: mqtt.connectTimeout,
      authenticate: (client, _username, _password, done) => {
        // Aedes applies the client-id length limit to MQTT 3.1 only; ours holds for every version.
        if (client.id.length <= mqtt.maxClientIdLength) return done(null, true);
        done(Object.assign(new Error(`client id longer than ${mqtt.maxClientIdLength} characters`), { returnCode: 2 as const }), false);
      },
      authorizePublish: (client, packet, done) => {
        if (!this.persistence.needsJournal(packet)) return done(null);
        this.persistence.journal(client?.id ?? '', packet).then(() => done(null), done);
      },
      published: (packet, _client, done) => {
        this.persistence.published(packet)?.catch((error: Error) => this.log.error({ err: error }, 'could not clear the publish journal'));
        done(null);
      },
      authorizeForward: (_client, packet) => {
        stats.messagesSent++;
        return packet;
      },
    });
    this.aedes.on('publish', (_packet, client) => {
      if (client) stats.messagesReceived++;
    });
    this.aedes.on('clientReady', () => {
      stats.clientsMaximum = Math.max(stats.clientsMaximum, this.aedes.connectedClients);
    });
    const onError = (client: Client, error: Error) => {
      const fields = { clientId: client?.id, remote: (client?.conn as Socket | undefined)?.remoteAddress, reason: error.message };
      if (isTransportError(error)) return this.log.debug(fields, 'connection dropped');
      if (isRefusedConnect(error)) {
        stats.connectionsRefused++;
        return this.log.info(fields, 'refused a connection');
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

  /** Starts the MQTT-over-TCP listener; resolves with its address, or null when the port is `off`. */
  async listenTcp(): Promise<ListenerAddress | null> {
    if (this.mqtt.port === null) return null;
    const server = createServer((socket) => this.accept(socket, socket));
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
    this.wsServer = new WebSocketServer({
      noServer: true,
      maxPayload: this.mqtt.maxPacketSize + 8,
      handleProtocols: (protocols) => ['mqtt', 'mqttv3.1'].find((p) => protocols.has(p)) ?? false,
    });
    this.wsServer.on('connection', (ws, request: IncomingMessage) => {
      this.accept(createWebSocketStream(ws), request.socket, request);
    });
    return this.wsServer;
  }

  /**
   * An in-memory connection into the broker, for hub parts that act for a real MQTT client (an MQTT-SN
   * sensor is its own session: client id, will, persistence, ACL). Speak MQTT on the returned stream.
   */
  connectInProcess(): Duplex {
    const [hubSide, brokerSide] = duplexPair();
    this.aedes.handle(brokerSide);
    return hubSide;
  }

  private accept(stream: Duplex, socket: Socket, request?: IncomingMessage): void {
    if (this.sockets.size >= this.mqtt.maxConnections) {
      this.stats.connectionsRefused++;
      this.log.warn({ remote: socket.remoteAddress, limit: this.mqtt.maxConnections }, 'refused a connection: too many connections');
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.stats.closedBytesReceived += socket.bytesRead;
      this.stats.closedBytesSent += socket.bytesWritten;
    });
    stream.on('error', () => socket.destroy());
    this.aedes.handle(stream, request);
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
    const hand = (packet: AedesPublishPacket | PublishPacket, retain: boolean) => {
      try {
        handler({ topic: packet.topic, payload: packet.payload as Buffer, qos: packet.qos, retain });
      } catch (error) {
        this.log.error({ err: error, topic: packet.topic }, 'in-process subscriber failed');
      }
    };
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      hand(packet, packet.retain);
      done();
    };
    await new Promise<void>((resolve) => this.aedes.subscribe(filter, deliver, resolve));
    if (retained) {
      for await (const packet of this.persistence.createRetainedStreamCombi([filter])) hand(packet as PublishPacket, true);
    }
    return () => new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, resolve));
  }

  /** Before the database closes (onApplicationShutdown): the last batch of broker writes must commit. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.tcpServer ? this.tcpServer.close(() => resolve()) : resolve()));
    this.wsServer?.close();
    if (!this.aedes) return;
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await this.persistence.destroy();
  }
}
