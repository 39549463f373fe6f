// Fakes for the gateway's ports, shared by the gateway tests; not part of the package API.
import { Buffer } from 'node:buffer';
import { FakeClock, settle } from '@hearth/fake-clock';
import { decode } from '../decode.js';
import { encode } from '../encode.js';
import type { SnMessage, SnQosLevel } from '../messages.js';
import { SnGateway, type SnGatewayOptions } from './gateway.js';
import { MemorySnStore } from './memory-store.js';
import type {
  SnAnonymousSender,
  SnBrokerMessage,
  SnBrokerPort,
  SnBrokerSession,
  SnLink,
  SnOrigin,
  SnPredefinedTopic,
  SnSessionHandlers,
  SnSessionOptions,
} from './ports.js';

/** Records what the gateway sends, decoded. */
export class FakeLink implements SnLink {
  readonly sent: { address: string; message: SnMessage }[] = [];
  readonly broadcasts: SnMessage[] = [];

  constructor(
    readonly name: string,
    canBroadcast = true,
  ) {
    if (!canBroadcast) this.broadcast = undefined;
  }

  send(address: string, frame: Buffer): void {
    this.sent.push({ address, message: decoded(frame) });
  }

  broadcast?(frame: Buffer): void {
    this.broadcasts.push(decoded(frame));
  }

  /** Messages sent to `address` since the last call. */
  take(address: string): SnMessage[] {
    const taken: SnMessage[] = [];
    for (let i = 0; i < this.sent.length; ) {
      if (this.sent[i].address === address) taken.push(this.sent.splice(i, 1)[0].message);
      else i++;
    }
    return taken;
  }
}

function decoded(frame: Buffer): SnMessage {
  const result = decode(frame);
  if (!result.ok) throw new Error(`the gateway sent a bad frame: ${result.error.message}`);
  return result.message;
}

export interface BrokerPublish extends SnBrokerMessage {
  /** null for anonymous (QoS -1) publishes and wills. */
  clientId: string | null;
  will?: true;
  /** QoS -1 publishes: who the gateway says sent it. */
  sender?: SnAnonymousSender;
}

export class FakeSession implements SnBrokerSession {
  readonly subscriptions = new Map<string, SnQosLevel>();
  closed: 'disconnect' | 'drop' | undefined;

  constructor(
    private readonly broker: FakeBroker,
    readonly options: SnSessionOptions,
    readonly handlers: SnSessionHandlers,
  ) {}

  publish(message: SnBrokerMessage): Promise<void> {
    this.broker.published.push({ clientId: this.options.clientId, ...message });
    if (!this.broker.holdPublishes) return Promise.resolve();
    return new Promise((resolve) => this.broker.held.push(resolve));
  }

  async subscribe(filter: string, qos: SnQosLevel): Promise<SnQosLevel | null> {
    if (this.broker.refuseFilters.has(filter)) return null;
    this.subscriptions.set(filter, qos);
    return qos;
  }

  async unsubscribe(filter: string): Promise<void> {
    this.subscriptions.delete(filter);
  }

  async close(mode: 'disconnect' | 'drop'): Promise<void> {
    this.closed = mode;
    this.broker.sessions.delete(this.options.clientId);
    if (mode === 'drop' && this.options.will) this.broker.published.push({ clientId: null, ...this.options.will, will: true });
  }
}

/** A broker with MQTT topic matching and nothing else. */
export class FakeBroker implements SnBrokerPort {
  readonly sessions = new Map<string, FakeSession>();
  readonly opened: FakeSession[] = [];
  readonly published: BrokerPublish[] = [];
  readonly refuseClients = new Set<string>();
  readonly refuseFilters = new Set<string>();
  holdPublishes = false;
  readonly held: (() => void)[] = [];

  /** Client ids admitted from one address only. */
  readonly boundClients = new Map<string, string>();

