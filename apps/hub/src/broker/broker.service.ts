import { createServer, type Server, type Socket } from 'node:net';
import { totalmem } from 'node:os';
import type { Duplex } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { BrokerLinkDto } from '@hearth/api-types';
import { type ApplicationMessage, type BrokerStats, duplexPair, MqttBroker, ReasonCode } from '@hearth/broker';
import type { Database } from 'better-sqlite3';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MqttAuthService, type InProcessIdentity, type MqttConnection, type MqttTransport } from '../auth/mqtt-auth.service.js';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import { HubEvents } from '../events/hub-events.js';
import { LogThrottle } from '../logging/log-throttle.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { limitWebSocketMessages, MAX_CONNECT_BYTES } from './connection-guard.js';
import { MqttBus, type BusHandler, type BusMessage, type PublishOptions } from './mqtt-bus.js';
import { QueueDrops } from './queue-drops.js';
import { SqliteBrokerStore } from './sqlite-broker-store.js';

const MiB = 1024 * 1024;

/** HEARTH_MQTT_MAX_QUEUED_BYTES `auto`: 1/512 of the machine's memory, from 4 MiB (a 2 GB Pi) to 64 MiB. */
export const queueBytesFor = (setting: number | 'auto', memory = totalmem()): number =>
  setting === 'auto' ? Math.min(64 * MiB, Math.max(4 * MiB, Math.floor(memory / 512))) : setting;

export interface ListenerAddress {
  host: string;
  port: number;
}

/**
 * How long a subscriber may keep its publishers paused (its backlog over a quarter of
 * HEARTH_MQTT_MAX_BUFFERED) before it is cut off: one client that stopped reading holds everyone
 * publishing to it up no longer than this.
 */
const STALLED_TIMEOUT_MS = 5_000;

const busMessage = (message: ApplicationMessage): BusMessage => ({ topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain });

