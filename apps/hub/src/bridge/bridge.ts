import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { MqttClient, type IPublishPacket } from 'mqtt';
import type { BridgeStateDto } from '@hearth/api-types';
import type { InProcessIdentity } from '../auth/mqtt-auth.service.js';
import { openBrokerStream, shownUrl } from '../broker/broker-stream.js';
import type { MqttBus } from '../broker/mqtt-bus.js';
import type { Logger } from '../logging/logger.js';
import { bridgedTopic, subscriptionsOn, type BridgeConfig } from './bridge-config.js';

const RETRY_MS = 2_000;
const KEEP_ALIVE = 30;

/** The embedded broker as the bridge sees it: a session of its own in-process, and publishing for it. */
export interface LocalBroker {
  connectInProcess(identity?: InProcessIdentity): Duplex;
  publish: MqttBus['publish'];
}

/**
 * One bridge: a persistent session on the embedded broker and one on the remote broker, each subscribed to
 * what crosses towards the other. A message is acknowledged to the side it came from only once the other
 * side has taken it: while the remote broker is away, what goes out waits in the embedded broker's store
 * (durable, bounded like any offline session's queue) and leaves in order when it is back. Both
 * subscriptions are no-local, so what the bridge delivers on one side never comes back to it.
 * Subscriptions are at most QoS 1: a QoS 2 message the bridge had taken but not passed on would be lost in
 * a crash (the sender only repeats its PUBREL).
 */
export class Bridge {
  private local?: MqttClient;
  private remote?: MqttClient;
  private connected = false;
  private since = Date.now();
  private error: string | null = null;
  private readonly forwarded = { out: 0, in: 0 };
  private subscribedRemote = false;
  private readonly localClientId: string;

  constructor(
    readonly config: BridgeConfig,
    private readonly broker: LocalBroker,
    private readonly log: Logger,
    /** The link came up or went down. */
    private readonly onLink: (bridge: Bridge) => void,
  ) {
    this.localClientId = `hearth-bridge-${config.name}`;
  }

  start(): void {
    const { config } = this;
    const url = new URL(config.url);
    const ca = config.ca === null ? undefined : readFileSync(config.ca);
    const remote = new MqttClient(() => openBrokerStream(url, ca), {
      clientId: config.clientId,
      clean: false,
      protocolVersion: 5,
      keepalive: KEEP_ALIVE,
      reconnectPeriod: RETRY_MS,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      // A session the remote keeps until the bridge is back: what it has for the hub waits there.
      properties: { sessionExpiryInterval: 0xffffffff },
    });
    this.remote = remote;
    remote.handleMessage = (packet, done) => this.pass(packet, 'remote', done);
    // Once, for a bridge's first start: its session here and its subscriptions, so that what goes out is kept
    // for it even if the remote broker is not there yet.
    this.openLocal();
    remote.on('connect', (connack) => {
      this.connected = true;
      this.since = Date.now();
      this.error = null;
      this.log.info({ bridge: config.name, remote: shownUrl(url), sessionPresent: connack.sessionPresent }, 'bridge connected');
      if (!connack.sessionPresent || !this.subscribedRemote) void subscribe(remote, subscriptionsOn(config.topics, 'remote'), this.log);
      this.subscribedRemote = true;
      this.openLocal();
      this.onLink(this);
    });
    remote.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      this.closeLocal();
      this.since = Date.now();
      this.log.warn({ bridge: config.name, remote: shownUrl(url), error: this.error }, 'bridge lost its remote broker; what goes out waits in the hub until it is back');
      this.onLink(this);
    });
    remote.on('error', (error) => {
      this.error = error.message;
    });
  }

  /**
   * The bridge's session on the embedded broker is connected only while the remote broker is: offline, it is
   * a persistent session like any other, whose messages the broker keeps in its store (bounded, counted when
   * dropped) without holding anyone's publishes up behind a bridge that cannot pass them on.
   */
  private openLocal(): void {
    if (this.local) return;
    const local = new MqttClient(() => this.broker.connectInProcess({ trusted: true }), {
      clientId: this.localClientId,
      clean: false,
      protocolVersion: 5,
      keepalive: 0,
      reconnectPeriod: RETRY_MS,
      properties: { sessionExpiryInterval: 0xffffffff },
    });
    local.handleMessage = (packet, done) => this.pass(packet, 'local', done);
    local.on('connect', (connack) => {
      const subscribed = connack.sessionPresent ? Promise.resolve() : subscribe(local, subscriptionsOn(this.config.topics, 'local'), this.log);
      void subscribed.then(() => {
        if (!this.connected) this.closeLocal();
      });
    });
    this.local = local;
  }

  /** At once: what it had not passed on yet stays unacknowledged in its session, and comes again. */
  private closeLocal(): void {
    const local = this.local;
    this.local = undefined;
    local?.end(true);
  }

  state(): BridgeStateDto {
    return {
      name: this.config.name,
      remote: shownUrl(new URL(this.config.url)),
      connected: this.connected,
      since: new Date(this.since).toISOString(),
      error: this.connected ? null : this.error,
      forwarded: { ...this.forwarded },
    };
  }

  async stop(): Promise<void> {
    // At once, without waiting for a remote broker that may be away: both sessions stay, and what was on its
    // way is sent again when the bridge is back (QoS 1 may repeat it).
    await Promise.all([this.local, this.remote].map((client) => client && new Promise<void>((resolve) => client.end(true, {}, () => resolve()))));
  }

  /**
   * A message from one side to the other; `done` (the acknowledgement to its side) once the other has it.
   * Inbound goes straight into the broker for the bridge's session (its No Local leaves it out): never through
   * the local client, whose queue may be waiting on the remote broker while the remote one waits on this.
   */
  private pass(packet: IPublishPacket, from: 'local' | 'remote', done: (error?: Error) => void): void {
    const to = bridgedTopic(this.config.topics, packet.topic, from);
    if (!to) return done();
    const passed = (error?: Error) => {
      if (error) return done(error);
      this.forwarded[from === 'local' ? 'out' : 'in']++;
      done();
    };
    const payload = packet.payload as Buffer;
    if (from === 'local') this.remote!.publish(to.topic, payload, { qos: to.qos, retain: packet.retain }, passed);
    else this.broker.publish(to.topic, payload, { qos: to.qos, retain: packet.retain, publisher: this.localClientId }).then(() => passed(), passed);
  }
}

async function subscribe(client: MqttClient, subscriptions: Array<{ filter: string; qos: 0 | 1 | 2 }>, log: Logger): Promise<void> {
  await Promise.all(
    subscriptions.map(({ filter, qos }) =>
      // nl: never back to where it came from; rap: a retained message stays retained on the other side.
      client.subscribeAsync(filter, { qos: Math.min(qos, 1) as 0 | 1, nl: true, rap: true }).catch((error: unknown) => log.error({ err: error, filter }, 'a bridge could not subscribe')),
    ),
  );
}
