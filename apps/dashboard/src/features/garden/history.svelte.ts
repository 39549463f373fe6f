import type { EntityDto, HistoryPointDto } from '@hearth/api-types';
import { SvelteMap } from 'svelte/reactivity';
import type { Api } from '../../lib/api/http.js';

export interface Point {
  time: number;
  value: number;
}

/** How far back a sparkline reaches, and at most how many points it asks for. */
export const HISTORY_HOURS = 24;
const LIMIT = 500;

/** Recent numeric history per entity for sparklines: loaded once, then extended by live updates. */
export class History {
  readonly points = new SvelteMap<string, Point[]>();
  private readonly loading = new Set<string>();

  constructor(private readonly api: Api) {}

  async load(id: string, now = Date.now()): Promise<void> {
    if (this.loading.has(id)) return;
    this.loading.add(id);
    const from = new Date(now - HISTORY_HOURS * 3_600_000).toISOString();
    try {
      const history = await this.api.get<HistoryPointDto[]>(`/api/history/${encodeURIComponent(id)}?from=${from}&limit=${LIMIT}`);
      const loaded = history.flatMap(({ time, state }) => (typeof state === 'number' ? [{ time: Date.parse(time), value: state }] : []));
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
