import { createSocket, type Socket } from 'node:dgram';
import type { Duplex } from 'node:stream';
import { MsgType, SnStreamFramer } from '@hearth/mqtt-sn';
import { type Address64, type ApiMode, BROADCAST_ADDRESS_64, ReceiveOption, XbeeFrameDecoder, encodeFrame } from '@hearth/xbee';

/** Carries one sensor's MQTT-SN frames to the gateway and back. */
export interface SnLink {
  /** Sends a frame to the gateway, or to every gateway in range when `broadcast` (SEARCHGW). */
  send(frame: Buffer, broadcast?: boolean): void;
  /** Receives the frames the gateway sends to this sensor; one handler per link. */
  onFrame(handler: (frame: Buffer) => void): void;
}

export interface UdpAddress {
  host: string;
  port: number;
}

/** Parses `host:port`. */
export function parseUdpAddress(text: string): UdpAddress {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new Error(`expected host:port, got "${text}"`);
  return { host: match[1], port };
}

/**
 * A sensor on UDP: one socket per sensor (the gateway tells clients apart by address and port).
 * Frames go to the configured gateway until a GWINFO arrives; then to whoever sent it.
 */
export class UdpLink implements SnLink {
  private handler: ((frame: Buffer) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private gateway: UdpAddress,
    private readonly searchAddress: UdpAddress,
  ) {
    socket.on('message', (frame, from) => {
      if (frame[1] === MsgType.GWINFO) this.gateway = { host: from.address, port: from.port };
      this.handler?.(frame);
    });
  }

  /** `search` is where SEARCHGW goes (a broadcast address works); the gateway address by default. */
  static async open(gateway: UdpAddress, search: UdpAddress = gateway): Promise<UdpLink> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => resolve());
    });
    if (search.host.endsWith('.255')) socket.setBroadcast(true);
    return new UdpLink(socket, gateway, search);
  }

  send(frame: Buffer, broadcast = false): void {
    const to = broadcast ? this.searchAddress : this.gateway;
    this.socket.send(frame, to.port, to.host);
  }

  onFrame(handler: (frame: Buffer) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * The XBee coordinator a hub's serial port is wired to, played on the other end of that line. What a
 * remote sensor's radio sends comes out as 0x90 Receive Packets from the sensor's 64-bit address;
 * the hub's 0x10 Transmit Requests are delivered to the sensor they address (or to all, broadcast)
 * and answered with a successful 0x8B Transmit Status when they ask for one.
 */
export class XbeeCoordinator {
  private readonly endpoints = new Map<Address64, (frame: Buffer) => void>();
  private readonly decoder: XbeeFrameDecoder;

  constructor(
    private readonly line: Duplex,
    private readonly apiMode: ApiMode = 2,
  ) {
    this.decoder = new XbeeFrameDecoder({
      apiMode,
      onFrame: (frame) => {
        if (frame.type !== 'transmitRequest') return;
        const broadcast = frame.destination64 === BROADCAST_ADDRESS_64;
        for (const [address, deliver] of this.endpoints) if (broadcast || address === frame.destination64) deliver(frame.data);
        if (frame.frameId !== 0) {
          this.write({ type: 'transmitStatus', frameId: frame.frameId, destination16: frame.destination16, retryCount: 0, deliveryStatus: 0, discoveryStatus: 0 });
        }
      },
    });
    line.on('data', (chunk: Buffer) => this.decoder.push(chunk));
  }

  /** The radio link of the sensor whose XBee has this 64-bit address. */
  endpoint(address64: Address64): SnLink {
    const source64 = address64.toLowerCase();
    // Any 16-bit network address will do as long as it is stable and not 0xFFFE (unknown).
    const source16 = parseInt(source64.slice(-4), 16) & 0x7fff;
    return {
      send: (frame, broadcast = false) =>
        this.write({ type: 'receivePacket', source64, source16, options: broadcast ? ReceiveOption.broadcast : ReceiveOption.acknowledged, data: frame }),
      onFrame: (handler) => void this.endpoints.set(source64, handler),
    };
  }

  private write(frame: Parameters<typeof encodeFrame>[0]): void {
    this.line.write(encodeFrame(frame, this.apiMode));
  }
}

/** One Arduino wired to the hub's serial port: MQTT-SN frames back to back, no radio framing. */
export class RawSerialLink implements SnLink {
  private handler: ((frame: Buffer) => void) | undefined;

  constructor(private readonly line: Duplex) {
    const framer = new SnStreamFramer({ onFrame: (frame) => this.handler?.(Buffer.from(frame)) });
    line.on('data', (chunk: Buffer) => framer.push(chunk));
  }

  send(frame: Buffer): void {
    this.line.write(frame);
  }

  onFrame(handler: (frame: Buffer) => void): void {
    this.handler = handler;
  }
}