/** The embedded broker (libs/broker): its listeners, connection limits, hooks into the hub, and the in-process MqttBus. */
@Injectable()
export class BrokerService extends MqttBus {
  readonly queueDrops: QueueDrops;
  readonly startedAt = Date.now();
  private readonly log: Logger;
  private readonly mqtt: HubConfig['mqtt'];
  private readonly sockets = new Set<Socket>();
  private readonly store: SqliteBrokerStore;
  private readonly core: MqttBroker<MqttConnection>;
  private tcpServer?: Server;
  private wsServer?: WebSocketServer;
  private readonly perAddress = new Map<string, number>();
  /** Refused connections are logged once per address every 10 s: a flood of them must not become a flood of log lines. */
  private readonly refusals = new LogThrottle(10_000);

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) db: Database,
    private readonly auth: MqttAuthService,
    private readonly events: HubEvents,
  ) {
    super();
    const mqtt = (this.mqtt = config.mqtt);
    this.log = root.child({ module: 'broker' });
    const maxQueuedBytes = queueBytesFor(mqtt.maxQueuedBytes);
    this.queueDrops = new QueueDrops(this.log, { messages: mqtt.maxQueued, bytes: maxQueuedBytes });
    this.store = new SqliteBrokerStore(db);
    this.core = new MqttBroker<MqttConnection>({
      store: this.store,
      logger: this.log,
      maxPacketSize: mqtt.maxPacketSize,
      // Until a client has signed in, a CONNECT's worth is all it can make the broker hold.
      maxConnectPacketSize: MAX_CONNECT_BYTES,
      maxInflight: mqtt.maxInflight,
      maxQueued: mqtt.maxQueued,
      maxQueuedBytes,
      maxClientIdLength: mqtt.maxClientIdLength,
      connectTimeout: mqtt.connectTimeout,
      maxBuffered: mqtt.maxBuffered,
      stalledTimeout: STALLED_TIMEOUT_MS,
      maxSubscriptions: mqtt.maxSubscriptions,
      maxKeepAlive: mqtt.maxKeepAlive,
      hooks: {
        authenticate: (request) => this.auth.authenticate(request),
        authorizePublish: (client, message) => this.auth.canPublish(client, message.topic, message.payload),
        authorizeSubscribe: (client, filter) => this.auth.canSubscribe(client, filter),
        authorizeDeliver: (client, message) => this.auth.canReceive(client, message.topic, message.payload),
        // Every message, once, to whoever in the hub looks at all traffic (the entity pipeline, rules' MQTT triggers).
        published: (message) => {
          if (this.events.has('mqttMessage')) this.events.emit('mqttMessage', busMessage(message));
        },
        connected: (client) => {
          this.auth.signedIn(client, () => this.core.disconnect(client.clientId, ReasonCode.NOT_AUTHORIZED));
          client.connection.signedIn?.();
        },
        disconnected: (client) => this.auth.signedOut(client),
        dropped: (clientId) => this.queueDrops.dropped(clientId),
        refused: (connection, clientId, reasonCode, reason) => {
          const remote = connection.remoteAddress ?? connection.transport;
          const logged = this.refusals.take(remote);
          if (logged) this.log.info({ clientId, remote, reasonCode, reason, ...(logged.skipped > 0 ? { alsoRefused: logged.skipped } : {}) }, 'refused a connection');
        },
      },
    });
  }

  /** Loads the sessions and retained messages the store kept. */
  start(): Promise<void> {
    return this.core.start();
  }

  /** Counters behind `$SYS`. */
  get stats(): BrokerStats {
    return this.core.stats;
  }

  get connectedClients(): number {
    return this.core.connectedClients;
  }

  /** Retained messages, subscriptions and queued QoS 1/2 messages, for $SYS. */
  counts(): { retained: number; subscriptions: number; queued: number } {
    return { retained: this.core.retainedCount, subscriptions: this.core.subscriptionCount, queued: this.core.queuedCount };
  }

  /** Starts the MQTT-over-TCP listener; resolves with its address, or null when the port is `off`. */
  async listenTcp(): Promise<ListenerAddress | null> {
    if (this.mqtt.port === null) return null;
    // The broker batches what it writes to a connection per turn of the event loop; Nagle on top would hold a batch back up to 40 ms.
    const server = createServer({ noDelay: this.mqtt.tcpNoDelay }, (socket) => this.accept(socket, socket, 'mqtt'));
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
    this.wsServer.on('connection', (ws, request) => {
      const stream = createWebSocketStream(ws);
      limitWebSocketMessages(ws, Math.min(MAX_CONNECT_BYTES + 8, maxPayload));
      const transport = (request.socket as { encrypted?: boolean }).encrypted ? 'wss' : 'ws';
      this.accept(stream, request.socket, transport, () => limitWebSocketMessages(ws, maxPayload));
    });
    return this.wsServer;
  }

  /**
   * An in-memory connection into the broker, for hub parts that act for a real MQTT client (an MQTT-SN
   * sensor is its own session: client id, will, persistence, ACL). Speak MQTT on the returned stream.
   */
  connectInProcess(identity?: InProcessIdentity): Duplex {
    const [hubSide, brokerSide] = duplexPair();
    this.core.handle(brokerSide, { transport: 'in-process', identity });
    return hubSide;
  }

  /**
   * Takes a network connection in (also from the TLS listeners): connection limits, then the broker.
   * `signedIn` runs once its CONNECT is accepted (to lift before-sign-in limits).
   */
  accept(stream: Duplex, socket: Socket, transport: MqttTransport, signedIn?: () => void): void {
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
    socket.once('close', () => {
      const left = this.perAddress.get(address)! - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      this.sockets.delete(socket);
    });
    stream.on('error', () => socket.destroy());
    // The core refuses a first packet that is not a CONNECT at its first byte, one that declares more than
    // MAX_CONNECT_BYTES at its header, and a connection without CONNACK after HEARTH_MQTT_CONNECT_TIMEOUT.
    this.core.handle(stream, { transport, socket, remoteAddress: address, signedIn });
  }

  async publish(topic: string, payload: string | Buffer, { qos = 0, retain = false, publisher }: PublishOptions = {}): Promise<void> {
    await this.core.publish({ topic, payload, qos, retain, publisher });
  }

  async subscribe(filter: string, handler: BusHandler, { retained = false } = {}): Promise<() => Promise<void>> {
    const unsubscribe = this.core.subscribe(filter, (message) => handler(busMessage(message)), { retained });
    return async () => unsubscribe();
  }

  async forEachRetained(filter: string, handler: BusHandler): Promise<void> {
    this.core.forEachRetained(filter, (message) => handler(busMessage(message)));
  }

  link(): BrokerLinkDto {
    return { mode: 'embedded', connected: true, node: null, nodes: [], since: new Date(this.startedAt).toISOString(), error: null };
  }

  /** Closes every connection and the broker; resolves once its last writes committed. */
  async stop(): Promise<void> {
    await this.core.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.tcpServer ? this.tcpServer.close(() => resolve()) : resolve()));
    this.wsServer?.close();
    await this.store.close();
    this.queueDrops.close();
  }
}
