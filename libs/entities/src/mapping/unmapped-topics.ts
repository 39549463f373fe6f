import type { UnmappedTopicDto } from '../view.js';

const PAYLOAD_PREVIEW = 256;
// Enough bytes for 256 characters of UTF-8.
const PAYLOAD_BYTES = PAYLOAD_PREVIEW * 4;

/** Topics no entity listens to, so a person can adopt them; past the capacity, the least recently seen go. */
export class UnmappedTopics {
  // The payload is kept as bytes and turned into text only when listed: this runs for every unmapped message.
  private readonly topics = new Map<string, { lastPayload: Buffer; count: number; lastSeen: number }>();

  constructor(private readonly capacity: number) {}

  seen(topic: string, payload: Buffer, now: number): void {
    if (this.capacity === 0) return;
    // A copy of the start only, so a large payload is not kept alive by its preview.
    const lastPayload = payload.length <= PAYLOAD_BYTES ? payload : Buffer.from(payload.subarray(0, PAYLOAD_BYTES));
    const known = this.topics.get(topic);
    if (known) {
      // Updated in place: this runs for every unmapped message, so the order is only refreshed on eviction.
      known.lastPayload = lastPayload;
      known.count++;
      known.lastSeen = now;
      return;
    }
    this.topics.set(topic, { lastPayload, count: 1, lastSeen: now });
    if (this.topics.size > this.capacity) this.evictLeastRecent();
  }

  /** Forgets the least recently seen topic (a scan, but only when a new topic arrives at capacity). */
  private evictLeastRecent(): void {
    let oldest: string | undefined;
    let oldestSeen = Infinity;
    for (const [topic, { lastSeen }] of this.topics) {
      if (lastSeen < oldestSeen) [oldest, oldestSeen] = [topic, lastSeen];
    }
    if (oldest !== undefined) this.topics.delete(oldest);
  }

  forget(topic: string): void {
    this.topics.delete(topic);
  }

  list(): Array<Omit<UnmappedTopicDto, 'deviceId'>> {
    return [...this.topics]
      .map(([topic, { lastPayload, count, lastSeen }]) => ({
        topic,
        lastPayload: lastPayload.toString('utf8').slice(0, PAYLOAD_PREVIEW),
        count,
        lastSeen: new Date(lastSeen).toISOString(),
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }
}
