import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { sameOrigin, signIn } from './session.guard.js';
import type { SessionsService } from './sessions.service.js';

/**
 * Headers on every HTTP response: no framing, no sniffing, no referrers, scripts only from the hub; HSTS
 * over TLS. `connect-src 'self'` also covers the hub's own ws:/wss: (CSP Level 3), and no other host.
 */
export function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  );
  if (request.secure) response.setHeader('Strict-Transport-Security', 'max-age=31536000');
  next();
}

/**
 * Every WebSocket upgrade on the HTTP server needs a session (bearer token or same-origin cookie),
 * whichever handler would take it, now or added later; `publicPaths` (MQTT over WebSocket) authenticate
 * in their own protocol. Wraps `emit('upgrade')` because Node offers no other way to stop the listeners.
 */
export function guardUpgrades(server: Server, sessions: SessionsService, options: { publicPaths: string[]; corsOrigins: readonly string[] }): void {
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if (event !== 'upgrade') return emit(event, ...args);
    const [request, socket] = args as [IncomingMessage, Duplex];
    const path = new URL(request.url ?? '/', 'http://hub').pathname;
    if (options.publicPaths.includes(path)) return emit(event, ...args);
    const credentials = signIn(sessions, request);
    if (credentials && (credentials.via === 'bearer' || sameOrigin(request, options.corsOrigins))) return emit(event, ...args);
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return true;
  }) as Server['emit'];
}
