/**
 * The benchmark scenarios. Each runs against a broker given only as a port and a pid, so every
 * target gets exactly the same traffic; targets differ only in how they are started (targets.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { rssKb } from './proc.js';
import { BenchClient, encodeConnect, encodePublish, packetId, PacketRun, type OpenOptions } from './mqtt-client.js';

export interface Sizes {
  payloadBytes: number;
  /** `paced`: the paced variant keeps at most this many messages between publishers and subscriber. */
  fanIn: { publishers: number; messages: number; paced: number };
  fanOut: { subscribers: number; messages: number };
  qos1: { messages: number; window: number };
  latency: { samples: number };
  connect: { clients: number; concurrency: number };
  retained: { messages: number };
}

export const FULL: Sizes = {
  payloadBytes: 16,
  fanIn: { publishers: 8, messages: 200_000, paced: 5_000 },
  fanOut: { subscribers: 20, messages: 100_000 },
  qos1: { messages: 50_000, window: 100 },
  latency: { samples: 50_000 },
  connect: { clients: 2_000, concurrency: 100 },
  retained: { messages: 10_000 },
};

/** For warm-up runs and `--quick`. */
export const SMALL: Sizes = {
  payloadBytes: 16,
  fanIn: { publishers: 8, messages: 20_000, paced: 5_000 },
  fanOut: { subscribers: 20, messages: 2_000 },
  qos1: { messages: 5_000, window: 100 },
  latency: { samples: 300 },
  connect: { clients: 200, concurrency: 100 },
  retained: { messages: 1_000 },
};

export interface Broker {
  port: number;
  pid: number;
  /** Keeps something open until the broker is stopped (the idle clients of the memory measurement). */
  hold(release: () => void): void;
  /**
   * The measured traffic is over, though the run goes on (connect: a second's wait before reading RSS):
   * CPU shares are taken up to here, so they say how busy each process was while it mattered.
   */
  trafficDone(): void;
}

export interface Metric {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export interface Measurement {
  values: Record<string, number>;
  notes: string[];
}

export interface Scenario {
  name: string;
  metrics: Metric[];
  /** Runs per repetition (default 1): more for a short scenario whose figures move a lot between runs. */
  runsPerRepeat?: number;
  /** `tag` prefixes topics and client ids, keeping a warm-up run's state apart from the measured run. */
  run(broker: Broker, sizes: Sizes, tag: string): Promise<Measurement>;
}

/** The scenario could not complete (loss, a dropped client, a stall): the run fails with this reason. */
export class ScenarioError extends Error {}

const QOS0_BATCH = 100; // QoS 0 publishes per write: one syscall carries many messages
const RETAINED_WINDOW = 100;
const POLL_MS = 10;
const STALL_MS = 3_000; // no progress for this long: the broker dropped or lost messages
const LIMIT_MS = 90_000; // hard bound on any one wait

const now = () => performance.now();
const range = <T>(count: number, make: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));

function payload(bytes: number, sequence = 0): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUInt32BE(sequence);
  return buf;
}

const open = (broker: Broker, clientId: string, options?: OpenOptions) => BenchClient.open(broker.port, encodeConnect(clientId), options);

function closeAll(clients: BenchClient[]): void {
  for (const client of clients) client.close();
}

/**
 * Polls until `done()`. Resolves false if `progress()` stood still for STALL_MS (the caller reports
 * the shortfall); throws if a client was dropped or LIMIT_MS passed.
 */
