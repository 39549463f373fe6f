import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, SnStreamFramer, type SnMessage } from '@hearth/mqtt-sn';
import { encodeFrame, XbeeFrameDecoder, type ApiMode } from '@hearth/xbee';
import type { Database } from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { SQLITE } from '../../src/database/database.tokens.js';
import type { TestHub } from './test-hub.js';

/** Received messages with waiting: `next(match)` resolves with the first unclaimed message that matches. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Messages not claimed by next() yet, and forgets them. */
  drain(): T[] {
    return this.items.splice(0);
  }

  next(match: (item: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.items)}`)), timeoutMs);
      const check = () => {
        const index = this.items.findIndex(match);
        if (index === -1) return void this.waiters.push(check);
        clearTimeout(deadline);
        resolve(this.items.splice(index, 1)[0]);
      };
      check();
    });
  }
}

export const ofType =
  <K extends SnMessage['type']>(type: K) =>
  (m: SnMessage): m is Extract<SnMessage, { type: K }> =>
    m.type === type;

/**
 * Messages the gateway buffered for a sleeping sensor. The broker hands them to the gateway's in-process
 * session asynchronously, so a test waits for this before it wakes the sensor.
 */
export function bufferedFor(hub: TestHub, clientId: string): number {
  const row = hub.app.get<Database>(SQLITE).prepare(`SELECT count(*) AS count FROM sn_buffered WHERE client_id = ?`).get(clientId) as { count: number };
  return row.count;
}

/** An MQTT-SN client on a real UDP socket. */
export class SnUdpClient {
  readonly inbox = new Inbox<SnMessage>();
  private constructor(
    private readonly socket: Socket,
    private readonly port: number,
  ) {
    socket.on('message', (frame) => {
      const result = decode(frame);
      if (result.ok) this.inbox.push(result.message);
    });
  }

  /** `from`: the local address to speak from; every 127.x.y.z is this machine, so a test can be several hosts. */
  static async open(gatewayPort: number, from = '127.0.0.1'): Promise<SnUdpClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, from, resolve));
    return new SnUdpClient(socket, gatewayPort);
  }

  send(message: SnMessage | Buffer): void {
    this.socket.send(Buffer.isBuffer(message) ? message : encode(message), this.port, '127.0.0.1');
  }

  next<K extends SnMessage['type']>(type: K, timeoutMs?: number): Promise<Extract<SnMessage, { type: K }>> {
    return this.inbox.next(ofType(type), timeoutMs) as Promise<Extract<SnMessage, { type: K }>>;
  }

  close(): void {
    this.socket.close();
  }
}

/** A datagram and who sent it. */
export interface SnDatagram {
  from: { address: string; port: number };
  message: SnMessage;
}

/**
 * A sensor that discovers gateways by multicast on this host: it hears the group on the loopback
 * interface and sends to the group from a socket of its own, as Paho's MQTT-SN clients do.
 */
export class SnMulticastSensor {
  readonly heard = new Inbox<SnDatagram>();

  private constructor(
    private readonly listener: Socket,
    private readonly sender: Socket,
    readonly group: string,
    readonly port: number,
  ) {
    listener.on('message', (frame, remote) => {
      const result = decode(frame);
      if (result.ok) this.heard.push({ from: { address: remote.address, port: remote.port }, message: result.message });
    });
  }

  static async open(group: string, port: number): Promise<SnMulticastSensor> {
    const listener = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve) => listener.bind(port, group, resolve));
    listener.addMembership(group, LOOPBACK);
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, LOOPBACK, resolve));
    sender.setMulticastInterface(LOOPBACK);
    sender.setMulticastLoopback(true);
    return new SnMulticastSensor(listener, sender, group, port);
  }

  /** Sends to the group. */
  send(message: SnMessage): void {
    this.sender.send(encode(message), this.port, this.group);
  }

  next<K extends SnMessage['type']>(type: K, timeoutMs?: number): Promise<SnDatagram & { message: Extract<SnMessage, { type: K }> }> {
    return this.heard.next((d) => d.message.type === type, timeoutMs) as Promise<SnDatagram & { message: Extract<SnMessage, { type: K }> }>;
  }

  close(): void {
    this.listener.close();
    this.sender.close();
  }
}

const LOOPBACK = '127.0.0.1';

/**
 * Whether this kernel delivers multicast sent on the loopback interface to a socket joined there
 * (some containers have no multicast at all). Under CI it is taken for granted, so a test fails instead of skipping.
 */
export async function multicastOnLoopback(): Promise<boolean> {
  if (process.env.CI) return true;
  const group = '239.255.77.77';
  const receiver = createSocket({ type: 'udp4', reuseAddr: true });
  const sender = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => receiver.bind(0, group, resolve));
    receiver.addMembership(group, LOOPBACK);
    await new Promise<void>((resolve) => sender.bind(0, LOOPBACK, resolve));
    sender.setMulticastInterface(LOOPBACK);
    const probe = Buffer.from(`probe ${process.pid}`);
    const heard = new Promise<boolean>((resolve) => {
      receiver.on('message', (data) => data.equals(probe) && resolve(true));
      setTimeout(() => resolve(false), 1000);
    });
    sender.send(probe, receiver.address().port, group);
    return await heard;
  } catch {
    return false;
  } finally {
    receiver.close();
    sender.close();
  }
}

/** A pseudo-terminal pair from socat: the hub opens `hubEnd`, the test opens `testEnd`. */
export class PtyPair {
  private constructor(
    readonly dir: string,
    private child: ChildProcess | undefined,
  ) {}

  get hubEnd(): string {
    return join(this.dir, 'hub');
  }

  get testEnd(): string {
    return join(this.dir, 'radio');
  }

  /** Paths only; call start() to create the ptys (to test a device that appears later). */
  static paths(): PtyPair {
    return new PtyPair(mkdtempSync(join(tmpdir(), 'hearth-pty-')), undefined);
  }

  static async create(): Promise<PtyPair> {
    const pair = PtyPair.paths();
    await pair.start();
    return pair;
  }

  async start(): Promise<void> {
    this.child = spawn('socat', [`pty,raw,echo=0,link=${this.hubEnd}`, `pty,raw,echo=0,link=${this.testEnd}`], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!(existsSync(this.hubEnd) && existsSync(this.testEnd))) {
      if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends socat: to the hub the device is unplugged. */
  async unplug(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
  }

  async remove(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function openPort(path: string, baudRate = 115200): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  return port;
}

export async function closePort(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

export interface RadioMessage {
  /** 64-bit destination of the 0x10 Transmit Request. */
  to: string;
  message: SnMessage;
}

/** Plays the XBee radios of the garden on the test end of a pty: 0x90 frames out, 0x10 frames in. */
export class XbeeRadio {
  readonly inbox = new Inbox<RadioMessage>();

  constructor(
    readonly port: SerialPort,
    private readonly apiMode: ApiMode = 2,
  ) {
    const decoder = new XbeeFrameDecoder({
      apiMode,
      onFrame: (frame) => {
        if (frame.type !== 'transmitRequest') return;
        const result = decode(frame.data);
        if (result.ok) this.inbox.push({ to: frame.destination64, message: result.message });
      },
    });
    port.on('data', (chunk: Buffer) => decoder.push(chunk));
  }

  /** The wire bytes of `message` sent by the radio with this 64-bit address. */
  frame(from: string, message: SnMessage | Buffer, source16 = 0x1234): Buffer {
    const data = Buffer.isBuffer(message) ? message : encode(message);
    return encodeFrame({ type: 'receivePacket', source64: from, source16, options: 0x01, data }, this.apiMode);
  }

  send(from: string, message: SnMessage | Buffer): void {
    this.port.write(this.frame(from, message));
  }

  next<K extends SnMessage['type']>(to: string, type: K, timeoutMs?: number): Promise<Extract<SnMessage, { type: K }>> {
    return this.inbox.next((m) => m.to === to && m.message.type === type, timeoutMs).then((m) => m.message as Extract<SnMessage, { type: K }>);
  }
}

/** One Arduino wired to the hub: MQTT-SN frames back to back. */
export class WiredSensor {
  readonly inbox = new Inbox<SnMessage>();

  constructor(readonly port: SerialPort) {
    const framer = new SnStreamFramer({
      onFrame: (frame) => {
        const result = decode(frame);
        if (result.ok) this.inbox.push(result.message);
      },
    });
    port.on('data', (chunk: Buffer) => framer.push(chunk));
  }

  send(message: SnMessage | Buffer): void {
    this.port.write(Buffer.isBuffer(message) ? message : encode(message));
  }

  next<K extends SnMessage['type']>(type: K, timeoutMs?: number): Promise<Extract<SnMessage, { type: K }>> {
    return this.inbox.next(ofType(type), timeoutMs) as Promise<Extract<SnMessage, { type: K }>>;
  }
}
