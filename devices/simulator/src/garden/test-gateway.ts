// A scripted MQTT-SN gateway for the simulator's tests: it answers what a sensor waits for, records
// every frame, and buffers messages for a sleeping sensor until its next PINGREQ.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReturnCode, decode, encode, type SnMessage, type SnPublish } from '@hearth/mqtt-sn';
import { type TransmitStatus, XbeeFrameDecoder, encodeFrame } from '@hearth/xbee';
import { SerialPort } from 'serialport';

export interface Received {
  message: SnMessage;
  hex: string;
}

export class ScriptedGateway {
  readonly received: Received[] = [];
  private readonly buffered: SnPublish[] = [];
  private wakingUp = false;
  private forgotten = false;
  private nextTopicId = 0x20;
  private waiters: Array<() => void> = [];

  constructor(private readonly reply: (frame: Buffer) => void) {}

  /** Like a gateway restarted without its sessions: the next PINGREQ is answered with DISCONNECT. */
  forgetSessions(): void {
    this.forgotten = true;
  }

  /** Queues a PUBLISH for the sensor's next wake-up. */
  buffer(message: SnPublish): void {
    this.buffered.push(message);
  }

  /** Resolves once `count` frames matching `predicate` have arrived. */
  waitFor(predicate: (m: SnMessage) => boolean, count = 1, timeoutMs = 5000): Promise<Received[]> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timed out; got ${this.received.map((r) => r.message.type).join(' ')}`)), timeoutMs);
      const check = () => {
        const matching = this.received.filter((r) => predicate(r.message));
        if (matching.length >= count) {
          clearTimeout(deadline);
          resolve(matching);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** The type of each frame received, for asserting a whole conversation at a glance. */
  get types(): string[] {
    return this.received.map((r) => r.message.type);
  }

  receive(frame: Buffer): void {
    const result = decode(frame);
    if (!result.ok) throw new Error(`the sensor sent a bad frame ${frame.toString('hex')}: ${result.error.message}`);
    const m = result.message;
    this.received.push({ message: m, hex: frame.toString('hex') });
    this.answer(m);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private send(message: SnMessage): void {
    this.reply(encode(message));
  }

  private answer(m: SnMessage): void {
    switch (m.type) {
      case 'searchgw':
        return this.send({ type: 'gwinfo', gwId: 7 });
      case 'connect':
        return this.send(m.will ? { type: 'willtopicreq' } : { type: 'connack', returnCode: ReturnCode.ACCEPTED });
      case 'willtopic':
        return this.send({ type: 'willmsgreq' });
      case 'willmsg':
        return this.send({ type: 'connack', returnCode: ReturnCode.ACCEPTED });
      case 'register':
        return this.send({ type: 'regack', topicId: this.nextTopicId++, msgId: m.msgId, returnCode: ReturnCode.ACCEPTED });
      case 'subscribe': {
        const topicId = m.topic.topicIdType === 'predefined' ? m.topic.topicId : this.nextTopicId++;
        return this.send({ type: 'suback', qos: m.qos, topicId, msgId: m.msgId, returnCode: ReturnCode.ACCEPTED });
      }
      case 'publish':
        if (m.qos === 1) this.send({ type: 'puback', topicId: 'topicId' in m.topic ? m.topic.topicId : 0, msgId: m.msgId, returnCode: ReturnCode.ACCEPTED });
        return;
      case 'pingreq':
        if (this.forgotten) {
          this.forgotten = false;
          return this.send({ type: 'disconnect' });
        }
        this.wakingUp = true;
        return this.deliver();
      case 'puback':
        return this.deliver();
      case 'disconnect':
        return this.send({ type: 'disconnect' });
    }
  }

  /** One buffered message at a time, each after the previous PUBACK; then PINGRESP. */
  private deliver(): void {
    if (!this.wakingUp) return;
    const next = this.buffered.shift();
    if (next) return this.send(next);
    this.wakingUp = false;
    this.send({ type: 'pingresp' });
  }
}

/** The gateway on a UDP socket on 127.0.0.1, answering whoever wrote last. */
export async function udpGateway(): Promise<{ gateway: ScriptedGateway; port: number; close(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  let peer = { address: '', port: 0 };
  const gateway = new ScriptedGateway((frame) => socket.send(frame, peer.port, peer.address));
  socket.on('message', (frame, from) => {
    peer = from;
    gateway.receive(frame);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { gateway, port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** Two linked pseudo-terminals from socat, like a serial cable between the hub and a radio. */
export async function ptyPair(): Promise<{ hubEnd: string; radioEnd: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-sim-pty-'));
  const hubEnd = join(dir, 'hub');
  const radioEnd = join(dir, 'radio');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${hubEnd}`, `pty,raw,echo=0,link=${radioEnd}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(existsSync(hubEnd) && existsSync(radioEnd)); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(hubEnd) || !existsSync(radioEnd)) throw new Error('socat did not create the pty pair');
  return {
    hubEnd,
    radioEnd,
    close: () => {
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  return port;
}

/**
 * The gateway as a hub with an XBee coordinator would be: 0x90 Receive Packets in, 0x10 Transmit
 * Requests (frame id 1, so the coordinator confirms each with a 0x8B) to the sender out.
 */
export function xbeeGateway(port: SerialPort): { gateway: ScriptedGateway; sources: string[]; statuses: TransmitStatus[] } {
  const sources: string[] = [];
  const statuses: TransmitStatus[] = [];
  let source64 = '';
  const gateway = new ScriptedGateway((data) =>
    port.write(encodeFrame({ type: 'transmitRequest', frameId: 1, destination64: source64, destination16: 0xfffe, broadcastRadius: 0, options: 0, data }, 2)),
  );
  const decoder = new XbeeFrameDecoder({
    apiMode: 2,
    onFrame: (frame) => {
      if (frame.type === 'transmitStatus') statuses.push(frame);
      if (frame.type !== 'receivePacket') return;
      source64 = frame.source64;
      sources.push(frame.source64);
      gateway.receive(Buffer.from(frame.data));
    },
  });
  port.on('data', (chunk: Buffer) => decoder.push(chunk));
  return { gateway, sources, statuses };
}
