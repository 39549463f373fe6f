import type { EntityDto } from '@hearth/api-types';
import { Api } from '../api/http.js';

/** Test-only helpers: entity DTOs and an Api whose fetch is scripted per route. */

export function entity(overrides: Partial<EntityDto> & Pick<EntityDto, 'id'>): EntityDto {
  const [kind] = overrides.id.split('.') as [EntityDto['kind']];
  return {
    uniqueId: overrides.id,
    kind,
    name: overrides.id,
    deviceId: null,
    area: null,
    state: null,
    attributes: {},
    available: true,
    lastChanged: '2026-11-26T12:00:00.000Z',
    lastUpdated: '2026-11-26T12:00:00.000Z',
    unit: null,
    deviceClass: null,
    commands: [],
    source: 'discovery',
    ...overrides,
  };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** Answers by `'METHOD /path'` (query string included), or by prefix with a trailing `*`; anything unscripted is a 404. */
export type Routes = Record<string, { status?: number; body?: unknown } | (() => Promise<never>)>;

export function scriptedApi(routes: Routes = {}): { api: Api; calls: Call[] } {
  const calls: Call[] = [];
  const api = new Api(async (input, init) => {
    const method = init?.method ?? 'GET';
    const path = String(input);
    calls.push({ method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const key = `${method} ${path}`;
    const route = routes[key] ?? Object.entries(routes).find(([pattern]) => pattern.endsWith('*') && key.startsWith(pattern.slice(0, -1)))?.[1];
    if (typeof route === 'function') return route();
    const { status = 200, body } = route ?? { status: 404, body: { message: `Cannot ${method} ${path}` } };
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { api, calls };
}
