import type { UnmappedTopicDto } from '@hearth/api-types';

const PAYLOAD_PREVIEW = 256;

/** Topics no entity listens to, so a person can adopt them; the least recently seen are forgotten first. */
export class UnmappedTopics {
  private readonly topics = new Map<string, { lastPayload: string; count: number; lastSeen: number }>();

  constructor(private readonly capacity: number) {}

  seen(topic: string, payload: Buffer, now: number): void {
    if (this.capacity === 0) return;
    const known = this.topics.get(topic);
    const lastPayload = payload.subarray(0, PAYLOAD_PREVIEW * 4).toString('utf8').slice(0, PAYLOAD_PREVIEW);
    // Re-inserting keeps the Map in least-recently-seen order, so the first key is the one to evict.
    this.topics.delete(topic);
    this.topics.set(topic, { lastPayload, count: (known?.count ?? 0) + 1, lastSeen: now });
    if (this.topics.size > this.capacity) this.topics.delete(this.topics.keys().next().value as string);
  }

  forget(topic: string): void {
    this.topics.delete(topic);
  }

  list(): UnmappedTopicDto[] {
    return [...this.topics]
      .map(([topic, { lastPayload, count, lastSeen }]) => ({ topic, lastPayload, count, lastSeen: new Date(lastSeen).toISOString() }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }
}
