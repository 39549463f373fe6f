import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { HubEvents } from '../events/hub-events.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { randomSecret, tokenHash } from './password-hash.js';
import { HasherBusy, PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';
import { SignInPolicy } from './sign-in-policy.js';
import { UsersRepository, type Role } from './users.repository.js';

/** The person behind a request, as handlers see it on `request.user`. */
export interface AuthUser {
  id: number;
  username: string;
  role: Role;
  /** Areas this person is restricted to; null = all. Enforced by the modules that own areas. */
  areas: string[] | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}

declare module 'node:http' {
  interface IncomingMessage {
    user?: AuthUser;
  }
}

export const SESSION_COOKIE = 'hearth_session';

/** Where a request's token came from: a cookie must also pass the same-origin check on writes. */
export interface Credentials {
  token: string;
  via: 'cookie' | 'bearer';
}

/** A refused login: wrong credentials (401), locked for `retryAfterMs` (429), or every password thread busy (503). */
export class LoginRefused extends Error {
  constructor(
    readonly reason: 'credentials' | 'locked' | 'busy',
    readonly retryAfterMs = 0,
  ) {
    super(reason === 'locked' ? 'too many failed logins; try again later' : reason === 'busy' ? 'too many sign-ins at once; try again shortly' : 'wrong username or password');
  }
}

// A session's expiry moves forward at most once a minute, so reads do not each cost a write.
const TOUCH_EVERY_MS = 60_000;

/** Server-side sessions: login (under the sign-in policy), resolving a token to its person, logout. */
@Injectable()
export class SessionsService {
  private readonly log: Logger;
  private readonly ttlMs: number;
  // Unknown usernames are checked against this, so a login's timing does not tell whether a name exists.
  private decoy?: Promise<string>;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: SignInPolicy,
    private readonly events: HubEvents,
  ) {
    this.log = root.child({ module: 'sessions' });
    this.ttlMs = config.auth.sessionTtl * 1000;
  }

  /**
   * The hash an unknown name's password is checked against, so that it takes as long as a known one's. Made at
   * the first sign-in and awaited only for unknown names: a failure (the hub closing mid-hash) is handled here,
   * and the next sign-in makes another.
   */
  private makeDecoy(): Promise<string> {
    const decoy = this.hasher.hash(randomSecret(), 'person');
    decoy.catch(() => {
      if (this.decoy === decoy) this.decoy = undefined;
    });
    return decoy;
  }

  get ttlSeconds(): number {
    return this.ttlMs / 1000;
  }

  /** `gone()`: the request's connection closed, so its password need not be checked any more. */
  async login(username: string, password: string, address: string, gone?: () => boolean): Promise<{ token: string; expiresAt: number; user: AuthUser }> {
    const wait = this.policy.retryAfter(username, address);
    if (wait > 0) throw new LoginRefused('locked', wait);
    const user = this.users.findByName(username);
    this.decoy ??= this.makeDecoy();
    let ok: boolean;
    try {
      ok = await this.hasher.verify(password, user?.passwordHash ?? (await this.decoy), gone);
    } catch (error) {
      if (error instanceof HasherBusy) throw new LoginRefused('busy', 1000);
      throw error;
    }
    if (!user || !ok) {
      this.policy.failed(username, address);
      this.log.warn({ username, address }, 'failed login');
      throw new LoginRefused('credentials');
    }
    this.policy.succeeded(username, address);
    const now = Date.now();
    this.sessions.deleteExpired(now);
    const token = randomSecret(32);
    this.sessions.insert({ tokenHash: tokenHash(token), userId: user.id, lastUsedAt: now, expiresAt: now + this.ttlMs });
    this.log.info({ username: user.username, address }, 'signed in');
    return { token, expiresAt: now + this.ttlMs, user: { id: user.id, username: user.username, role: user.role, areas: user.areas } };
  }

  /** The person of a live session, extending its life; undefined when it is unknown, logged out or expired. */
  resolve(token: string): { user: AuthUser; renewed: boolean } | undefined {
    const hash = tokenHash(token);
    const session = this.sessions.find(hash);
    const now = Date.now();
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(hash);
      return undefined;
    }
    const user = this.users.findById(session.userId);
    if (!user) return undefined;
    const renewed = now - session.lastUsedAt >= TOUCH_EVERY_MS;
    if (renewed) this.sessions.touch(hash, now, now + this.ttlMs);
    return { user: { id: user.id, username: user.username, role: user.role, areas: user.areas }, renewed };
  }

  /** Ends the session server-side and announces it; false if it was not live (already logged out: a replayed token). */
  logout(token: string): boolean {
    const ended = this.sessions.delete(tokenHash(token));
    if (ended) this.events.emit('sessionEnded', { token });
    return ended;
  }

  /** The bearer token, else the session cookie, of a request (HTTP or a WebSocket upgrade). */
  credentials(request: IncomingMessage): Credentials | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) return { token: bearer, via: 'bearer' };
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === SESSION_COOKIE && value.length > 0) return { token: decodeURIComponent(value.join('=')), via: 'cookie' };
    }
    return undefined;
  }

  /** `Set-Cookie` for a session: HttpOnly, SameSite=Strict, Secure when the request came over TLS. */
  cookie(token: string, secure: boolean, maxAgeSeconds = this.ttlSeconds): string {
    return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  }
}
