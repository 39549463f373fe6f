import { describe, expect, it } from 'vitest';
import { scriptedApi } from '../testing/fixtures.js';
import { Session } from './session.svelte.js';

describe('Session', () => {
  it('knows who is signed in', async () => {
    const { api } = scriptedApi({ 'GET /api/auth/me': { body: { username: 'bo', role: 'user', areas: ['Kitchen'] } } });
    const session = new Session(api);
    await session.check();
    expect(session.status).toBe('signed-in');
    expect(session.canEdit).toBe(false);
  });

  it('treats a hub without auth routes as open', async () => {
    const session = new Session(scriptedApi().api);
    await session.check();
    expect(session.status).toBe('open');
    expect(session.canEdit).toBe(true);
  });

  it('signs out on a 401 from any call', async () => {
    const { api } = scriptedApi({ 'GET /api/auth/me': { body: { username: 'ada', role: 'admin', areas: null } }, 'GET /api/devices': { status: 401 } });
    const session = new Session(api);
    await session.check();
    await api.get('/api/devices').catch(() => undefined);
    expect(session.status).toBe('signed-out');
    expect(session.user).toBeNull();
  });

  it('keeps its state when the hub cannot be reached', async () => {
    const { api } = scriptedApi({ 'GET /api/auth/me': () => Promise.reject(new TypeError('Failed to fetch')) });
    const session = new Session(api);
    await session.check();
    expect(session.status).toBe('checking');
  });
});
