import { Buffer } from 'node:buffer';
import { SHORT_TOPIC_NAME_BYTES, TopicId } from '../constants.js';
import type { SnPredefinedTopic, SnTopicRegistration } from './ports.js';

/** One client's normal topic ids (spec 6.5): assigned by REGISTER/REGACK or a SUBSCRIBE to a full topic name. */
export class TopicRegistry {
  private readonly names = new Map<number, string>();
  private readonly ids = new Map<string, number>();
  private next = 1;

  constructor(registrations: Iterable<SnTopicRegistration> = []) {
    for (const { topicId, topicName } of registrations) this.set(topicId, topicName);
  }

  get size(): number {
    return this.names.size;
  }

  name(topicId: number): string | undefined {
    return this.names.get(topicId);
  }

  id(topicName: string): number | undefined {
    return this.ids.get(topicName);
  }

  /** Assigns the next free id; the caller checks the limit and that the name is not registered yet. */
  add(topicName: string): number {
    while (this.names.has(this.next) || this.next === TopicId.NONE || this.next === TopicId.RESERVED) {
      this.next = (this.next + 1) & 0xffff;
    }
    const topicId = this.next;
    this.set(topicId, topicName);
    return topicId;
  }

  remove(topicId: number): void {
    const name = this.names.get(topicId);
    if (name === undefined) return;
    this.names.delete(topicId);
    this.ids.delete(name);
  }

  private set(topicId: number, topicName: string): void {
    this.names.set(topicId, topicName);
    this.ids.set(topicName, topicId);
    this.next = Math.max(this.next, (topicId + 1) & 0xffff);
  }
}

/** Predefined topic ids: a client's own entries win over the '*' entries for every client. */
export class PredefinedTopics {
  private readonly names = new Map<string, string>();
  private readonly ids = new Map<string, number>();
  /** Each (clientId, topicId) once; a later entry replaces an earlier one. */
  private readonly entries = new Map<string, SnPredefinedTopic>();

  constructor(topics: Iterable<SnPredefinedTopic>) {
    for (const { clientId, topicId, topicName } of topics) {
      this.names.set(`${clientId}\0${topicId}`, topicName);
      this.ids.set(`${clientId}\0${topicName}`, topicId);
      this.entries.set(`${clientId}\0${topicId}`, { clientId, topicId, topicName });
    }
  }

  /** Every predefined id, by client ('*' first) then id. */
  list(): SnPredefinedTopic[] {
    return [...this.entries.values()].sort((a, b) => (a.clientId === b.clientId ? a.topicId - b.topicId : a.clientId < b.clientId ? -1 : 1));
  }

  name(clientId: string, topicId: number): string | undefined {
    return this.names.get(`${clientId}\0${topicId}`) ?? this.names.get(`*\0${topicId}`);
  }

  id(clientId: string, topicName: string): number | undefined {
    return this.ids.get(`${clientId}\0${topicName}`) ?? this.ids.get(`*\0${topicName}`);
  }
}

export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

export function isShortTopicName(topic: string): boolean {
  return Buffer.byteLength(topic) === SHORT_TOPIC_NAME_BYTES;
}
