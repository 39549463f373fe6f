import type { HistoryStore } from '../ports.js';
import type { EntityState } from '../state/entity-states.js';
import type { HistoryPointDto } from '../view.js';

/**
 * The history stage: every change of an entity's state, availability or attributes is recorded, and read
 * back by time. (Long-term statistics and energy will live beside it.)
 */
export class EntityHistory {
  constructor(private readonly store: HistoryStore) {}

  record(entityId: string, { state, attributes, lastUpdated }: EntityState, now: number): void {
    this.store.append(entityId, { time: lastUpdated ?? now, state, attributes });
  }

  points(entityId: string, from: number, to: number, limit: number): HistoryPointDto[] {
    return this.store.read(entityId, from, to, limit).map(({ time, state, attributes }) => ({ time: new Date(time).toISOString(), state, attributes }));
  }
}
