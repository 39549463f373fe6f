import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from './sessions.service.js';

export const PUBLIC = 'hearth:public';
export const ACCESS = 'hearth:access';

/** The route needs no session (login, first-admin setup, the minimal health check). */
export const Public = () => SetMetadata(PUBLIC, true);

/**
 * Who may call the route. Without it: reads (GET, HEAD) are for anyone signed in, and writes are for
 * admins; so a new settings route is admin-only unless its author opens it to `user` on purpose.
 */
export const Access = (role: 'admin' | 'user') => SetMetadata(ACCESS, role);

/** The signed-in person (with their role and area restriction) of the current request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser | undefined => context.switchToHttp().getRequest<Request>().user);
