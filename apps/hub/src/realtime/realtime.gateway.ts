import { Inject } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { ServerMessage } from '@hearth/api-types';
import { WebSocket, type WebSocketServer as WsServer } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { SessionsService, type AuthUser } from '../auth/sessions.service.js';
import { MqttBus } from '../broker/mqtt-bus.js';
import { inAreas } from '../entities/areas.js';
import { EntitiesService } from '../entities/entities.service.js';
import { HubEvents } from '../events/hub-events.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';

/** WebSocket close code for "your session ended" (4000-4999 are the application's). */
const SESSION_ENDED = 4401;
const SESSION_CHECK_MS = 30_000;

/** A client this far behind (bytes not yet sent) is dropped; it resyncs from a fresh snapshot on reconnect. */
const MAX_BUFFERED = 1024 * 1024;

/** `/ws`: a snapshot of every entity on connect, then each state change as it happens. */
@WebSocketGateway({ path: '/ws' })
export class RealtimeGateway implements OnGatewayConnection {
  @WebSocketServer() private readonly server!: WsServer;
  private readonly log: Logger;
  /** Clients of people restricted to areas, who get only those areas' entities. */
  private readonly restricted = new WeakMap<WebSocket, AuthUser>();
  /** Each client's session token: its connection ends with the session (logout, expiry, removal). */
  private readonly tokens = new Map<WebSocket, string>();
  private sessionCheck?: NodeJS.Timeout;
  /** Sockets holding this turn's frames: ws writes every frame on its own, a syscall each. */
  private readonly corked = new Set<Socket>();

  constructor(
    private readonly entities: EntitiesService,
    private readonly sessions: SessionsService,
    private readonly events: HubEvents,
    private readonly bus: MqttBus,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'realtime' });
  }

  start(): void {
    this.events.on(this, 'entityState', ({ after }) => this.broadcast({ type: 'state', entity: after }));
    this.events.on(this, 'entityRemoved', ({ id }) => this.broadcast({ type: 'removed', id }));
    this.events.on(this, 'brokerLink', (link) => this.broadcast({ type: 'broker', link }));
    this.events.on(this, 'sessionEnded', ({ token }) => {
      for (const [client, clientToken] of this.tokens) if (clientToken === token) this.end(client);
    });
    // Expired or removed sessions have no event: check the open connections now and then.
    this.sessionCheck = setInterval(() => {
      for (const [client, token] of this.tokens) if (!this.sessions.resolve(token)) this.end(client);
    }, SESSION_CHECK_MS);
    this.sessionCheck.unref();
  }

  stop(): void {
    this.events.release(this);
    clearInterval(this.sessionCheck);
  }

  private end(client: WebSocket): void {
    this.tokens.delete(client);
    client.close(SESSION_ENDED, 'session ended');
  }

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    // The upgrade was already refused without a session (guardUpgrades); here only its areas matter.
    const credentials = this.sessions.credentials(request);
    const user = credentials && this.sessions.resolve(credentials.token)?.user;
    if (user?.areas) this.restricted.set(client, user);
    if (credentials) {
      this.tokens.set(client, credentials.token);
      client.once('close', () => this.tokens.delete(client));
    }
    const entities = this.entities.pipeline.entities().filter((entity) => inAreas(user, entity.area));
    this.send(client, JSON.stringify({ type: 'snapshot', entities } satisfies ServerMessage));
    this.send(client, JSON.stringify({ type: 'broker', link: this.bus.link() } satisfies ServerMessage));
  }

  private broadcast(message: ServerMessage): void {
    if (this.server.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of this.server.clients) {
      const user = this.restricted.get(client);
      if (user && message.type === 'state' && !inAreas(user, message.entity.area)) continue;
      this.send(client, text);
    }
  }

  private send(client: WebSocket, text: string): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > MAX_BUFFERED) {
      this.log.warn({ buffered: client.bufferedAmount }, 'dropped a WebSocket client that stopped reading');
      client.terminate();
      return;
    }
    this.holdForTurn(client);
    client.send(text);
  }

  /**
   * The frames one burst sends a client (the messages of one read) leave in one write, as soon as the burst
   * is handled: before the turn's database commit, which would otherwise hold them back.
   */
  private holdForTurn(client: WebSocket): void {
    // ws has no public cork; its socket is `_socket` in every ws version since 1.0.
    const socket = (client as unknown as { _socket?: Socket })._socket;
    if (!socket || this.corked.has(socket)) return;
    if (this.corked.size === 0) process.nextTick(this.releaseTurn);
    socket.cork();
    this.corked.add(socket);
  }

  private readonly releaseTurn = (): void => {
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
