import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { ACCESS, PUBLIC } from './auth.decorators.js';
import { SessionsService, type Credentials } from './sessions.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Signs a request in from its bearer token or session cookie (setting `request.user`); a renewed
 * cookie session gets a fresh cookie. Returns how it was signed in, or undefined.
 */
export function signIn(sessions: SessionsService, request: IncomingMessage, response?: ServerResponse): Credentials | undefined {
  const credentials = sessions.credentials(request);
  const session = credentials && sessions.resolve(credentials.token);
  if (!credentials || !session) return undefined;
  request.user = session.user;
  if (session.renewed && credentials.via === 'cookie') response?.appendHeader('Set-Cookie', sessions.cookie(credentials.token, isTls(request)));
  return credentials;
}

export const isTls = (request: IncomingMessage): boolean => (request.socket as { encrypted?: boolean }).encrypted === true;

/** Browsers send Origin on cross-site writes and on every WebSocket handshake; it must be this hub or an allowed origin. */
export function sameOrigin(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * The global guard: every route needs a session unless it is @Public(); a cookie-signed write must
 * come from this hub's own pages; @Access or the method decides which role is enough.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly corsOrigins: readonly string[];

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.corsOrigins = config.http.corsOrigins;
  }

  canActivate(context: ExecutionContext): boolean {
    // WebSocket messages arrive on connections whose upgrade was already signed in (guardUpgrades).
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<IncomingMessage & { method: string }>();
    const targets = [context.getHandler(), context.getClass()];
    const credentials = signIn(this.sessions, request, context.switchToHttp().getResponse<ServerResponse>());
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    if (!credentials) throw new UnauthorizedException('sign in first');
    const safe = SAFE_METHODS.has(request.method);
    if (credentials.via === 'cookie' && !safe && !sameOrigin(request, this.corsOrigins)) throw new ForbiddenException('cross-site request refused');
    const needed = this.reflector.getAllAndOverride<'admin' | 'user' | undefined>(ACCESS, targets) ?? (safe ? 'user' : 'admin');
    if (needed === 'admin' && request.user!.role !== 'admin') throw new ForbiddenException('admins only');
    return true;
  }
}
