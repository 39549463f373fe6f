import type { HubListenersDto } from '@hearth/api-types';
import type { Api } from './api/http.js';

/** Where the hub listens and the address devices should use; null when this hub does not say (or the request failed). */
export const loadListeners = (api: Api): Promise<HubListenersDto | null> => api.get<HubListenersDto>('/api/listeners').catch(() => null);
