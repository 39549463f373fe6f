import type { PushNotificationPayload } from '@hearth/api-types';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneContext, requireDashboardBuild, WITHOUT_CHROMIUM } from './support/dashboard-browser.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// The installed dashboard in headless Chromium: its manifest and service worker, a push message shown
// as a notification, and Settings, Notifications. Chromium's push service is Google's, out of reach
// here, so a push is handed to the worker through DevTools (ServiceWorker.deliverPushMessage) and
// subscribing ends in the message the page gives when the browser has no push service.
describe.skipIf(WITHOUT_CHROMIUM)('notifications in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    requireDashboardBuild();
    hub = await startTestHub();
    browser = await launchChromium();
    context = await phoneContext(browser, hub);
    await context.grantPermissions(['notifications'], { origin: hub.httpUrl });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it('serves the web app manifest with its icons, and the service worker as JavaScript', async () => {
    const manifest = await page.request.get('/manifest.webmanifest');
    expect(manifest.status()).toBe(200);
    const { icons, display } = (await manifest.json()) as { icons: Array<{ src: string; sizes: string }>; display: string };
    expect(display).toBe('standalone');
    expect(icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const worker = await page.request.get('/sw.js');
    expect(worker.status()).toBe(200);
    expect(worker.headers()['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(await worker.text()).toContain("addEventListener('push'");
  });

  it('registers the service worker for the whole dashboard', async () => {
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const registration = await page.evaluate<{ scope: string; script: string }>(
      '(async () => { const r = await navigator.serviceWorker.ready; return { scope: r.scope, script: r.active.scriptURL }; })()',
    );
    expect(registration).toEqual({ scope: `${hub.httpUrl}/`, script: `${hub.httpUrl}/sw.js` });
  });

  it('shows a pushed message as a notification that opens the rule', async () => {
    const cdp = await context.newCDPSession(page);
    // The worker's registration, once its version is activated: a push before that may be dropped.
    const registered = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        const ours = versions.find((version) => version.scriptURL === `${hub.httpUrl}/sw.js` && version.status === 'activated');
        if (ours) resolve(ours.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const payload: PushNotificationPayload = { title: 'Front door', body: 'Someone rang', url: '/rules/abc', tag: 'abc' };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: hub.httpUrl, registrationId: await registered, data: JSON.stringify(payload) });
    const shown = async () =>
      page.evaluate<Array<{ title: string; body: string; tag: string; data: { url: string } }>>(
        '(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))()',
      );
    await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: 'Front door', body: 'Someone rang', tag: 'abc', data: { url: '/rules/abc' } }]);
  });

  it("opens the notification's page in the dashboard that is open (the worker's click handler)", async () => {
    // A tap on a notification cannot be made headless; the handler's work is, in the worker itself. Only
    // a real tap may focus a window, so focusing is refused here, after the page was told where to go.
    const [worker] = context.serviceWorkers();
    const focused = await worker!.evaluate<string>(`openPage('${hub.httpUrl}/rules/abc').then(() => 'focused', (error) => error.name)`);
    expect(['focused', 'InvalidAccessError']).toContain(focused);
    await page.waitForURL(`${hub.httpUrl}/rules/abc`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.goto('/settings');
  });

  it('says so in Settings when this browser cannot subscribe (headless Chromium has no push service)', async () => {
    const section = page.getByTestId('notifications');
    await section.getByRole('button', { name: 'Notify me on this device' }).tap();
    const alert = section.getByRole('alert');
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toMatch(/^This browser could not subscribe to its push service \(.+\)\.$/);
    expect(await (await hub.api('/api/push/subscriptions')).json()).toEqual([]);
  });

  it('signs out from Settings: the browser is asked for its subscription first (it has none here), and the sign-in page follows', async () => {
    await page.getByRole('button', { name: 'Sign out' }).tap();
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate<boolean>('(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null)()')).toBe(true);
  });
});
