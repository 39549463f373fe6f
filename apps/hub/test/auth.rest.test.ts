import { API_ROUTES } from '@hearth/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Accounts } from '../src/auth/accounts.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

/** Every route Express will dispatch, read from the router at test time so new routes are covered without editing this list. */
function routes(hub: TestHub): Array<{ method: string; path: string }> {
  const router = (hub.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
  return router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).filter((m) => m !== '_all').map((method) => ({ method: method.toUpperCase(), path: layer.route!.path })));
}

/** Routes that are public on purpose (docs/security.md). */
const PUBLIC = ['POST /api/auth/login', 'GET /api/auth/setup', 'POST /api/auth/setup', 'GET /api/health'];
// An external broker's questions need no session; only the addresses HEARTH_MQTT_AUTH_ALLOW lists may ask (broker.external-auth.test.ts).
const isPublic = ({ method, path }: { method: string; path: string }) =>
  PUBLIC.includes(`${method} ${path}`) || path.startsWith('/api/docs') || path === '/api/openapi.json' || path.startsWith('/api/mqtt-auth/');
const concrete = (path: string) => path.replace(/:(\w+)/g, 'x');

const login = (hub: TestHub, username: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });

describe('REST sessions', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false', HEARTH_AUTH_MAX_FAILURES: '3', HEARTH_AUTH_LOCKOUT: '2' });
    await hub.app.get(Accounts).addUser({ username: 'alice', password: 'alice-password', role: 'admin' });
    await hub.app.get(Accounts).addUser({ username: 'bob', password: 'bob-password', role: 'user', areas: ['garden'] });
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('serves exactly the routes of the contract (@hearth/api-types API_ROUTES), besides its API description', () => {
    const served = routes(hub).filter((route) => !route.path.startsWith('/api/docs') && route.path !== '/api/openapi.json');
    expect(served.map(({ method, path }) => `${method} ${path}`).sort()).toEqual([...API_ROUTES].sort());
  });

  it('refuses every non-public route without a session, and with a logged-out token', async () => {
    const all = routes(hub);
    expect(all.length).toBeGreaterThan(10);
    const token = ((await (await login(hub, 'alice', 'alice-password')).json()) as { token: string }).token;
    await hub.api('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const refused: string[] = [];
    for (const route of all.filter((r) => !isPublic(r))) {
      for (const authorization of [undefined, `Bearer ${token}`, 'Bearer not-a-token']) {
        const response = await fetch(`${hub.httpUrl}${concrete(route.path)}`, {
          method: route.method,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: ['GET', 'HEAD'].includes(route.method) ? undefined : '{}',
        });
        if (response.status !== 401) refused.push(`${route.method} ${route.path} (${authorization ?? 'none'}): ${response.status}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('logs in with a password: HttpOnly SameSite=Strict cookie plus a bearer token, both working', async () => {
    expect((await login(hub, 'alice', 'wrong-password')).status).toBe(401);
    expect((await login(hub, 'nobody', 'alice-password')).status).toBe(401);
    const response = await login(hub, 'alice', 'alice-password');
    expect(response.status).toBe(200);
    const { token, user } = (await response.json()) as { token: string; user: object };
    expect(user).toEqual({ username: 'alice', role: 'admin', areas: null });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hearth_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/); // no Secure over plain HTTP
    const viaCookie = await fetch(`${hub.httpUrl}/api/auth/me`, { headers: { cookie: cookie.split(';')[0] } });
    expect(await viaCookie.json()).toMatchObject({ username: 'alice' });
    const viaBearer = await fetch(`${hub.httpUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(viaBearer.status).toBe(200);
  });

  it('logout ends the session on the server: the token replayed is refused, and a second logout too', async () => {
    const { token } = (await (await login(hub, 'alice', 'alice-password')).json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    const logout = await fetch(`${hub.httpUrl}/api/auth/logout`, { method: 'POST', headers: bearer });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await fetch(`${hub.httpUrl}/api/auth/me`, { headers: bearer })).status).toBe(401);
    expect((await fetch(`${hub.httpUrl}/api/auth/logout`, { method: 'POST', headers: bearer })).status).toBe(401);
  });

  it('locks a username after repeated failures, even for the right password, then lets it in again', async () => {
    for (let i = 0; i < 3; i++) expect((await login(hub, 'bob', 'not-bobs-password')).status).toBe(401);
    const locked = await login(hub, 'bob', 'bob-password');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await login(hub, 'bob', 'bob-password')).status).toBe(200);
  });

  it('gives the user role devices and history but not users or credentials, and shows its areas', async () => {
    const { token } = (await (await login(hub, 'bob', 'bob-password')).json()) as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    expect(await (await hub.api('/api/auth/me', { headers })).json()).toEqual({ username: 'bob', role: 'user', areas: ['garden'] });
    expect((await hub.api('/api/users', { headers })).status).toBe(403);
    expect((await hub.api('/api/device-credentials', { headers, body: { name: 'sneaky' } })).status).toBe(403);
    expect((await hub.api('/api/users/bob', { method: 'PATCH', headers, body: { role: 'admin' } })).status).toBe(403);
  });

  it('refuses a cookie-signed write from another site', async () => {
    const cookie = (await login(hub, 'alice', 'alice-password')).headers.get('set-cookie')!.split(';')[0];
    const write = (origin: string) => fetch(`${hub.httpUrl}/api/device-credentials`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ name: `dev-${origin.length}` }) });
    expect((await write('http://evil.example')).status).toBe(403);
    expect((await write(hub.httpUrl)).status).toBe(201);
  });

  it('sends security headers and keeps CORS closed', async () => {
    const response = await fetch(`${hub.httpUrl}/api/health`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    // Same origin only: the dashboard's WebSocket is the hub's own ('self' covers ws/wss in CSP 3).
    expect(response.headers.get('content-security-policy')).toMatch(/connect-src 'self';/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const preflight = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the health check without a session with statuses only', async () => {
    const anonymous = (await (await fetch(`${hub.httpUrl}/api/health`)).json()) as Record<string, unknown>;
    expect(anonymous).toMatchObject({ status: 'ok', broker: { status: 'ok' }, database: { status: 'ok' } });
    expect(JSON.stringify(anonymous)).not.toMatch(/version|clients/);
    expect(await (await hub.api('/api/health')).json()).toHaveProperty('version');
  });

  it('refuses WebSocket upgrades without a session, except MQTT over WebSocket, which authenticates in MQTT', async () => {
    const outcome = (path: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${hub.http!.port}${path}`, path === '/mqtt' ? ['mqtt'] : [], { headers });
        ws.on('unexpected-response', (_request, response) => resolve(`http ${response.statusCode}`));
        ws.on('open', () => {
          resolve('open');
          ws.close();
        });
        ws.on('error', () => resolve('closed'));
      });
    expect(await outcome('/ws')).toBe('http 401');
    expect(await outcome('/anything')).toBe('http 401');
    // With a session the upgrade passes the guard (to the gateway, or Nest closes a path nobody serves).
    expect(await outcome('/ws', { authorization: `Bearer ${await hub.adminToken()}` })).not.toBe('http 401');
    expect(await outcome('/mqtt')).toBe('open');
  });

  it('manages users and device credentials, keeping at least one admin', async () => {
    expect((await hub.api('/api/users', { body: { username: 'carol', password: 'carol-password', role: 'user', areas: ['kitchen'] } })).status).toBe(201);
    expect((await hub.api('/api/users', { body: { username: 'carol', password: 'carol-password', role: 'user' } })).status).toBe(409);
    expect((await hub.api('/api/users', { body: { username: 'dave', password: 'short', role: 'user' } })).status).toBe(400);
    expect((await hub.api('/api/users/carol', { method: 'PATCH', body: { areas: null } })).status).toBe(200);
    expect((await hub.api('/api/users/carol', { method: 'DELETE' })).status).toBe(204);
    // Alone as admin, the test admin can neither remove nor demote itself.
    await hub.app.get(Accounts).updateUser('alice', { role: 'user' });
    expect((await hub.api('/api/users/test-admin', { method: 'DELETE' })).status).toBe(409);
    expect((await hub.api('/api/users/test-admin', { method: 'PATCH', body: { role: 'user' } })).status).toBe(409);
    await hub.app.get(Accounts).updateUser('alice', { role: 'admin' });

    const created = await hub.api('/api/device-credentials', { body: { name: 'kettle' } });
    expect(await created.json()).toMatchObject({ username: 'kettle', topicPrefix: 'devices/kettle', password: expect.any(String) });
    expect((await hub.api('/api/device-credentials', { body: { name: 'bad', topicPrefix: 'homeassistant/x' } })).status).toBe(400);
    expect((await hub.api('/api/device-credentials', { body: { name: 'bad', topicPrefix: 'a/+/b' } })).status).toBe(400);
    expect((await hub.api('/api/device-credentials/kettle/revoke', { method: 'POST' })).status).toBe(204);
    const list = (await (await hub.api('/api/device-credentials')).json()) as Array<{ username: string; revokedAt: string | null; password?: string }>;
    expect(list.find((d) => d.username === 'kettle')).toMatchObject({ revokedAt: expect.any(String) });
    expect(list.every((d) => d.password === undefined)).toBe(true);
  });
});

describe('sessions expire', () => {
  it('refuses a session past its lifetime', async () => {
    const hub = await startTestHub({ HEARTH_SESSION_TTL: '1' });
    try {
      const token = await hub.adminToken();
      expect((await hub.api('/api/auth/me')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((await hub.api('/api/auth/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});

describe('first start', () => {
  it('logs a one-time setup token that creates the first admin once', async () => {
    const hub = await startTestHub();
    try {
      expect(await (await fetch(`${hub.httpUrl}/api/auth/setup`)).json()).toEqual({ required: true });
      const setupToken = hub.logs.find((record) => record.setupToken)?.setupToken as string;
      expect(setupToken).toBeTruthy();
      const setup = (token: string, username: string) =>
        fetch(`${hub.httpUrl}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, username, password: 'first-admin-password' }) });
      expect((await setup('guessed-token', 'mallory')).status).toBe(403);
      const created = await setup(setupToken, 'owner');
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ token: expect.any(String), user: { username: 'owner', role: 'admin' } });
      expect((await setup(setupToken, 'second')).status).toBe(403);
      expect(await (await fetch(`${hub.httpUrl}/api/auth/setup`)).json()).toEqual({ required: false });
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});
