import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { HUB_VERSION } from '../version.js';
import { BrokerService } from './broker.service.js';

/** Load averages as Mosquitto keeps them: exponentially damped per-minute rates over 1, 5 and 15 minutes. */
class LoadAverage {
  private last = 0;
  readonly averages = { '1min': 0, '5min': 0, '15min': 0 };

  sample(total: number, intervalSeconds: number): void {
    const perMinute = ((total - this.last) * 60) / intervalSeconds;
    this.last = total;
    for (const [window, minutes] of [['1min', 1], ['5min', 5], ['15min', 15]] as const) {
      const decay = Math.exp(-intervalSeconds / (minutes * 60));
      this.averages[window] = this.averages[window] * decay + perMinute * (1 - decay);
    }
  }
}

/** Publishes Mosquitto-compatible `$SYS/broker/...` topics, retained, every `mqtt.sysInterval` seconds. */
@Injectable()
export class SysPublisher {
  private timer?: NodeJS.Timeout;
  private readonly load = {
    'messages/received': new LoadAverage(),
    'messages/sent': new LoadAverage(),
    'bytes/received': new LoadAverage(),
    'bytes/sent': new LoadAverage(),
  };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly broker: BrokerService,
  ) {}

  start(): void {
    const interval = this.config.mqtt.sysInterval;
    if (interval === 0) return;
    void this.publish(`hearth ${HUB_VERSION}`, 'version');
    this.timer = setInterval(() => void this.publishAll(interval), interval * 1000);
    this.timer.unref();
    void this.publishAll(interval);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The current values, keyed by topic below `$SYS/broker/`. */
  snapshot(): Record<string, number | string> {
    const { stats } = this.broker;
    const counts = this.broker.counts();
    return {
      uptime: `${Math.floor((Date.now() - this.broker.startedAt) / 1000)} seconds`,
      'clients/connected': this.broker.connectedClients,
      'clients/maximum': stats.clientsMaximum,
      'clients/refused': stats.connectionsRefused,
      'messages/received': stats.messagesReceived,
      'messages/sent': stats.messagesSent,
      'messages/stored': counts.retained + counts.queued,
      'publish/messages/dropped': stats.publishDropped,
      // Hearth's own: what full offline queues dropped, in all and for the clients with the most.
      'queue/messages/dropped': this.broker.queueDrops.total,
      'queue/clients/dropped': JSON.stringify(Object.fromEntries(this.broker.queueDrops.byClient(20).map(({ clientId, dropped }) => [clientId, dropped]))),
      'packets/malformed': stats.malformedPackets,
      'bytes/received': stats.bytesReceived,
      'bytes/sent': stats.bytesSent,
      'retained messages/count': counts.retained,
      'subscriptions/count': counts.subscriptions,
    };
  }

  private async publishAll(intervalSeconds: number): Promise<void> {
    const values = this.snapshot();
    for (const [name, average] of Object.entries(this.load)) {
      average.sample(values[name] as number, intervalSeconds);
      for (const [window, value] of Object.entries(average.averages)) values[`load/${name}/${window}`] = value.toFixed(2);
    }
    await Promise.all(Object.entries(values).map(([topic, value]) => this.publish(String(value), topic)));
  }

  private publish(value: string, topic: string): Promise<void> {
    return this.broker.publish(`$SYS/broker/${topic}`, value, { retain: true }).catch(() => undefined);
  }
}