async function settle(what: string, done: () => boolean, progress: () => number, clients: BenchClient[]): Promise<boolean> {
  const start = now();
  let seen = progress();
  let movedAt = start;
  while (!done()) {
    const dropped = clients.find((client) => client.failure);
    if (dropped) throw new ScenarioError(`${what}: a client was disconnected: ${dropped.failure!.message}`);
    if (now() - start > LIMIT_MS) throw new ScenarioError(`${what}: not done after ${LIMIT_MS} ms`);
    if (progress() !== seen) {
      seen = progress();
      movedAt = now();
    } else if (now() - movedAt > STALL_MS) return false;
    await sleep(POLL_MS);
  }
  return true;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ScenarioError(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts PUBLISHes arriving on any number of clients, timing first to last at the receiving side. */
class Arrivals {
  count = 0;
  first = 0;
  last = 0;
  private timed = 0;
  /** Called after each received chunk that brought messages. */
  onProgress = () => {};

  attach(client: BenchClient, accept: (first: number) => boolean = () => true): void {
    client.onPublish = (_buf, _payload, _end, first) => {
      if (!accept(first)) return;
      if (this.count++ === 0) this.first = now();
    };
    // Reading the clock per chunk rather than per message keeps the receive path cheap.
    client.onChunkEnd = () => {
      if (this.timed === this.count) return;
      this.timed = this.count;
      this.last = now();
      this.onProgress();
    };
  }

  perSecond(): number {
    if (this.count < 2 || this.last <= this.first) throw new ScenarioError(`only ${this.count} message(s) delivered`);
    return this.count / ((this.last - this.first) / 1000);
  }
}

/** Holds publishers back while more than `limit` of their messages have not reached the subscriber. */
class Pacer {
  private sent = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly arrivals: Arrivals,
  ) {
    arrivals.onProgress = () => {
      const waiting = this.waiting;
      this.waiting = [];
      for (const wake of waiting) wake();
    };
  }

  async admit(count: number): Promise<void> {
    while (this.sent + count - this.arrivals.count > this.limit) {
      const delivered = this.arrivals.count;
      await within(new Promise<void>((resolve) => this.waiting.push(resolve)), STALL_MS, `paced fan-in: ${delivered} of ${this.sent} messages delivered and no more`);
    }
    this.sent += count;
  }
}

async function sendRepeated(client: BenchClient, bytes: Buffer, times: number, pacer?: Pacer): Promise<void> {
  for (let i = 0; i < times; i++) {
    await pacer?.admit(QOS0_BATCH);
    if (!client.write(bytes)) await client.drained();
  }
}

/**
 * Keeps `window` QoS 1 publishes in flight; the PUBACKs of one received chunk release the next packets
 * in one write. Holding writes back longer to batch more would stall against brokers that leave Nagle on:
 * their next PUBACKs wait for our ACK, which the kernel delays while we send nothing.
 */
function sendWindowed(client: BenchClient, run: PacketRun, window: number): { acked(): number; lastAckAt(): number } {
  let sent = Math.min(window, run.count);
  let acked = 0;
  let lastAckAt = 0;
  client.onPuback = () => acked++;
  client.onChunkEnd = () => {
    lastAckAt = now();
    const next = Math.min(run.count, acked + window);
    if (next > sent) {
      client.write(run.slice(sent, next));
      sent = next;
    }
  };
  client.write(run.slice(0, sent));
  return { acked: () => acked, lastAckAt: () => lastAckAt };
}

function deliveredNote(count: number, expected: number): string[] {
  return count < expected ? [`delivered ${count} of ${expected} (${((100 * count) / expected).toFixed(1)}%): the broker dropped QoS 0 messages`] : [];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

// ---------------------------------------------------------------- scenarios

/**
 * Flooded, the publishers write as fast as the broker's sockets take bytes; paced, they keep at most
 * `fanIn.paced` messages in flight end to end, which shows the broker's cost per message apart from how
 * it copes with a backlog.
 */
function fanIn(paced: boolean): Scenario {
  const name = paced ? 'fan-in-paced' : 'fan-in';
  return {
    name,
    metrics: [{ key: 'rate', label: paced ? 'fan-in QoS 0, paced' : 'fan-in QoS 0, flood', unit: 'msg/s', better: 'higher' }],
    async run(broker, { fanIn: { publishers, messages, paced: limit }, payloadBytes }, tag) {
      const sub = await open(broker, `${tag}-fi-sub`);
      await sub.subscribe(`${tag}/in/#`, 0);
      const pubs = await Promise.all(range(publishers, (i) => open(broker, `${tag}-fi-pub${i}`)));
      const clients = [sub, ...pubs];
      try {
        const batches = Math.max(1, Math.round(messages / publishers / QOS0_BATCH));
        const expected = batches * QOS0_BATCH * publishers;
        const arrivals = new Arrivals();
        arrivals.attach(sub);
        const pacer = paced ? new Pacer(limit, arrivals) : undefined;
        const batch = (i: number) => PacketRun.repeat(encodePublish(`${tag}/in/${i}`, payload(payloadBytes)), QOS0_BATCH);
        await Promise.all(pubs.map((pub, i) => sendRepeated(pub, batch(i), batches, pacer)));
        await settle(name, () => arrivals.count >= expected, () => arrivals.count, clients);
        return { values: { rate: arrivals.perSecond() }, notes: deliveredNote(arrivals.count, expected) };
      } finally {
        closeAll(clients);
      }
    },
  };
}

const fanOut: Scenario = {
  name: 'fan-out',
  metrics: [{ key: 'rate', label: 'fan-out QoS 0', unit: 'deliveries/s', better: 'higher' }],
  async run(broker, { fanOut: { subscribers, messages }, payloadBytes }, tag) {
    const subs = await Promise.all(range(subscribers, (i) => open(broker, `${tag}-fo-sub${i}`)));
    await Promise.all(subs.map((sub) => sub.subscribe(`${tag}/out`, 0)));
    const pub = await open(broker, `${tag}-fo-pub`);
    const clients = [pub, ...subs];
    try {
      const batches = Math.max(1, Math.round(messages / QOS0_BATCH));
      const expected = batches * QOS0_BATCH * subscribers;
      const arrivals = new Arrivals();
      for (const sub of subs) arrivals.attach(sub);
      await sendRepeated(pub, PacketRun.repeat(encodePublish(`${tag}/out`, payload(payloadBytes)), QOS0_BATCH), batches);
      await settle('fan-out', () => arrivals.count >= expected, () => arrivals.count, clients);
      return { values: { rate: arrivals.perSecond() }, notes: deliveredNote(arrivals.count, expected) };
    } finally {
      closeAll(clients);
    }
  },
};

const qos1: Scenario = {
  name: 'qos1',
  metrics: [{ key: 'rate', label: 'QoS 1 throughput, zero loss', unit: 'msg/s', better: 'higher' }],
  async run(broker, { qos1: { messages, window }, payloadBytes }, tag) {
    const topic = `${tag}/q1`;
    const run = new PacketRun(range(messages, (i) => encodePublish(topic, payload(payloadBytes, i), 1, false, packetId(i))));
    const sub = await open(broker, `${tag}-q1-sub`, { autoAck: true });
    await sub.subscribe(topic, 1);
    const pub = await open(broker, `${tag}-q1-pub`);
    const clients = [sub, pub];
    try {
      // Every sequence number must arrive: a bitmap finds losses and duplicates.
      const seen = new Uint8Array(messages);
      let unique = 0;
      let duplicates = 0;
      let lastDeliveryAt = 0;
      sub.onPublish = (buf, at) => {
        const sequence = buf.readUInt32BE(at);
        if (sequence >= messages || seen[sequence]) duplicates++;
        else {
          seen[sequence] = 1;
          unique++;
        }
      };
      sub.onChunkEnd = () => (lastDeliveryAt = now());
      const start = now();
      const acks = sendWindowed(pub, run, window);
      const complete = await settle('QoS 1', () => unique === messages && acks.acked() >= messages, () => unique + acks.acked(), clients);
      if (!complete) {
        throw new ScenarioError(`QoS 1 lost ${messages - unique} of ${messages} messages (${acks.acked()} PUBACKs to the publisher, ${duplicates} duplicates)`);
      }
      const seconds = (Math.max(lastDeliveryAt, acks.lastAckAt()) - start) / 1000;
      return { values: { rate: messages / seconds }, notes: duplicates ? [`${duplicates} duplicate deliveries`] : [] };
    } finally {
      closeAll(clients);
    }
  },
};

const latency: Scenario = {
  name: 'latency',
  // A few seconds a run, and p99 moves by 20 % or more from one run to the next.
  runsPerRepeat: 3,
  metrics: [
    { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower' },
  ],
  async run(broker, { latency: { samples }, payloadBytes }, tag) {
    const topic = `${tag}/lat`;
    const sub = await open(broker, `${tag}-lat-sub`);
    await sub.subscribe(topic, 0);
    const pub = await open(broker, `${tag}-lat-pub`);
    try {
      const packet = encodePublish(topic, payload(payloadBytes));
      const times = new Float64Array(samples);
      let arrivedAt = 0n;
      let arrived = () => {};
      sub.onPublish = () => {
        arrivedAt = process.hrtime.bigint();
        arrived();
      };
      // One message at a time: publish, wait for its delivery, then the next.
      for (let i = 0; i < samples; i++) {
        const delivery = new Promise<void>((resolve) => (arrived = resolve));
        const sentAt = process.hrtime.bigint();
        pub.write(packet);
        await within(delivery, 5_000, `latency sample ${i} not delivered`);
        times[i] = Number(arrivedAt - sentAt) / 1e6;
      }
      times.sort();
      return { values: { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }, notes: [`max ${times[samples - 1].toFixed(2)} ms`] };
    } finally {
      closeAll([sub, pub]);
    }
  },
};

const connect: Scenario = {
  name: 'connect',
  metrics: [
    { key: 'rate', label: 'connect rate', unit: 'conn/s', better: 'higher' },
    { key: 'kbPerConnection', label: 'RSS per idle connection', unit: 'kB', better: 'lower' },
  ],
  async run(broker, { connect: { clients, concurrency } }, tag) {
    const packets = range(clients, (i) => encodeConnect(`${tag}-idle-${i}`));
    const opened: BenchClient[] = [];
    // Idle clients stay connected until the broker stops, so the measured run's RSS growth is its own.
    broker.hold(() => closeAll(opened));
    const rssBefore = rssKb(broker.pid);
    // From opening the socket to the CONNACK: with `concurrency` in flight mostly queueing, about concurrency / rate.
    const waits = new Float64Array(clients);
    let next = 0;
    const start = now();
    await within(
      Promise.all(
        range(concurrency, async () => {
          while (next < clients) {
            const i = next++;
            const openedAt = now();
            opened.push(await BenchClient.open(broker.port, packets[i]));
            waits[i] = now() - openedAt;
          }
        }),
      ),
      LIMIT_MS,
      `${clients} connections not established`,
    ).catch((error: Error) => {
      throw new ScenarioError(`connect: ${error.message}`);
    });
    const seconds = (now() - start) / 1000;
    broker.trafficDone();
    await sleep(1_000); // let the broker finish per-connection work before reading its RSS
    const dropped = opened.filter((client) => client.failure).length;
    if (dropped) throw new ScenarioError(`the broker dropped ${dropped} of ${clients} idle clients`);
    const rssAfter = rssKb(broker.pid);
    return {
      values: { rate: clients / seconds, kbPerConnection: (rssAfter - rssBefore) / clients },
      notes: [
        `RSS ${(rssBefore / 1024).toFixed(1)} → ${(rssAfter / 1024).toFixed(1)} MB with ${clients} idle clients`,
        `to CONNACK p50 ${percentile(waits.sort(), 0.5).toFixed(1)} ms, p99 ${percentile(waits, 0.99).toFixed(1)} ms`,
      ],
    };
  },
};

const retained: Scenario = {
  name: 'retained',
  metrics: [{ key: 'ms', label: 'retained → new subscriber', unit: 'ms', better: 'lower' }],
  async run(broker, { retained: { messages }, payloadBytes }, tag) {
    // Stored as QoS 1 so that every PUBACK confirms one message reached the broker's retained store.
    const run = new PacketRun(range(messages, (i) => encodePublish(`${tag}/ret/${i}`, payload(payloadBytes, i), 1, true, packetId(i))));
    const pub = await open(broker, `${tag}-ret-pub`);
    const storeStart = now();
    const acks = sendWindowed(pub, run, RETAINED_WINDOW);
    const stored = await settle('storing retained messages', () => acks.acked() >= messages, () => acks.acked(), [pub]).finally(() => pub.close());
    if (!stored) throw new ScenarioError(`only ${acks.acked()} of ${messages} retained publishes were acknowledged`);
    const storeSeconds = (now() - storeStart) / 1000;

    const sub = await open(broker, `${tag}-ret-sub`);
    try {
      const arrivals = new Arrivals();
      arrivals.attach(sub, (first) => (first & 0x01) === 1);
      const start = now();
      await sub.subscribe(`${tag}/ret/#`, 0);
      const complete = await settle('retained delivery', () => arrivals.count >= messages, () => arrivals.count, [sub]);
      if (!complete) throw new ScenarioError(`a new subscriber received ${arrivals.count} of ${messages} retained messages`);
      return {
        values: { ms: arrivals.last - start },
        notes: [`stored ${messages} retained QoS 1 publishes at ${Math.round(messages / storeSeconds)} msg/s`],
      };
    } finally {
      sub.close();
    }
  },
};

export const SCENARIOS: Scenario[] = [fanIn(false), fanIn(true), fanOut, qos1, latency, connect, retained];
