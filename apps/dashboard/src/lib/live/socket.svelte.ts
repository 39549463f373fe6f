import type { ServerMessage } from '@hearth/api-types';

/** The hub's `/ws` messages keyed by their `type`: one typed handler per event. */
export type ServerEvents = { [M in ServerMessage as M['type']]: M };
type Handlers = { [K in keyof ServerEvents]?: (message: ServerEvents[K]) => void };

/**
 * `connecting`: first attempt; `live`: open and the snapshot has arrived; `reconnecting`: lost, a retry
 * is scheduled; `offline`: the browser says there is no network, retried when it comes back.
 */
export type SocketStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveSocketOptions {
  url: string;
  handlers: Handlers;
  /** Called after an attempt that never opened, e.g. to find out whether the session expired. */
  onRefused?: () => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests; the browser's by default. */
  WebSocket?: typeof WebSocket;
  random?: () => number;
}

/**
 * The hub's WebSocket, kept open: exponential backoff with jitter between attempts, an immediate retry
 * when the network or the tab comes back, and a resync on every connect (the hub sends a snapshot).
 */
export class LiveSocket {
  status = $state<SocketStatus>('connecting');
  /** Failed attempts since the last good connection. */
  attempts = $state(0);
  /** When the next attempt is due (epoch ms), while reconnecting. */
  retryAt = $state<number | null>(null);

  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private readonly Impl: typeof WebSocket;
  private readonly random: () => number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: LiveSocketOptions) {
    this.Impl = options.WebSocket ?? WebSocket;
    this.random = options.random ?? Math.random;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 15_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener('online', this.retryNow);
    addEventListener('offline', this.wentOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    removeEventListener('online', this.retryNow);
    removeEventListener('offline', this.wentOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.drop();
  }

  /** Skips the wait, e.g. from the banner's button or when the network returns. */
  retryNow = (): void => {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  };

  private onVisible = (): void => {
    if (document.visibilityState === 'visible') this.retryNow();
  };

  private wentOffline = (): void => {
    this.drop();
    clearTimeout(this.timer);
    this.retryAt = null;
    this.status = 'offline';
  };

  private connect(): void {
    this.retryAt = null;
    const socket = new this.Impl(this.options.url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage;
      if (message.type === 'snapshot') {
        this.status = 'live';
        this.attempts = 0;
      }
      (this.options.handlers[message.type] as ((m: ServerMessage) => void) | undefined)?.(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!opened) this.options.onRefused?.();
      if (!this.stopped && this.status !== 'offline') this.schedule();
    };
  }

  private schedule(): void {
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempts) * (0.5 + this.random() / 2);
    this.attempts++;
    this.status = 'reconnecting';
    this.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}

/** `/ws` on the page's own host, over TLS when the page is. */
export const hubSocketUrl = (location: Location): string =>
  `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
