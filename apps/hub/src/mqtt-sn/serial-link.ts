import { createRequire } from 'node:module';
import { decode, SnStreamFramer, type SnLink } from '@hearth/mqtt-sn';
import { BROADCAST_ADDRESS_64, encodeFrame, UNKNOWN_ADDRESS_16, XbeeFrameDecoder, type ApiMode } from '@hearth/xbee';
import type { SerialPort } from 'serialport';
import type { Logger } from '../logging/logger.js';
import { SERIAL_LINK, WIRE } from '../auth/sn-address.js';

/** How MQTT-SN frames ride the serial line: inside XBee API frames, or back to back. */
export interface SerialFraming {
  readonly mode: 'xbee' | 'raw';
  /** A fresh stream cutter for each time the port opens: bytes in, (address, MQTT-SN frame) out. */
  decoder(deliver: (address: string, frame: Buffer) => void, dropped: () => void): (chunk: Buffer) => void;
  unicast(address: string, frame: Buffer): Buffer;
  broadcast(frame: Buffer): Buffer;
}

/**
 * XBee API frames: 0x90 Receive Packet in, addressed by the sender's 64-bit address; 0x10 Transmit
 * Request out to its latest 16-bit address. Frame id 0: no Transmit Status, the gateway retries itself.
 */
export class XbeeFraming implements SerialFraming {
  readonly mode = 'xbee';
  private readonly network16 = new Map<string, number>();

  constructor(private readonly apiMode: ApiMode) {}

  decoder(deliver: (address: string, frame: Buffer) => void, dropped: () => void): (chunk: Buffer) => void {
    const decoder = new XbeeFrameDecoder({
      apiMode: this.apiMode,
      onFrame: (frame) => {
        if (frame.type !== 'receivePacket') return; // modem status and the like
        this.network16.set(frame.source64, frame.source16);
        deliver(frame.source64, frame.data);
      },
      onDrop: dropped,
    });
    return (chunk) => decoder.push(chunk);
  }

  unicast(address: string, frame: Buffer): Buffer {
    return this.transmit(address, this.network16.get(address) ?? UNKNOWN_ADDRESS_16, frame);
  }

  broadcast(frame: Buffer): Buffer {
    return this.transmit(BROADCAST_ADDRESS_64, UNKNOWN_ADDRESS_16, frame);
  }

  private transmit(destination64: string, destination16: number, data: Buffer): Buffer {
    return encodeFrame({ type: 'transmitRequest', frameId: 0, destination64, destination16, broadcastRadius: 0, options: 0, data }, this.apiMode);
  }
}

/** One wired sensor, MQTT-SN frames back to back; its one address is 'wire'. */
export class RawFraming implements SerialFraming {
  readonly mode = 'raw';
  /** A line quiet for this long mid-frame was carrying garbage: about 64 byte times, at least 20 ms. */
  private readonly idleMs: number;

  constructor(baudRate: number) {
    this.idleMs = Math.max(20, Math.ceil((64 * 10 * 1000) / baudRate));
  }

  decoder(deliver: (address: string, frame: Buffer) => void, dropped: () => void): (chunk: Buffer) => void {
    const framer = new SnStreamFramer({
      onFrame: (frame) => deliver(WIRE, frame),
      onDrop: dropped,
      // Only frames that decode count, so garbage that looks like a header cannot swallow a real frame.
      accept: (frame) => decode(frame).ok,
    });
    let idle: NodeJS.Timeout | undefined;
    return (chunk) => {
      clearTimeout(idle);
      framer.push(chunk);
      if (framer.bufferedBytes > 0) idle = setTimeout(() => framer.resync(), this.idleMs);
    };
  }

  unicast(_address: string, frame: Buffer): Buffer {
    return frame;
  }

  broadcast(frame: Buffer): Buffer {
    return frame;
  }
}

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  framing: SerialFraming;
  /** ms between attempts to open a missing device. */
  retryInterval: number;
  log: Logger;
  onFrame: (link: SnLink, address: string, frame: Buffer) => void;
  onOpen: (link: SnLink) => void;
}

// Loaded when a serial device is configured (most hubs have none): serialport is 55 files, read on every start otherwise.
const serialPort = (): typeof SerialPort => (createRequire(import.meta.url)('serialport') as typeof import('serialport')).SerialPort;

/**
 * The serial device of an XBee coordinator or a wired sensor. Keeps trying to open it while it is
 * missing and again after it goes away (USB unplugged), so the hub runs with or without it.
 */
export class SerialLink implements SnLink {
  readonly name = SERIAL_LINK;
  /** Runs of line noise skipped (raw) or XBee frames dropped (bad checksum, length, ...). */
  dropped = 0;
  private port: SerialPort | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private reportedMissing = false;

  constructor(private readonly options: SerialLinkOptions) {}

  get open(): boolean {
    return this.port !== undefined;
  }

  start(): void {
    const { path, baudRate, framing, log, retryInterval } = this.options;
    const port = new (serialPort())({ path, baudRate, autoOpen: false });
    port.open((error) => {
      if (this.stopped) return void (error || port.close());
      if (error) {
        // Logged once per absence, not once per attempt.
        if (!this.reportedMissing) log.warn({ path, reason: error.message, retryMs: retryInterval }, 'MQTT-SN serial device not available; will keep trying');
        this.reportedMissing = true;
        this.retry = setTimeout(() => this.start(), retryInterval);
        return;
      }
      this.reportedMissing = false;
      this.port = port;
      const push = framing.decoder(
        (address, frame) => this.options.onFrame(this, address, frame),
        () => this.dropped++,
      );
      port.on('data', push);
      port.on('error', (failure) => log.warn({ path, reason: failure.message }, 'MQTT-SN serial device error'));
      port.once('close', () => {
        this.port = undefined;
        if (this.stopped) return;
        log.warn({ path }, 'MQTT-SN serial device closed; will reopen it when it is back');
        this.retry = setTimeout(() => this.start(), retryInterval);
      });
      log.info({ listener: 'mqtt-sn-serial', path, mode: framing.mode, baudRate }, `MQTT-SN on serial ${path} (${framing.mode})`);
      this.options.onOpen(this);
    });
  }

  send(address: string, frame: Buffer): void {
    this.port?.write(this.options.framing.unicast(address, frame));
  }

  broadcast(frame: Buffer): void {
    this.port?.write(this.options.framing.broadcast(frame));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
