import { fireEvent, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { renderSignedIn } from '../../lib/testing/fixtures.js';
import NotificationsSection from './NotificationsSection.svelte';

// jsdom has no service workers and no push service, as a browser on plain http or an old phone: what
// the section says then is what these tests check. Subscribing for real is the Chromium test's
// (apps/hub/test/dashboard.notifications.test.ts); no push service runs here to subscribe to.
const PHONE = { id: 7, endpoint: 'https://fcm.googleapis.com/fcm/send/abc', createdAt: '2026-12-01T10:00:00.000Z' };

describe('NotificationsSection', () => {
  it('says why this browser cannot get notifications, instead of a button that cannot work', async () => {
    await renderSignedIn(NotificationsSection, 'user', { routes: { 'GET /api/push/subscriptions': { body: [] } } });
    const note = await screen.findByTestId('push-unavailable');
    expect(note.textContent).toBe('This browser cannot show notifications for a web app.');
    expect(screen.queryByRole('button', { name: 'Notify me on this device' })).toBeNull();
  });

  it("lists the person's devices that get notifications and removes one", async () => {
    const { writes } = await renderSignedIn(NotificationsSection, 'user', {
      routes: { 'GET /api/push/subscriptions': { body: [PHONE] }, 'DELETE /api/push/subscriptions/7': { status: 204 } },
    });
    const [device] = await screen.findAllByTestId('push-subscription');
    expect(device!.textContent).toContain('fcm.googleapis.com');
    await fireEvent.click(within(device!).getByRole('button', { name: 'Remove fcm.googleapis.com' }));
    await expect.poll(writes).toEqual([{ method: 'DELETE', path: '/api/push/subscriptions/7', body: undefined }]);
  });

  it('sends a test notification and says what became of it', async () => {
    const { writes } = await renderSignedIn(NotificationsSection, 'user', {
      routes: { 'GET /api/push/subscriptions': { body: [PHONE] }, 'POST /api/push/test': { body: { sent: 1, removed: 1, failed: 0 } } },
    });
    await fireEvent.click(await screen.findByRole('button', { name: 'Send a test notification' }));
    expect((await screen.findByRole('status')).textContent).toBe('Sent to 1 device. 1 device no longer subscribed (removed).');
    expect(writes()).toEqual([{ method: 'POST', path: '/api/push/test', body: undefined }]);
  });

  it('shows why the list could not be loaded', async () => {
    await renderSignedIn(NotificationsSection, 'user', { routes: { 'GET /api/push/subscriptions': { status: 500, body: { message: 'database is locked' } } } });
    expect((await screen.findByRole('alert')).textContent).toBe('database is locked');
  });
});
