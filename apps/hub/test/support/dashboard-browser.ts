import { API_ROUTES } from '@hearth/api-types';
import { programOf, skippedWithout } from '@hearth/broker/testing/system-packages';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { dashboardDist } from '../../src/web/dashboard-files.js';
import { SESSION_COOKIE } from '../../src/auth/sessions.service.js';
import type { TestHub } from './test-hub.js';

/**
 * True when Debian's Chromium is missing outside CI: a browser suite's beforeAll then does nothing, and its
 * `beforeEach((context) => requirePackage(context, 'chromium'))` skips each test naming the package (under
 * CI it fails them, and launchChromium fails: a CI machine cannot pass by skipping).
 */
export const WITHOUT_CHROMIUM = skippedWithout('chromium');

/** Debian's Chromium, headless, nothing phoning home; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: programOf('chromium', 'chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A phone held upright (iPhone 14-ish). */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;

/** The dashboard must be built for the hub to serve it (`npm test` builds first). */
export function requireDashboardBuild(): void {
  if (!dashboardDist()) throw new Error('the dashboard is not built: run `npm run build -w @hearth/dashboard` first');
}

/** A phone-sized browser context, signed in as the hub's admin unless `signedIn` is false. */
export async function phoneContext(browser: Browser, hub: Pick<TestHub, 'httpUrl' | 'adminToken'>, { signedIn = true } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ...PHONE, baseURL: hub.httpUrl });
  if (signedIn) await context.addCookies([{ name: SESSION_COOKIE, value: encodeURIComponent(await hub.adminToken()), url: hub.httpUrl }]);
  return context;
}

/** Records every REST call the context's pages make, as `METHOD /path`. */
export function recordApiCalls(context: BrowserContext): Set<string> {
  const called = new Set<string>();
  context.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) called.add(`${request.method()} ${pathname}`);
  });
  return called;
}

const CONTRACT = API_ROUTES.map((route) => new RegExp(`^${route.replace(/[.]/g, '\\.').replace(/:\w+/g, '[^/]+')}$`));

/** The calls that are not routes of the contract (@hearth/api-types API_ROUTES): none, for a dashboard that keeps to it. */
export const outsideContract = (called: Iterable<string>): string[] => [...called].filter((call) => !CONTRACT.some((pattern) => pattern.test(call)));
