import { createSocket, type Socket } from 'node:dgram';
import type { SnLink } from '@hearth/mqtt-sn';
import type { ListenerAddress } from '../broker/broker.service.js';
import { UDP_LINK } from '../auth/sn-address.js';

type FrameHandler = (link: SnLink, address: string, frame: Buffer) => void;

/**
 * The listener's kernel receive buffer. Linux's default (208 kB) holds a few hundred small datagrams,
 * each charged at a few hundred bytes of overhead: a burst of 200 overflowed it and some were dropped.
 * Linux caps it at net.core.rmem_max.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * MQTT-SN over UDP: one client per source address:port. No broadcast of its own, so a SEARCHGW sent to
 * the listener is answered by unicast; the multicast group is a link of its own (joinGroup).
 */
export class UdpLink implements SnLink {
  readonly name = UDP_LINK;
  private socket: Socket | undefined;
  private host = '';
  private group: UdpGroupLink | undefined;

  constructor(private readonly onFrame: FrameHandler) {}

  async listen(host: string, port: number): Promise<ListenerAddress> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await bind(socket, port, host);
    socket.on('message', (frame, remote) => this.onFrame(this, `${remote.address}:${remote.port}`, frame));
    this.socket = socket;
    this.host = host;
    return { host, port: socket.address().port };
  }

  /**
   * Joins the MQTT-SN multicast group on the listener's interface (any interface the system picks when
   * the listener binds to all). What the gateway sends to the group leaves from the listener's socket,
   * so a sensor learns the gateway's own address and port from where GWINFO and ADVERTISE come (a
   * gateway's GWINFO carries no address, spec 5.4.3). Call after listen().
   */
  async joinGroup(group: string, port: number): Promise<SnLink> {
    const socket = this.socket;
    if (!socket) throw new Error('the UDP listener is not open');
    if (socket.address().family !== 'IPv4') throw new Error(`the UDP listener is on ${this.host}, an IPv6 address; the group ${group} is IPv4`);
    const iface = this.host === '0.0.0.0' ? undefined : this.host;
    // Several gateways (or a restarted one) on a host may listen to the same group.
    const groupSocket = createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await bind(groupSocket, port, group);
      groupSocket.addMembership(group, iface);
      if (iface) socket.setMulticastInterface(iface);
      // Sensors on this very host (the simulator, tests) hear the group too.
      socket.setMulticastLoopback(true);
    } catch (error) {
      groupSocket.close();
      throw error;
    }
    const link = new UdpGroupLink(this, groupSocket, group, port);
    groupSocket.on('message', (frame, remote) => this.onFrame(link, `${remote.address}:${remote.port}`, frame));
    this.group = link;
    return link;
  }

  send(address: string, frame: Buffer): void {
    const colon = address.lastIndexOf(':');
    this.sendTo(address.slice(0, colon), Number(address.slice(colon + 1)), frame);
  }

  /** A datagram that cannot go out is like one lost on the air: the gateway's retries cover it. */
  sendTo(host: string, port: number, frame: Buffer): void {
    this.socket?.send(frame, port, host, () => {});
  }

  async close(): Promise<void> {
    const sockets = [this.group?.socket, this.socket];
    this.socket = undefined;
    this.group = undefined;
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()))));
  }
}

/** The MQTT-SN multicast group: for discovery only, and answered from the listener's socket. */
class UdpGroupLink implements SnLink {
  readonly name = 'udp-multicast';
  readonly discoveryOnly = true;

  constructor(
    private readonly listener: UdpLink,
    readonly socket: Socket,
    private readonly group: string,
    private readonly port: number,
  ) {}

  send(address: string, frame: Buffer): void {
    this.listener.send(address, frame);
  }

  broadcast(frame: Buffer): void {
    this.listener.sendTo(this.group, this.port, frame);
  }
}

function bind(socket: Socket, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
