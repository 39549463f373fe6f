import { type Api, ApiError } from '../api/http.js';
import { forgetThisBrowser } from '../push.js';

/** The hub's auth routes, all in this one place so a change on the hub is a change here only. */
export const AUTH_ROUTES = {
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
  /** GET: `{ required }` while the hub has no admin; POST `{ token, username, password }` creates the first one. */
  setup: '/api/auth/setup',
} as const;

// Local until the auth API adds its types to @hearth/api-types.
export type Role = 'admin' | 'user';
export interface SessionUser {
  username: string;
  role: Role;
  /** Areas this person may see and control; null for all. */
  areas: string[] | null;
}

/**
 * `checking`: not known yet; `open`: this hub has no auth routes (auth off or an older hub), every page
 * is usable; `signed-in`; `signed-out`: show the login screen.
 */
export type SessionStatus = 'checking' | 'open' | 'signed-in' | 'signed-out';

export class Session {
  status = $state<SessionStatus>('checking');
  user = $state<SessionUser | null>(null);

  constructor(private readonly api: Api) {
    api.onUnauthorized = () => {
      if (this.status !== 'signed-out') this.signedOut();
    };
  }

  /** People with the `user` role see settings but cannot change them; the hub enforces it too. */
  get canEdit(): boolean {
    return this.user?.role !== 'user';
  }

  async check(): Promise<void> {
    try {
      this.user = await this.api.get<SessionUser>(AUTH_ROUTES.me);
      this.status = 'signed-in';
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404 && this.status === 'checking') this.status = 'open';
      // A 401 went through onUnauthorized; an unreachable hub keeps what we knew (the banner says so).
    }
  }

  setupRequired(): Promise<boolean> {
    return this.api
      .get<{ required: boolean }>(AUTH_ROUTES.setup)
      .then(({ required }) => required)
      .catch(() => false);
  }

  /** Throws an ApiError with the hub's reason (wrong password, locked for a while...). */
  login(username: string, password: string): Promise<void> {
    return this.signIn(AUTH_ROUTES.login, { username, password });
  }

  createFirstAdmin(token: string, username: string, password: string): Promise<void> {
    return this.signIn(AUTH_ROUTES.setup, { token, username, password });
  }

  async logout(): Promise<void> {
    // Signed out, this browser stops getting the person's notifications: whoever signs in here next may be someone else.
    await forgetThisBrowser(this.api).catch(() => undefined);
    await this.api.post(AUTH_ROUTES.logout).catch(() => undefined);
    this.signedOut();
  }

  private async signIn(route: string, body: Record<string, string>): Promise<void> {
    const { user } = await this.api.post<{ user: SessionUser }>(route, body);
    this.user = user;
    this.status = 'signed-in';
  }

  private signedOut(): void {
    this.user = null;
    this.status = 'signed-out';
  }
}
