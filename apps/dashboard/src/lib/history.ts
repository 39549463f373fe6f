import type { EntityDto, EntityHistoryDto, HistoryResolution } from '@hearth/api-types';
import type { Api } from './api/http.js';

/** What `GET /api/history/:id` is asked for: `auto` lets the hub pick about 1,000 points or fewer. */
export interface HistoryRange {
  from: number;
  to: number;
  resolution?: HistoryResolution | 'auto';
}

export const historyPath = (id: string, { from, to, resolution = 'auto' }: HistoryRange): string =>
  `/api/history/${encodeURIComponent(id)}?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&resolution=${resolution}`;

export const fetchHistory = (api: Api, id: string, range: HistoryRange): Promise<EntityHistoryDto> => api.get<EntityHistoryDto>(historyPath(id, range));

/** A numeric reading, or a bucket's mean at its start: epoch ms and value. */
export interface Point {
  time: number;
  value: number;
}

/** A statistics bucket's lowest, mean and highest, at its start; null where it had no readings of that kind. */
export interface Band {
  time: number;
  min: number | null;
  mean: number | null;
  max: number | null;
}

/** The numbers of a history, whatever resolution the hub chose: raw readings, or each bucket's mean. */
export function numericPoints(history: EntityHistoryDto): Point[] {
  if (history.resolution === 'raw') return history.points.flatMap(({ time, state }) => (typeof state === 'number' ? [{ time: Date.parse(time), value: state }] : []));
  return history.statistics.flatMap(({ start, mean }) => (mean === null ? [] : [{ time: Date.parse(start), value: mean }]));
}

/** Buckets as bands (raw readings are their own band of one). */
export function bands(history: EntityHistoryDto): Band[] {
  if (history.resolution === 'raw') return numericPoints(history).map(({ time, value }) => ({ time, min: value, mean: value, max: value }));
  return history.statistics.map(({ start, min, mean, max }) => ({ time: Date.parse(start), min, mean, max }));
}

/** One stretch of an on/off entity's timeline; `state` null while it was unavailable or unknown. */
export interface Stretch {
  from: number;
  to: number;
  state: 'on' | 'off' | null;
}

/** The recorded changes of a light, switch or binary sensor as stretches from `from` to `to` (the first change may be from before). */
export function onOffStretches(history: EntityHistoryDto, from: number, to: number): Stretch[] {
  const stretches: Stretch[] = [];
  history.points.forEach((point, i) => {
    const start = Math.max(from, Date.parse(point.time));
    const next = history.points[i + 1];
    const end = Math.min(to, next ? Date.parse(next.time) : to);
    if (end <= start) return;
    const state = point.available === false ? null : point.state === 'on' || point.state === true ? 'on' : point.state === 'off' || point.state === false ? 'off' : null;
    const last = stretches.at(-1);
    if (last && last.state === state && last.to === start) last.to = end;
    else stretches.push({ from: start, to: end, state });
  });
  return stretches;
}

/** How an entity's history is shown: a chart of numbers, an on/off timeline, or not at all (text states). */
export function historyKind(entity: EntityDto): 'numeric' | 'on-off' | null {
  if (entity.kind === 'light' || entity.kind === 'switch' || entity.kind === 'binary_sensor') return 'on-off';
  if (typeof entity.state === 'number' || entity.stateClass !== null || entity.kind === 'power_meter') return 'numeric';
  return null;
}

export const historyHref = (id: string): string => `/history/${encodeURIComponent(id)}`;