  admit(clientId: string, origin: SnOrigin): string | null {
    if (this.refuseClients.has(clientId)) return 'not authorized';
    const bound = this.boundClients.get(clientId);
    return bound === undefined || bound === origin.address ? null : `${clientId} is bound to ${bound}`;
  }

  async open(options: SnSessionOptions, handlers: SnSessionHandlers): Promise<SnBrokerSession> {
    if (this.refuseClients.has(options.clientId)) throw new Error('not authorized');
    const session = new FakeSession(this, options, handlers);
    this.sessions.set(options.clientId, session);
    this.opened.push(session);
    return session;
  }

  async publishAnonymous(message: SnBrokerMessage, sender: SnAnonymousSender): Promise<void> {
    this.published.push({ clientId: null, ...message, sender });
  }

  /** Routes a message from elsewhere in the house to every matching session, at the lower QoS. */
  route(topic: string, payload: string, qos: SnQosLevel = 0, retain = false): void {
    for (const session of [...this.sessions.values()]) {
      for (const [filter, granted] of session.subscriptions) {
        if (!matches(filter, topic)) continue;
        session.handlers.onMessage({ topic, payload: Buffer.from(payload), qos: Math.min(qos, granted) as SnQosLevel, retain });
        break;
      }
    }
  }

  releaseHeld(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

export function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export interface Fixture {
  gateway: SnGateway;
  clock: FakeClock;
  link: FakeLink;
  broker: FakeBroker;
  store: MemorySnStore;
  /** Sends a message as the client at `address`, then lets the gateway's async steps finish. */
  from(address: string, message: SnMessage): Promise<void>;
  /** What the gateway sent to `address` since the last call. */
  to(address: string): SnMessage[];
  /** CONNECTs `clientId` from `address` (no will), checks that CONNACK comes first and returns what followed it. */
  connect(address: string, clientId: string, options?: { cleanSession?: boolean; duration?: number }): Promise<SnMessage[]>;
}

export const TEST_RETRY_MS = 1000;

export async function fixture(
  options: Partial<SnGatewayOptions> & { predefined?: SnPredefinedTopic[] } = {},
  shared?: Pick<Fixture, 'store' | 'broker' | 'clock' | 'link'>,
): Promise<Fixture> {
  const clock = shared?.clock ?? new FakeClock();
  const link = shared?.link ?? new FakeLink('radio');
  const broker = shared?.broker ?? new FakeBroker();
  const store = shared?.store ?? new MemorySnStore(options.predefined);
  const gateway = new SnGateway({ gatewayId: 7, broker, store, clock, retryInterval: TEST_RETRY_MS, maxRetries: 2, advertiseInterval: 0, ...options });
  gateway.addLink(link);
  await gateway.start();
  await settle();
  const f: Fixture = {
    gateway,
    clock,
    link,
    broker,
    store,
    from: async (address, message) => {
      gateway.receive(link, address, encode(message));
      await settle();
    },
    to: (address) => link.take(address),
    connect: async (address, clientId, { cleanSession = true, duration = 60 } = {}) => {
      await f.from(address, { type: 'connect', will: false, cleanSession, duration, clientId });
      const [connack, ...rest] = f.to(address);
      if (JSON.stringify(connack) !== JSON.stringify({ type: 'connack', returnCode: 0 })) {
        throw new Error(`CONNECT of ${clientId} got ${JSON.stringify(connack)}`);
      }
      return rest;
    },
  };
  return f;
}

/** A PUBLISH as a client sends it. */
export function publish(topicId: number, payload: string, qos: -1 | 0 | 1 | 2 = 0, msgId = 0, extra: Partial<{ dup: boolean; retain: boolean; type: 'normal' | 'predefined' }> = {}): SnMessage {
  return {
    type: 'publish',
    dup: extra.dup ?? false,
    qos,
    retain: extra.retain ?? false,
    topic: { topicIdType: extra.type ?? 'normal', topicId },
    msgId,
    payload: Buffer.from(payload),
  };
}
