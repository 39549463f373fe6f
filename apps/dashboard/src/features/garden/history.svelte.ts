import type { EntityDto } from '@hearth/api-types';
import { SvelteMap } from 'svelte/reactivity';
import type { Api } from '../../lib/api/http.js';
import { fetchHistory, numericPoints, type Point } from '../../lib/history.js';

/** How far back a sparkline reaches; the hub picks a resolution of about 1,000 points or fewer. */
export const HISTORY_HOURS = 24;

/** Recent numeric history per entity for sparklines: loaded once, then extended by live updates. */
export class History {
  readonly points = new SvelteMap<string, Point[]>();
  private readonly loading = new Set<string>();

  constructor(private readonly api: Api) {}

  async load(id: string, now = Date.now()): Promise<void> {
    if (this.loading.has(id)) return;
    this.loading.add(id);
    try {
      const loaded = numericPoints(await fetchHistory(this.api, id, { from: now - HISTORY_HOURS * 3_600_000, to: now }));
      // Live points may have arrived while loading.
      const live = (this.points.get(id) ?? []).filter((point) => point.time > (loaded.at(-1)?.time ?? 0));
      this.points.set(id, [...loaded, ...live]);
    } catch {
      this.loading.delete(id); // retried by the next visit; the sparkline just stays empty
    }
  }

  /** A live update; ignored unless it is newer than the last point. */
  add(entity: EntityDto): void {
    if (typeof entity.state !== 'number' || !entity.lastUpdated) return;
    const time = Date.parse(entity.lastUpdated);
    const points = this.points.get(entity.id) ?? [];
    if (points.length > 0 && points.at(-1)!.time >= time) return;
    const cutoff = time - HISTORY_HOURS * 3_600_000;
    this.points.set(entity.id, [...points.filter((point) => point.time >= cutoff), { time, value: entity.state }]);
  }
}
