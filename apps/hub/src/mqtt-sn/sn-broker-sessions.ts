import type { Duplex } from 'node:stream';
import type { SnAnonymousSender, SnBrokerMessage, SnBrokerPort, SnBrokerSession, SnOrigin, SnQosLevel, SnSessionHandlers, SnSessionOptions } from '@hearth/mqtt-sn';
import { MqttClient } from 'mqtt';
import type { InProcessIdentity, MqttAction } from '../auth/mqtt-auth.service.js';
import type { MqttBus } from '../broker/mqtt-bus.js';
import type { SnAccess } from './sn-access.js';

/** What the hub's broker does for one MQTT action on a topic (a filter, to subscribe). */
export type SessionPermits = (action: MqttAction, topic: string) => boolean;

/** The broker capabilities the gateway uses: a connection per sensor session, and publishing without one. */
export interface SnBrokerAccess {
  connect(identity: InProcessIdentity): Duplex;
  publish: MqttBus['publish'];
  /** What the sessions sign in with: an external broker knows the hub, not the sensor. */
  credentials?: { username?: string; password?: string };
  /**
   * Set where the broker cannot check the sensor's rights itself (an external broker): what the identity
   * may do, checked here for every publish, subscription and delivery; null when it may not connect.
   */
  permits?: (identity: InProcessIdentity, clientId: string) => SessionPermits | null;
}

/**
 * SnBrokerPort on the hub's broker: every MQTT-SN client is a real MQTT 3.1.1 session (its client id, will
 * and clean flag), in-process on the embedded broker or a connection of its own to an external one.
 * Keep-alive is 0: the gateway supervises the sensor itself and ends the session the way that publishes
 * the will.
 */
export class SnBrokerSessions implements SnBrokerPort {
  constructor(
    private readonly broker: SnBrokerAccess,
    private readonly access: SnAccess,
  ) {}

  admit(clientId: string, origin: SnOrigin): string | null {
    const decision = this.access.identify(clientId, origin);
    return 'refused' in decision ? decision.refused : null;
  }

  open(options: SnSessionOptions, handlers: SnSessionHandlers): Promise<SnBrokerSession> {
    const decision = this.access.identify(options.clientId, options.origin);
    if ('refused' in decision) return Promise.reject(new Error(decision.refused));
    const permits = this.broker.permits?.(decision.identity, options.clientId);
    if (permits === null) return Promise.reject(new Error(`no active device credential ${options.clientId}`));
    let stream!: Duplex;
    const client = new MqttClient(() => (stream = this.broker.connect(decision.identity)), {
      ...this.broker.credentials,
      clientId: options.clientId,
      clean: options.cleanSession,
      keepalive: 0,
      reconnectPeriod: 0,
      protocolVersion: 4,
      resubscribe: false,
      will: options.will ?? undefined,
    });
    return new Promise((resolve, reject) => {
      const refused = (error: Error) => {
        client.end(true);
        reject(error);
      };
      client.once('error', refused);
      client.once('connect', () => {
        client.off('error', refused);
        const session = new SnSession(client, () => stream, permits);
        client.on('error', () => {}); // a failing session closes, and 'close' reports it
        client.on('close', () => {
          if (!session.closing) handlers.onClose();
        });
        resolve(session);
      });
      client.on('message', (topic, payload, packet) => {
        if (permits && !permits('receive', topic)) return;
        handlers.onMessage({ topic, payload, qos: packet.qos as SnQosLevel, retain: packet.retain });
      });
    });
  }

  publishAnonymous({ topic, payload, retain }: SnBrokerMessage, sender: SnAnonymousSender): Promise<void> {
    const refused = this.access.mayPublishAnonymously(sender, topic);
    if (refused !== null) return Promise.reject(new Error(refused));
    return this.broker.publish(topic, payload, { qos: 0, retain });
  }
}

class SnSession implements SnBrokerSession {
  closing = false;

  constructor(
    private readonly client: MqttClient,
    private readonly stream: () => Duplex,
    private readonly permits: SessionPermits | undefined,
  ) {}

  publish({ topic, payload, qos, retain }: SnBrokerMessage): Promise<void> {
    if (this.permits && !this.permits('publish', topic)) return Promise.reject(new Error(`not authorized to publish to ${topic}`));
    return new Promise((resolve, reject) => {
      this.client.publish(topic, payload, { qos, retain }, (error) => (error ? reject(error) : resolve()));
    });
  }

  subscribe(filter: string, qos: SnQosLevel): Promise<SnQosLevel | null> {
    if (this.permits && !this.permits('subscribe', filter)) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.client.subscribe(filter, { qos }, (error, granted) => {
        if (error) return reject(error);
        const code = granted?.[0]?.qos ?? 0x80;
        resolve(code <= 2 ? (code as SnQosLevel) : null);
      });
    });
  }

  unsubscribe(filter: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.unsubscribe(filter, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(mode: 'disconnect' | 'drop'): Promise<void> {
    this.closing = true;
    if (mode === 'drop') {
      // No DISCONNECT: to the broker the connection just broke, so it publishes the will.
      this.stream().destroy();
      this.client.end(true);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.client.end(false, {}, () => resolve()));
  }
}
