import type { EntityDto, RuleDefinition, RuleDto } from '@hearth/api-types';
import { render } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { Api } from '../api/http.js';
import { Session } from '../auth/session.svelte.js';
import { hubContext } from '../context.js';
import { EntityStore } from '../live/entities.svelte.js';
import { Router } from '../router.svelte.js';

/** Test-only helpers: entity and rule DTOs, an Api whose fetch is scripted per route, a page rendered as someone signed in. */

const NOON = '2026-11-26T12:00:00.000Z';

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
    lastChanged: NOON,
    lastUpdated: NOON,
    unit: null,
    deviceClass: null,
    stateClass: null,
    commands: [],
    limits: {},
    source: 'discovery',
    ...overrides,
  };
}

/** A rule as the hub lists it: active, not running, never run, nothing to wait for. */
export function rule(id: string, definition: RuleDefinition, overrides: Partial<RuleDto> = {}): RuleDto {
  return { id, definition, status: 'active', stoppedReason: null, running: 0, lastRun: null, waitingFor: [], createdAt: NOON, updatedAt: NOON, ...overrides };
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

/**
 * Renders a component as ada with `role` sees it: the hub's answers scripted (`GET /api/auth/me` already is),
 * `entities` as the socket's snapshot. `writes()` are the calls that were not GETs.
 */
export async function renderSignedIn<Props extends Record<string, unknown>>(
  component: Component<Props>,
  role: 'admin' | 'user',
  { routes = {}, entities = [], props }: { routes?: Routes; entities?: EntityDto[]; props?: Props } = {},
) {
  const { api, calls } = scriptedApi({ 'GET /api/auth/me': { body: { username: 'ada', role, areas: null } }, ...routes });
  const session = new Session(api);
  await session.check();
  const store = new EntityStore(api);
  store.handlers.snapshot({ type: 'snapshot', entities });
  const router = new Router();
  render(component, { props, context: hubContext({ api, session, entities: store, router }) });
  return { calls, router, writes: () => calls.filter((call) => call.method !== 'GET') };
}
