import type { AuthUser } from '../auth/sessions.service.js';

/** A person restricted to areas sees and commands only entities in them (an entity with no area is outside). */
export const inAreas = (user: Pick<AuthUser, 'areas'> | undefined, area: string | null): boolean => !user?.areas || (area !== null && user.areas.includes(area));
