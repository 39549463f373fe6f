/**
 * The benchmark's MQTT 3.1.1 client, built to cost the client process as little as possible:
 * packets are encoded once with mqtt-packet before a measurement and then written as the same bytes;
 * the receive side only cuts frames and reads the few header fields a scenario needs.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { generate, type QoS } from 'mqtt-packet';

/** MQTT control packet types (MQTT 3.1.1 §2.2.1), the ones the bench sends or reads. */
export const PacketType = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, SUBACK: 9 } as const;

export const HOST = '127.0.0.1';

// ---------------------------------------------------------------- encoding (never on a hot path)

export function encodeConnect(clientId: string): Buffer {
  // keepalive 0: idle clients must not need PINGREQs during the memory measurement.
  return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0 });
}

export function encodePublish(topic: string, payload: Buffer, qos: QoS = 0, retain = false, messageId?: number): Buffer {
  return generate({ cmd: 'publish', topic, payload, qos, retain, dup: false, messageId });
}

/** Packets laid end to end, so that any run of consecutive packets is one slice and one write. */
export class PacketRun {
  readonly bytes: Buffer;
  private readonly ends: Uint32Array;

  constructor(packets: Buffer[]) {
    this.bytes = Buffer.concat(packets);
    this.ends = new Uint32Array(packets.length);
    let end = 0;
    for (let i = 0; i < packets.length; i++) {
      end += packets[i].length;
      this.ends[i] = end;
    }
  }

  get count(): number {
    return this.ends.length;
  }

  /** Packets [from, to) as one buffer (no copy). */
  slice(from: number, to: number): Buffer {
    return this.bytes.subarray(from === 0 ? 0 : this.ends[from - 1], this.ends[to - 1]);
  }

  static repeat(packet: Buffer, times: number): Buffer {
    return Buffer.concat(Array.from({ length: times }, () => packet));
  }
}

/** QoS 1 packet ids cycle through 1..65535; callers keep fewer than that in flight. */
export const packetId = (sequence: number): number => (sequence % 65_535) + 1;

// ---------------------------------------------------------------- framing

export type FrameHandler = (first: number, buf: Buffer, body: number, end: number) => void;

/** Cuts a byte stream into MQTT frames: fixed header byte, 1-4 byte remaining length, body. */
export class FrameCutter {
  private rest: Buffer | null = null;

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly onError: (message: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    const length = buf.length;
    let at = 0;
    while (at < length) {
      let size = 0;
      let multiplier = 1;
      let i = at + 1;
      let byte = 0x80;
      while (byte & 0x80 && i < length) {
        if (i - at > 4) return this.onError('remaining length longer than 4 bytes');
        byte = buf[i++];
        size += (byte & 0x7f) * multiplier;
        multiplier *= 128;
      }
      if (byte & 0x80 || i + size > length) break; // header or body not complete yet
      this.onFrame(buf[at], buf, i, i + size);
      at = i + size;
    }
    if (at < length) this.rest = buf.subarray(at);
  }
}

// ---------------------------------------------------------------- client

/** Called for each PUBLISH: `first` is its fixed-header byte (QoS in bits 1-2, retain in bit 0). */
export type PublishHandler = (buf: Buffer, payload: number, end: number, first: number) => void;

interface Waiter {
  type: number;
  resolve: (result: { buf: Buffer; body: number }) => void;
  reject: (error: Error) => void;
}

export interface OpenOptions {
  /** Answer each QoS 1 PUBLISH with a PUBACK (batched: one write per received chunk). */
  autoAck?: boolean;
  timeoutMs?: number;
}

export class BenchClient {
  onPublish: PublishHandler = () => {};
  onPuback: (id: number) => void = () => {};
  /** After each received chunk's frames were handled: the place to batch replies. */
  onChunkEnd: () => void = () => {};
  /** Set once the connection failed or closed; a scenario treats it as the broker dropping the client. */
  failure: Error | undefined;

  private readonly socket: Socket;
  private readonly cutter: FrameCutter;
  private waiters: Waiter[] = [];
  private acks: number[] = [];
  private closing = false;

  private constructor(
    port: number,
    private readonly autoAck: boolean,
  ) {
    this.cutter = new FrameCutter(
      (first, buf, body, end) => this.frame(first, buf, body, end),
      (message) => this.fail(new Error(message)),
    );
    this.socket = netConnect({ port, host: HOST, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.cutter.push(chunk);
      if (this.acks.length > 0) this.flushAcks();
      this.onChunkEnd();
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /** Connects, sends the pre-encoded CONNECT and waits for a successful CONNACK. */
  static async open(port: number, connect: Buffer, { autoAck = false, timeoutMs = 10_000 }: OpenOptions = {}): Promise<BenchClient> {
    const client = new BenchClient(port, autoAck);
    try {
      const connack = client.expect(PacketType.CONNACK, timeoutMs, 'CONNACK');
      client.socket.write(connect);
      const { buf, body } = await connack;
      const returnCode = buf[body + 1];
      if (returnCode !== 0) throw new Error(`broker refused the connection: CONNACK return code ${returnCode}`);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  async subscribe(filter: string, qos: QoS, timeoutMs = 10_000): Promise<void> {
    const suback = this.expect(PacketType.SUBACK, timeoutMs, `SUBACK for ${filter}`);
    this.socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] }));
    const { buf, body } = await suback;
    if (buf[body + 2] === 0x80) throw new Error(`broker refused the subscription to ${filter}`);
  }

  /** Writes bytes; false means the socket buffer is full and the caller should await `drained()`. */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const onDrain = () => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.failure ?? new Error('connection closed'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /** Writes and, under backpressure, waits until the socket drained. */
  async send(bytes: Buffer): Promise<void> {
    if (!this.write(bytes)) await this.drained();
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private frame(first: number, buf: Buffer, body: number, end: number): void {
    const type = first >> 4;
    if (type === PacketType.PUBLISH) {
      let payload = body + 2 + buf.readUInt16BE(body);
      if (first & 0x06) {
        if (this.autoAck) this.acks.push(buf.readUInt16BE(payload));
        payload += 2;
      }
      this.onPublish(buf, payload, end, first);
    } else if (type === PacketType.PUBACK) {
      this.onPuback(buf.readUInt16BE(body));
    } else {
      const index = this.waiters.findIndex((waiter) => waiter.type === type);
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve({ buf, body });
    }
  }

  private flushAcks(): void {
    const out = Buffer.allocUnsafe(4 * this.acks.length);
    this.acks.forEach((id, i) => {
      out[4 * i] = PacketType.PUBACK << 4;
      out[4 * i + 1] = 2;
      out.writeUInt16BE(id, 4 * i + 2);
    });
    this.acks = [];
    this.socket.write(out);
  }

  private expect(type: number, timeoutMs: number, what: string): Promise<{ buf: Buffer; body: number }> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry: Waiter = {
        type,
        resolve: (result) => (clearTimeout(timer), resolve(result)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      this.waiters.push(entry);
    });
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = this.closing ? new Error('closed by the bench') : error;
    for (const waiter of this.waiters) waiter.reject(this.failure);
    this.waiters = [];
    this.socket.destroy();
  }
}
