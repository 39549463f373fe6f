import type { Connection } from './connection.js';
import { MAX_PACKET_ID, type QoS, SESSION_EXPIRY_NEVER } from './constants.js';
import type { Message } from './message.js';
import type { StoredOutgoing, StoredWill } from './ports.js';
import type { Subscription } from './subscriptions.js';

export const NO_IDENTIFIERS: readonly number[] = Object.freeze([]);

/** Memory a queued message costs beyond its topic and payload: the entry, the message object, the maps. */
export const QUEUED_OVERHEAD = 200;

/** What a queued message counts against maxQueuedBytes. */
export const queuedBytes = (message: Message | null): number => (message === null ? 0 : QUEUED_OVERHEAD + message.topicLength + message.payload.length);

/** A QoS 1 or 2 message queued for, or in flight to, one session. */
export class OutgoingEntry {
  /** Sent on the current connection and not acknowledged yet: counts against the client's Receive Maximum. */
  inflight = false;
  /** Sent at least once: a resend carries DUP [MQTT-3.3.1-1], and expiry no longer applies [MQTT-4.3.3-7]. */
  sent = false;
  /** False while the store has not committed it: it may not leave before, or a crash could repeat it. */
  committed = true;

  constructor(
    /** Its place in the queue (StoredOutgoing.seq). */
    readonly seq: number,
    /** 0 until it has one (see OutgoingQueue); kept from then on, for every resend [MQTT-4.4.0-1]. */
    public packetId: number,
    /** Null once the client's PUBREC released it: only PUBREL is left to send. */
    public message: Message | null,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly subscriptionIdentifiers: readonly number[],
    /** What it counts against the session's maxQueuedBytes. */
    readonly bytes: number,
  ) {}

  toStored(): StoredOutgoing {
    const { seq, packetId, message, qos, retain, subscriptionIdentifiers } = this;
    return { seq, packetId, message: message && message.toStored(), qos, retain, subscriptionIdentifiers: [...subscriptionIdentifiers] };
  }
}

/**
 * A session's QoS 1 and 2 messages: every one not yet completed, in the order queued (the order they are
 * sent and resent in [MQTT-4.6.0-5]), and those not sent on the current connection yet.
 *
 * A message gets its Packet Identifier when it is queued, so that a stored one keeps it across a restart
 * with no second write. There are only 65,535, so a longer queue (an offline bridge, a sensor asleep for
 * days) gives the rest theirs as they are sent. Once one waits without, later ones wait too, which keeps
 * the identified entries ahead of the others: when the first unidentified one is next to send, the
 * identifiers held are those in flight, fewer than the Receive Maximum, so one is free. (After a restart
 * some QoS 1 entries have lost the identifier they were sent with, which is not stored; that only frees
 * identifiers.)
 */
class OutgoingQueue {
  /** By seq, in the order queued. */
  readonly entries = new Map<number, OutgoingEntry>();
  /** Those that have a Packet Identifier, by it. */
  readonly identified = new Map<number, OutgoingEntry>();
  private waiting: OutgoingEntry[] = [];
  private head = 0;
  inflight = 0;
  /** Bytes of the queued entries, as counted when they were added. */
  bytes = 0;
  private lastId = 0;

  get size(): number {
    return this.entries.size;
  }

  get hasWaiting(): boolean {
    return this.head < this.waiting.length;
  }

  /** The Packet Identifier for a message being queued, or 0: it gets one as it is sent. */
  idForNew(): number {
    return this.identified.size === this.entries.size ? this.allocateId() : 0;
  }

  /** Gives a waiting entry that has none a Packet Identifier; false while all 65,535 are taken. */
  identify(entry: OutgoingEntry): boolean {
    const id = this.allocateId();
    if (id === 0) return false;
    entry.packetId = id;
    this.identified.set(id, entry);
    return true;
  }

  /** An unused Packet Identifier [MQTT-2.2.1-4], or 0 when all 65535 are taken. */
  private allocateId(): number {
    if (this.identified.size >= MAX_PACKET_ID) return 0;
    let id = this.lastId;
    do id = id === MAX_PACKET_ID ? 1 : id + 1;
    while (this.identified.has(id));
    this.lastId = id;
    return id;
  }

  add(entry: OutgoingEntry): void {
    this.entries.set(entry.seq, entry);
    if (entry.packetId !== 0) {
      this.identified.set(entry.packetId, entry);
      this.lastId = Math.max(this.lastId, entry.packetId);
    }
    this.bytes += entry.bytes;
    this.waiting.push(entry);
  }

  /** The next entry to send, without taking it. */
  peek(): OutgoingEntry | undefined {
    return this.waiting[this.head];
  }

  take(): OutgoingEntry {
    const entry = this.waiting[this.head];
    this.waiting[this.head++] = undefined as unknown as OutgoingEntry;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  /** Removes a completed (or dropped) entry. */
  delete(entry: OutgoingEntry): void {
    if (!this.entries.delete(entry.seq)) return;
    if (entry.packetId !== 0) this.identified.delete(entry.packetId);
    this.bytes -= entry.bytes;
    if (entry.inflight) {
      entry.inflight = false;
      this.inflight--;
    }
  }

  /**
   * A new connection took the session up: everything unacknowledged is sent again, in the original
   * order and with the original identifiers [MQTT-4.4.0-1].
   */
  restart(): void {
    this.waiting = [...this.entries.values()];
    this.head = 0;
    this.inflight = 0;
    for (const entry of this.waiting) entry.inflight = false;
  }

  /** The connection ended: nothing is in flight on it any more. */
  detach(): void {
    this.inflight = 0;
    for (const entry of this.entries.values()) entry.inflight = false;
  }
}

/** What a session knows beyond its connection (section 4.1): kept while connected, and after if it has not expired. */
export class Session {
  /** The connection it is bound to; null while the client is away. */
  connection: Connection | null = null;
  /** Filter as the client gave it (`$share/...` included) -> subscription. */
  subscriptions: Map<string, Subscription> | null = null;
  outgoing: OutgoingQueue | null = null;
  /** Packet Identifiers of QoS 2 messages from the client awaiting PUBREL [MQTT-4.3.3-10]. */
  incoming: Set<number> | null = null;
  will: StoredWill | null = null;
  /** The session expiry or will delay timer of a disconnected session. */
  timer: unknown = undefined;
  /** Epoch milliseconds its last connection ended; null while connected. */
  disconnectedAt: number | null = null;
  /** Whether the store holds a record of it (it persists, or it has a will that must survive a crash). */
  stored = false;

  constructor(
    readonly clientId: string,
    /** Seconds it outlives its connection; 0 = it ends with the connection. */
    public expiryInterval: number,
  ) {}

  /** Whether its state outlives the connection, and so is written to the store [MQTT-3.1.2-23]. */
  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  get expiresNever(): boolean {
    return this.expiryInterval === SESSION_EXPIRY_NEVER;
  }

  queue(): OutgoingQueue {
    return (this.outgoing ??= new OutgoingQueue());
  }
}
