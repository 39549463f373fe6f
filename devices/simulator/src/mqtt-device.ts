import type { Random } from '@hearth/random';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, Timer } from './clock.js';
import type { Environment } from './environment.js';

/** Opens one MQTT connection; a demo inside the hub can hand in one that uses an in-process stream. */
export type MqttConnect = (options: IClientOptions) => MqttClient;

export const connectTo =
  (url: string): MqttConnect =>
  (options) =>
    mqtt.connect(url, options);

/** What every simulated device shares. */
export interface SimContext {
  clock: Clock;
  /** Root stream; each device forks its own by id. */
  random: Random;
  environment: Environment;
}

export interface Publication {
  topic: string;
  payload: string;
  retain?: boolean;
  qos?: 0 | 1;
}

/** A Home Assistant discovery config: retained at `topic`, re-sent when HA announces itself. */
export interface DiscoveryConfig {
  topic: string;
  config: Record<string, unknown>;
}

export const HA_STATUS_TOPIC = 'homeassistant/status';

type Handler = (payload: string) => void;

/**
 * One simulated device on its own MQTT connection (its own will, like the real thing). Subclasses
 * declare their will, discovery configs, command handlers and what to publish on (re)connect.
 */
export abstract class MqttDevice {
  protected readonly random: Random;
  protected client: MqttClient | undefined;
  private readonly handlers = new Map<string, Handler>();
  private readonly timers = new Set<Timer>();
  private readonly periodic: Array<{ ms: number; task: () => void }> = [];
  /** Resolves start() after the first announce. */
  private connected: (() => void) | undefined;

  constructor(
    readonly id: string,
    protected readonly ctx: SimContext,
  ) {
    this.random = ctx.random.fork(id);
  }

  /** Connection options beyond the defaults; the will, mostly. */
  protected abstract connectOptions(): IClientOptions;

  /** Published on every connection: availability, discovery, current state. */
  protected abstract announce(): Publication[];

  protected discovery(): DiscoveryConfig[] {
    return [];
  }

  /** Published before a clean stop, in place of the will. */
  protected farewell(): Publication[] {
    return [];
  }

  /** Resolves once connected, subscribed and announced. */
  async start(connect: MqttConnect): Promise<void> {
    if (this.discovery().length > 0) this.on(HA_STATUS_TOPIC, (payload) => payload === 'online' && void this.publishDiscovery());
    const client = connect({ clientId: `sim-${this.id}`, clean: true, reconnectPeriod: 1000, ...this.connectOptions() });
    this.client = client;
    client.on('message', (topic, payload) => this.handlers.get(topic)?.(payload.toString()));
    // MQTT.js reconnects by itself; without a listener a later 'error' event would end the process.
    client.on('error', () => undefined);
    // A broker restart loses non-persistent subscriptions: subscribe and announce again on every connect.
    client.on('connect', () => void this.onConnect().catch(() => undefined));
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      this.connected = resolve;
    });
    for (const { ms, task } of this.periodic) this.schedule(ms, task);
  }

  private async onConnect(): Promise<void> {
    const client = this.client!;
    if (this.handlers.size > 0) await client.subscribeAsync([...this.handlers.keys()], { qos: 1 });
    await this.publishDiscovery();
    await this.publishAll(this.announce());
    this.connected?.();
    this.connected = undefined;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    if (client.connected) await this.publishAllOn(client, this.farewell());
    await client.endAsync();
  }

  /** Handles messages on an exact topic; register in the constructor so start() subscribes. */
  protected on(topic: string, handler: Handler): void {
    this.handlers.set(topic, handler);
  }

  protected publishAll(publications: Publication[]): Promise<void> {
    return this.client?.connected ? this.publishAllOn(this.client, publications) : Promise.resolve();
  }

  private async publishAllOn(client: MqttClient, publications: Publication[]): Promise<void> {
    for (const p of publications) await client.publishAsync(p.topic, p.payload, { retain: p.retain ?? false, qos: p.qos ?? 0 });
  }

  private publishDiscovery(): Promise<void> {
    return this.publishAll(this.discovery().map((d) => ({ topic: d.topic, payload: JSON.stringify(d.config), retain: true, qos: 1 })));
  }

  /** Runs `task` every `ms` of simulated time from start() until stop(). */
  protected every(ms: number, task: () => void): void {
    this.periodic.push({ ms, task });
  }

  private schedule(ms: number, task: () => void): void {
    this.after(ms, () => {
      this.schedule(ms, task);
      task();
    });
  }

  /** Runs `task` once after `ms` of simulated time unless stop() comes first. */
  protected after(ms: number, task: () => void): void {
    const timer = this.ctx.clock.setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, ms);
    this.timers.add(timer);
  }
}
