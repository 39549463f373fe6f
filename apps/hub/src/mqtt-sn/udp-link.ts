import { createSocket, type Socket } from 'node:dgram';
import type { SnLink } from '@hearth/mqtt-sn';
import type { ListenerAddress } from '../broker/broker.service.js';
import { UDP_LINK } from '../auth/sn-address.js';

/** MQTT-SN over UDP: one client per source address:port. No broadcast, so SEARCHGW is answered by unicast. */
export class UdpLink implements SnLink {
  readonly name = UDP_LINK;
  private socket: Socket | undefined;

  constructor(private readonly onFrame: (link: SnLink, address: string, frame: Buffer) => void) {}

  async listen(host: string, port: number): Promise<ListenerAddress> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (frame, remote) => this.onFrame(this, `${remote.address}:${remote.port}`, frame));
    this.socket = socket;
    return { host, port: socket.address().port };
  }

  send(address: string, frame: Buffer): void {
    const colon = address.lastIndexOf(':');
    // A datagram that cannot go out is like one lost on the air: the gateway's retries cover it.
    this.socket?.send(frame, Number(address.slice(colon + 1)), address.slice(0, colon), () => {});
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }
}
