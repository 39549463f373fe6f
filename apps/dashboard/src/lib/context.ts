import { getContext, setContext } from 'svelte';
import type { Api } from './api/http.js';
import type { Session } from './auth/session.svelte.js';
import type { BrokerLink } from './live/broker-link.svelte.js';
import type { EntityStore } from './live/entities.svelte.js';
import type { LiveSocket } from './live/socket.svelte.js';
import type { Router } from './router.svelte.js';
import type { Theme } from './theme.svelte.js';

/** What the whole app shares, created once in App.svelte; tests pass their own through `context`. */
export interface Hub {
  api: Api;
  session: Session;
  entities: EntityStore;
  broker: BrokerLink;
  socket: LiveSocket;
  router: Router;
  theme: Theme;
}

const KEY = Symbol('hub');

export const provideHub = (hub: Hub): Hub => setContext(KEY, hub);
export const useHub = (): Hub => getContext<Hub>(KEY);
/** For tests: the `context` option of render(). */
export const hubContext = (hub: Partial<Hub>): Map<symbol, Partial<Hub>> => new Map([[KEY, hub]]);
