// Test support shared by the *.test.ts files; not part of the package API.
import { connect, type Socket } from 'node:net';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet, type PacketCmd } from 'mqtt-packet';

/**
 * A client that writes packets byte for byte and reads what the broker sends with mqtt-packet's parser,
 * an implementation independent of the broker's codec: tests see exactly what crossed the wire.
 */
export class RawClient {
  readonly received: Packet[] = [];
  /** Resolves when the broker closed the connection. */
  readonly closed: Promise<void>;
  parseError: Error | undefined;
  private unclaimed: Packet[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: Socket,
    readonly protocolVersion: 3 | 4 | 5,
  ) {
    const parser = mqttPacket.parser({ protocolVersion });
    parser.on('packet', (packet: Packet) => {
      this.received.push(packet);
      this.unclaimed.push(packet);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    parser.on('error', (error: Error) => (this.parseError ??= error));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      resolve();
      this.waiters.splice(0).forEach((wake) => wake());
    }));
  }

  static async open(port: number, protocolVersion: 3 | 4 | 5 = 5): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket, protocolVersion);
  }

  /** Opens a connection and sends CONNECT (`clientId` and more from `fields`); resolves with the CONNACK. */
  static async connect(port: number, fields: Partial<IConnectPacket> = {}): Promise<{ client: RawClient; connack: IConnackPacket }> {
    const protocolVersion = fields.protocolVersion ?? 5;
    const client = await RawClient.open(port, protocolVersion);
    client.send({ cmd: 'connect', protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', protocolVersion, clientId: '', clean: true, keepalive: 0, ...fields });
    const connack = (await client.next('connack')) as IConnackPacket;
    return { client, connack };
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  send(packet: Packet | Buffer): void {
    this.socket.write(Buffer.isBuffer(packet) ? packet : mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
  }

  /** The first packet not yet taken (of type `cmd`, if given); rejects when none comes in time or the connection closed. */
  next(cmd?: PacketCmd, timeoutMs = 5000): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => fail(`no ${cmd ?? 'packet'} within ${timeoutMs} ms`), timeoutMs);
      const fail = (reason: string) => {
        clearTimeout(deadline);
        reject(new Error(`${reason}; received ${JSON.stringify(this.received.map((p) => p.cmd))}`));
      };
      const check = () => {
        const index = this.unclaimed.findIndex((packet) => cmd === undefined || packet.cmd === cmd);
        if (index >= 0) {
          clearTimeout(deadline);
          resolve(this.unclaimed.splice(index, 1)[0]);
        } else if (this.socket.destroyed) fail(`connection closed before a ${cmd ?? 'packet'}`);
        else this.waiters.push(check);
      };
      check();
    });
  }

  /** Packets received and not taken by next(), and forgets them. */
  drain(): Packet[] {
    return this.unclaimed.splice(0);
  }

  end(): void {
    this.socket.destroy();
  }
}
