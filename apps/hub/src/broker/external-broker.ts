import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { BrokerLinkDto } from '@hearth/api-types';
import { topicMatches } from '@hearth/mqtt-topics';
import { MqttClient } from 'mqtt';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { HubEvents } from '../events/hub-events.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { openBrokerStream, shownUrl } from './broker-stream.js';
import { MqttBus, type BusHandler, type BusMessage, type PublishOptions } from './mqtt-bus.js';

/** Reconnect delays: the next node at once, then doubling to this. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Seconds; the broker drops the hub's connection after 1.5 times this without a packet. */
const KEEP_ALIVE = 30;

/** A command while the link to the external broker is down: refused, so that the caller sees it (503). */
export class BrokerLinkDown extends Error {
  readonly kind = 'busy';

  constructor() {
    super('the hub has no link to the MQTT broker just now (HEARTH_MQTT_URL); try again when it is back');
  }
}

/**
 * The hub on an external MQTT broker (HEARTH_MQTT_URL) instead of its embedded one: one client with a
 * persistent session that sees every message (`#`), failing over across the cluster's nodes in turn. The
 * hub's parts use it as they use the embedded broker; a publish while the link is down is refused.
 */
@Injectable()
export class ExternalBroker extends MqttBus {
  private readonly log: Logger;
  private readonly nodes: URL[];
  private client?: MqttClient;
  private next = 0;
  private node: URL | undefined;
  private connected = false;
  /** Whether this run has subscribed yet: its first subscription brings the retained messages, as a start needs. */
  private subscribed = false;
  /** An outage is logged once, not at every retry. */
  private outageLogged = false;
  private since = Date.now();
  private lastError: string | null = null;
  private retryMs = FIRST_RETRY_MS;
  /** Messages that came before the hub's parts listened (a persistent session's backlog), handed over on attach. */
  private early: BusMessage[] | null = [];
  /** The highest QoS the broker grants (NATS grants 1): publishes above it are sent at it. */
  private maxQos: 0 | 1 | 2 = 2;
  private ca: Buffer | undefined;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly events: HubEvents,
  ) {
    super();
    this.log = root.child({ module: 'broker-link' });
    this.nodes = config.mqtt.url.map((url) => new URL(url));
  }

  /** Connects (in the background: the hub starts without its broker and catches up) and subscribes to everything. */
  start(): void {
    const { urlClientId, urlCa } = this.config.mqtt;
    const ca = (this.ca = urlCa === null ? undefined : readFileSync(urlCa));
    const client = new MqttClient(
      (self) => {
        const node = this.nodes[this.next++ % this.nodes.length];
        this.node = node;
        Object.assign(self.options, this.credentialsFor(node));
        return openBrokerStream(node, ca);
      },
      {
        clientId: urlClientId,
        clean: false,
        protocolVersion: 4,
        keepalive: KEEP_ALIVE,
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectPeriod: FIRST_RETRY_MS,
        resubscribe: true,
        ...this.credentialsFor(this.nodes[0]),
      },
    );
    this.client = client;
    client.on('connect', (connack) => {
      this.connected = true;
      this.since = Date.now();
      this.lastError = null;
      this.retryMs = client.options.reconnectPeriod = FIRST_RETRY_MS;
      this.outageLogged = false;
      this.log.info({ node: this.shown(this.node), sessionPresent: connack.sessionPresent }, 'connected to the MQTT broker');
      // A session the broker kept still has its subscription; a new one needs it (again), and so does a start.
      if (!connack.sessionPresent || !this.subscribed) this.subscribeAll();
      this.events.emit('brokerLink', this.link());
    });
    client.on('close', () => {
      if (this.connected) this.since = Date.now();
      if (!this.outageLogged) {
        this.outageLogged = true;
        this.log.warn({ node: this.shown(this.node), error: this.lastError }, this.connected ? 'lost the MQTT broker; trying its nodes in turn' : 'cannot reach the MQTT broker; trying its nodes in turn');
      }
      const wasConnected = this.connected;
      this.connected = false;
      if (wasConnected) this.events.emit('brokerLink', this.link());
      // Backoff once every node has been tried.
      if (this.next % this.nodes.length === 0) this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
      client.options.reconnectPeriod = this.next % this.nodes.length === 0 ? this.retryMs : FIRST_RETRY_MS;
    });
    client.on('error', (error) => {
      this.lastError = error.message;
      this.log.debug({ node: this.shown(this.node), err: error }, 'MQTT broker link error');
    });
    client.on('message', (topic, payload, packet) => {
      const message: BusMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
      if (this.early) this.early.push(message);
      else this.events.emit('mqttMessage', message);
    });
  }

  /** A connection of its own to the node the hub is on, for a session the hub carries for someone (an MQTT-SN sensor). */
  connect(): Duplex {
    return openBrokerStream(this.node ?? this.nodes[0], this.ca);
  }

  /** What those sessions sign in with: the hub's own credentials, the broker knows no others. */
  get credentials(): { username?: string; password?: string } {
    return this.credentialsFor(this.node ?? this.nodes[0]);
  }

  /** The hub's parts listen now: what came before them is handed over, in order, and from here on every message. */
  attach(): void {
    const early = this.early ?? [];
    this.early = null;
    for (const message of early) this.events.emit('mqttMessage', message);
  }

  /** What the dashboard and /api/health show of the link. */
  link(): BrokerLinkDto {
    return {
      mode: 'external',
      connected: this.connected,
      node: this.node ? this.shown(this.node) : null,
      nodes: this.nodes.map((node) => this.shown(node)),
      since: new Date(this.since).toISOString(),
      error: this.connected ? null : this.lastError,
    };
  }

  async publish(topic: string, payload: string | Buffer, { qos = 0, retain = false }: PublishOptions = {}): Promise<void> {
    const client = this.client;
    // While the hub starts (its own announcements), MQTT.js holds a publish until it connects; once the hub
    // runs, a publish while the link is down is refused, so that whoever asked sees it.
    if (!client || (!this.connected && this.early === null)) throw new BrokerLinkDown();
    await client.publishAsync(topic, payload, { qos: Math.min(qos, this.maxQos) as 0 | 1 | 2, retain });
  }

  async subscribe(filter: string, handler: BusHandler): Promise<() => Promise<void>> {
    // Everything reaches the hub through its `#` subscription already: this only filters the bus.
    const owner = {};
    this.events.on(owner, 'mqttMessage', (message) => {
      if (topicMatches(filter, message.topic)) handler(message);
    });
    return async () => this.events.release(owner);
  }

  /** An external broker sends its retained messages when the hub subscribes, as ordinary messages: none to hand over here. */
  async forEachRetained(): Promise<void> {}

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // A clean DISCONNECT: the broker keeps the session (and queues for it) until the hub is back.
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }

  private credentialsFor(node: URL): { username?: string; password?: string } {
    const { urlUsername, urlPassword } = this.config.mqtt;
    return {
      username: urlUsername ?? (node.username ? decodeURIComponent(node.username) : undefined),
      password: urlPassword ?? (node.password ? decodeURIComponent(node.password) : undefined),
    };
  }

  private subscribeAll(): void {
    this.subscribed = true;
    this.client?.subscribe('#', { qos: 2 }, (error, granted) => {
      if (error) return this.log.error({ err: error }, 'could not subscribe to the MQTT broker');
      const qos = granted?.[0]?.qos ?? 0x80;
      if (qos > 2) return this.log.error({ granted: qos }, 'the MQTT broker refused the hub a subscription to #: it sees no messages');
      this.maxQos = qos as 0 | 1 | 2;
    });
  }

  private shown(node: URL | undefined): string {
    return node ? shownUrl(node) : '';
  }
}
