import type { HubSettings } from '@hearth/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

const HOUSE: HubSettings = {
  location: { latitude: 52.37, longitude: 4.9, timezone: 'Europe/Amsterdam' },
};

describe('settings API', () => {
  let hub: TestHub;
  let userHeaders: Record<string, string>;
  beforeAll(async () => {
    hub = await startTestHub();
    await hub.app.get(Accounts).addUser({ username: 'bob', password: 'bob-password', role: 'user', areas: null });
    const login = await fetch(`${hub.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'bob-password' }),
    });
    userHeaders = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  });
  afterAll(async () => {
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  const put = (body: unknown, headers?: Record<string, string>) => hub.api('/api/settings', { method: 'PUT', body, headers });

  it('starts with nothing set, for anyone signed in; not without a session', async () => {
    expect(await (await hub.api('/api/settings')).json()).toEqual({ location: null });
    expect(await (await hub.api('/api/settings', { headers: userHeaders })).json()).toEqual({ location: null });
    expect((await hub.api('/api/settings', { headers: { authorization: '' } })).status).toBe(401);
  });

  it('lets an admin store the location, and a user read it', async () => {
    const response = await put(HOUSE);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(HOUSE);
    expect(await (await hub.api('/api/settings', { headers: userHeaders })).json()).toEqual(HOUSE);
  });

  it('refuses a change from a person with the user role (403), and changes nothing', async () => {
    expect((await put({ location: null }, userHeaders)).status).toBe(403);
    expect(await (await hub.api('/api/settings')).json()).toEqual(HOUSE);
  });

  it.each([
    ['latitude out of range', { ...HOUSE, location: { latitude: 91, longitude: 0 } }, 'location.latitude must not be greater than 90'],
    ['longitude out of range', { ...HOUSE, location: { latitude: 0, longitude: -180.5 } }, 'location.longitude must not be less than -180'],
    ['latitude as text', { ...HOUSE, location: { latitude: '52', longitude: 4 } }, 'location.latitude must be a number'],
    ['an unknown time zone', { ...HOUSE, location: { latitude: 52, longitude: 4, timezone: 'Mars/Olympus' } }, 'location.timezone'],
    ['a missing key', {}, 'location must be given'],
    ['an unknown field', { ...HOUSE, theme: 'dark' }, 'property theme should not exist'],
    ['the tariff, which moved to /api/energy/tariffs', { ...HOUSE, tariff: { pricePerKwh: 0.2, currency: 'EUR' } }, 'property tariff should not exist'],
    ['an unknown nested field', { location: { ...HOUSE.location, altitude: 2 } }, 'location.property altitude should not exist'],
  ])('answers 400 for %s, naming the problem', async (_name, body, problem) => {
    const response = await put(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string[] }).message.join('\n')).toContain(problem);
  });

  it('clears a setting with null, and keeps what is stored across a restart', async () => {
    expect(await (await put({ location: null })).json()).toEqual({ location: null });
    expect(await (await put(HOUSE)).json()).toEqual(HOUSE);
    const dataDir = hub.dataDir;
    await hub.close();
    hub = await startTestHub({}, dataDir);
    expect(await (await hub.api('/api/settings')).json()).toEqual(HOUSE);
  });
});
