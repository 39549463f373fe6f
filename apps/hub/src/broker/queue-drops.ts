import type { Logger } from '../logging/logger.js';

export interface ClientQueueDrops {
  clientId: string;
  dropped: number;
  lastAt: string;
}

interface Entry {
  dropped: number;
  lastAt: number;
  /** Drops since the last log line. */
  unlogged: number;
  timer?: NodeJS.Timeout;
}

/** Clients whose drops are remembered; the one with the oldest drop goes first. */
const MAX_CLIENTS = 10_000;

/**
 * Messages dropped because an offline persistent session's queue was full. The publisher got its
 * PUBACK, so each drop is counted per client and logged: the first at once, then at most one line per
 * client every `logEveryMs` with what dropped since.
 */
export class QueueDrops {
  total = 0;
  private readonly clients = new Map<string, Entry>();

  constructor(
    private readonly log: Logger,
    private readonly limits: { messages: number; bytes: number },
    private readonly logEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  dropped(clientId: string): void {
    this.total++;
    const entry = this.clients.get(clientId) ?? { dropped: 0, lastAt: 0, unlogged: 0 };
    this.clients.delete(clientId);
    this.clients.set(clientId, entry);
    entry.dropped++;
    entry.unlogged++;
    entry.lastAt = this.now();
    if (entry.dropped === 1) this.flush(clientId, entry);
    else entry.timer ??= setTimeout(() => this.flush(clientId, entry), this.logEveryMs).unref();
    if (this.clients.size > MAX_CLIENTS) this.forget(this.clients.keys().next().value!);
  }

  /** The clients with the most drops first. */
  byClient(limit = 100): ClientQueueDrops[] {
    return [...this.clients]
      .sort(([, a], [, b]) => b.dropped - a.dropped)
      .slice(0, limit)
      .map(([clientId, { dropped, lastAt }]) => ({ clientId, dropped, lastAt: new Date(lastAt).toISOString() }));
  }

  close(): void {
    for (const clientId of [...this.clients.keys()]) this.forget(clientId);
  }

  private flush(clientId: string, entry: Entry): void {
    entry.timer = undefined;
    if (entry.unlogged === 0) return;
    this.log.warn(
      { clientId, dropped: entry.unlogged, droppedInAll: entry.dropped, maxQueued: this.limits.messages, maxQueuedBytes: this.limits.bytes },
      'dropped messages for an offline session: its queue is full (HEARTH_MQTT_MAX_QUEUED_BYTES, HEARTH_MQTT_MAX_QUEUED)',
    );
    entry.unlogged = 0;
  }

  private forget(clientId: string): void {
    const entry = this.clients.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.flush(clientId, entry);
    this.clients.delete(clientId);
  }
}
