import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/auth/session.svelte.js';
import { hubContext } from '../../lib/context.js';
import { scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import PlaceSettings from './PlaceSettings.svelte';
import { placeSettings } from './place.js';

const STORED = { location: { latitude: 52.37, longitude: 4.9, timezone: 'Europe/Amsterdam' } };

async function renderPlace(role: 'admin' | 'user', routes: Routes = {}) {
  const { api, calls } = scriptedApi({
    'GET /api/auth/me': { body: { username: 'ada', role, areas: null } },
    'GET /api/settings': { body: STORED },
    ...routes,
  });
  const session = new Session(api);
  await session.check();
  render(PlaceSettings, { context: hubContext({ api, session }) });
  return { writes: () => calls.filter((call) => call.method !== 'GET') };
}

const field = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.input(field(label), { target: { value } });

describe('PlaceSettings', () => {
  it('lets an admin change the location', async () => {
    const saved = { location: { latitude: 51.44, longitude: 5.47 } };
    const { writes } = await renderPlace('admin', { 'PUT /api/settings': { body: saved } });
    await expect.poll(() => field('Latitude').value).toBe('52.37');
    expect(field('Latitude').matches(':disabled')).toBe(false);
    await type('Latitude', '51.44');
    await type('Longitude', '5,47');
    await type('Time zone', '');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toEqual([{ method: 'PUT', path: '/api/settings', body: saved }]);
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
  });

  it("shows the hub's reason for refusing a value", async () => {
    await renderPlace('admin', { 'PUT /api/settings': { status: 400, body: { statusCode: 400, message: ['location.latitude must not be greater than 90'] } } });
    await expect.poll(() => field('Latitude').value).toBe('52.37');
    await type('Latitude', '95');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('location.latitude must not be greater than 90');
  });

  it('does not send half a location', async () => {
    const { writes } = await renderPlace('admin');
    await expect.poll(() => field('Latitude').value).toBe('52.37');
    await type('Longitude', '');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('both latitude and longitude');
    expect(writes()).toEqual([]);
  });

  it('shows a person with the user role the settings, read-only', async () => {
    await renderPlace('user');
    await expect.poll(() => field('Latitude').value).toBe('52.37');
    expect(field('Latitude').matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
  });

  it('turns an empty location into null and typed text into numbers', () => {
    expect(placeSettings({ latitude: '', longitude: '', timezone: '' })).toEqual({ location: null });
    expect(placeSettings({ latitude: '-33.9', longitude: '18,4', timezone: ' Africa/Johannesburg ' })).toEqual({
      location: { latitude: -33.9, longitude: 18.4, timezone: 'Africa/Johannesburg' },
    });
    expect(placeSettings({ latitude: '52', longitude: 'east', timezone: '' })).toHaveProperty('error');
    expect(placeSettings({ latitude: '', longitude: '', timezone: 'Europe/Amsterdam' })).toHaveProperty('error');
  });
});
