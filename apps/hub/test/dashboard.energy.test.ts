import { mkdirSync } from 'node:fs';
import type { EnergyReportDto, MeterDto } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { requirePackage } from '@hearth/broker/testing/system-packages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, outsideContract, phoneContext, recordApiCalls, requireDashboardBuild, WITHOUT_CHROMIUM } from './support/dashboard-browser.js';
import { hearth } from './support/hearth-cli.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, tempDataDir, type TestHub } from './support/test-hub.js';

// End to end: the energy page of a real hub in headless Chromium at a phone viewport. First the demo's month of
// history (its house meter the grid import, its plugs devices, its tariffs); then two energy counters reporting
// over MQTT, which the page makes a grid import and a device, with a price set on the page.
// Set HEARTH_SCREENSHOTS=1 to refresh docs/screenshots/.
const SCREENSHOTS = process.env.HEARTH_SCREENSHOTS === '1' ? new URL('../../../docs/screenshots/', import.meta.url) : null;

/** `3.20 kWh` or `€0.96` as a number. */
const amount = (text: string | null): number => Number(text!.replace(/[^\d.]/g, ''));
const KWH = /^\d[\d,]*\.\d+\u202fkWh$/;
const EUROS = /^€\d[\d,]*\.\d\d$/;

describe('energy page of a demo hub in Chromium', () => {
  beforeEach((context) => requirePackage(context, 'chromium'));
  const ADMIN = { username: 'olivia', password: 'olivia-password' };
  let dataDir: string;
  let hub: HubProcess;
  let browser: Browser;
  let page: Page;
  let called: Set<string>;

  beforeAll(async () => {
    if (WITHOUT_CHROMIUM) return;
    requireDashboardBuild();
    dataDir = tempDataDir();
    expect((await hearth(['user', 'add', ADMIN.username, '--role', 'admin'], dataDir, `${ADMIN.password}\n`)).code).toBe(0);
    hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_LOG_LEVEL: 'info' }, ['--demo']);
    const httpUrl = `http://127.0.0.1:${hub.httpPort}`;
    const login = await fetch(`${httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const { token } = (await login.json()) as { token: string };
    browser = await launchChromium();
    const context = await phoneContext(browser, { httpUrl, adminToken: async () => token });
    called = recordApiCalls(context);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    hub?.child.kill('SIGKILL');
    await hub?.exited;
    if (dataDir) removeDataDir(dataDir);
  });

  it("shows the demo's kWh and cost: today, and a week of them, with its devices and what they do not account for", async () => {
    // The month of history is replayed before the demo's devices start.
    await expect.poll(() => hub.output.some((line) => line.includes('demo history: 30 days replayed')), { timeout: 60_000 }).toBe(true);
    await page.goto('/energy');
    await expect.poll(() => page.getByTestId('energy-kwh').textContent()).toMatch(KWH);
    expect(await page.getByTestId('energy-cost').textContent()).toMatch(EUROS);
    expect(await page.getByTestId('energy-period').textContent()).toBe('Today');

    await page.getByRole('button', { name: 'Week', exact: true }).tap();
    await expect.poll(() => page.getByTestId('energy-period').textContent()).toBe('This week');
    await expect.poll(() => page.getByTestId('energy-bars').getByRole('button').count()).toBe(7);
    await page.getByRole('button', { name: 'Previous period' }).tap();
    await expect.poll(() => page.getByTestId('energy-period').textContent()).toMatch(/^Week of /);
    await page.locator('[data-testid="energy-totals"][aria-busy="false"]').waitFor();
    // A whole week of the simulated house: several kWh a day, costed at its day and night prices.
    expect(amount(await page.getByTestId('energy-kwh').textContent())).toBeGreaterThan(7);
    const kwh = amount(await page.getByTestId('energy-kwh').textContent());
    const cost = amount(await page.getByTestId('energy-cost').textContent());
    expect(cost).toBeGreaterThan(kwh * 0.15);
    expect(cost).toBeLessThan(kwh * 0.32);
    const rows = (await page.getByTestId('top-consumers').getByRole('listitem').allTextContents()).map((row) => row.replace(/\s+/g, ' ').trim());
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.at(-1)).toMatch(/^Untracked \d[\d,]*\.\d+ kWh \d+ %$/);
    await page.evaluate('scrollTo(0, 0)');
    await screenshot(page, 'energy');
  }, 90_000);

  it('toggles kWh and cost, bars and consumers alike', async () => {
    await page.getByRole('button', { name: 'Cost', exact: true }).tap();
    await expect.poll(() => page.getByTestId('consumer-untracked').textContent()).toMatch(/€\d/);
    const labels = await page.getByTestId('energy-bars').getByRole('button').evaluateAll((bars) => bars.map((bar) => bar.getAttribute('aria-label')!));
    expect(labels).toHaveLength(7);
    for (const label of labels) expect(label).toMatch(/: €\d[\d,]*\.\d\d$/);
    await page.getByRole('button', { name: 'kWh', exact: true }).tap();
    await expect.poll(() => page.getByTestId('consumer-untracked').textContent()).toMatch(/kWh/);
  });

  it("switches to the month and the year, and shows the house's always-on power from its nights", async () => {
    await page.getByRole('button', { name: 'Month', exact: true }).tap();
    await expect.poll(() => page.getByTestId('energy-bars').getByRole('button').count()).toBeGreaterThanOrEqual(28);
    await page.getByRole('button', { name: 'Year', exact: true }).tap();
    await expect.poll(() => page.getByTestId('energy-bars').getByRole('button').count()).toBe(12);
    await page.locator('[data-testid="energy-totals"][aria-busy="false"]').waitFor();
    expect(amount(await page.getByTestId('energy-kwh').textContent())).toBeGreaterThan(30);
    await expect.poll(() => page.getByTestId('always-on').textContent()).toMatch(/^\d[\d,]*\u202fW$/);
  });

  it('called only routes of the contract (@hearth/api-types API_ROUTES)', () => {
    expect([...called].filter((call) => call.startsWith('GET /api/energy'))).toHaveLength(5);
    expect(outsideContract(called)).toEqual([]);
  });
});

const MAINS = { config: 'homeassistant/sensor/e2e_mains_energy/config', state: 'e2e/mains/energy' };
const WASHER = { config: 'homeassistant/sensor/e2e_washer_energy/config', state: 'e2e/washer/energy' };
const counter = (name: string, uniqueId: string, state: string, device: string) => ({
  name,
  unique_id: uniqueId,
  state_topic: state,
  device_class: 'energy',
  state_class: 'total_increasing',
  unit_of_measurement: 'kWh',
  device: { identifiers: [device], name: device },
});

describe('energy page in Chromium: meter roles and a price set on the page', () => {
  beforeEach((context) => requirePackage(context, 'chromium'));
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let devices: MqttClient;

  const api = async <T>(path: string, body?: unknown, method?: string): Promise<T> => {
    const response = await hub.api(path, { body, method });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    if (WITHOUT_CHROMIUM) return;
    requireDashboardBuild();
    hub = await startTestHub();
    browser = await launchChromium();
    devices = await connectClient(hub.mqttUrl, { clientId: `e2e-meters-${Date.now()}` });
    const context = await phoneContext(browser, hub);
    page = await context.newPage();
    // A step that cannot happen fails with what it waited for, well within the test's time.
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await devices?.endAsync();
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it('sets the mains meter as the grid import and a price, then shows today in kWh and cost', async () => {
    await devices.publishAsync(MAINS.config, JSON.stringify(counter('Mains', 'e2e_mains_energy', MAINS.state, 'Mains meter')), { retain: true });
    await devices.publishAsync(WASHER.config, JSON.stringify(counter('Washer', 'e2e_washer_energy', WASHER.state, 'Washer plug')), { retain: true });
    await expect.poll(async () => (await api<MeterDto[]>('/api/energy/meters')).length, { timeout: 10_000 }).toBe(2);
    // Today's readings, once the entities are there: the mains counter goes up 3.2 kWh, the washer's 1.1 kWh.
    await devices.publishAsync(MAINS.state, '1000');
    await devices.publishAsync(WASHER.state, '50');
    await devices.publishAsync(MAINS.state, '1003.2');
    await devices.publishAsync(WASHER.state, '51.1');
    await expect.poll(async () => (await api<EnergyReportDto>('/api/energy')).total.house.kwh, { timeout: 10_000 }).toBeGreaterThan(4);

    await page.goto('/energy');
    await page.getByRole('heading', { name: 'Energy', exact: true }).waitFor();
    const mains = (await api<MeterDto[]>('/api/energy/meters')).find((meter) => meter.entityId.includes('mains'));

    // Admin: the mains meter is the grid import, so the house is 3.2 kWh and 2.1 of them untracked.
    await page.getByLabel(`Role of ${mains!.name}`).selectOption('grid_import');
    await expect.poll(async () => (await api<MeterDto[]>('/api/energy/meters')).find((meter) => meter.entityId === mains!.entityId)?.role).toBe('grid_import');
    await expect.poll(() => page.getByTestId('energy-kwh').textContent()).toBe('3.20\u202fkWh');
    expect(await page.getByTestId('energy-cost').textContent()).toBe('—');

    // Admin: a flat price; the hub's refusal of a bad one is shown as it said it.
    const tariffs = page.getByTestId('tariffs');
    await tariffs.getByRole('button', { name: 'Set a price' }).tap();
    await tariffs.getByLabel('Currency').fill('EU');
    await tariffs.getByLabel('Price per kWh', { exact: true }).fill('0.30');
    await tariffs.getByRole('button', { name: 'Save tariffs' }).tap();
    await expect.poll(() => tariffs.getByRole('alert').textContent()).toContain('currency must be a 3-letter ISO 4217 code');
    await tariffs.getByLabel('Currency').fill('EUR');
    await tariffs.getByRole('button', { name: 'Save tariffs' }).tap();
    await tariffs.getByRole('status').waitFor();
    await expect.poll(() => page.getByTestId('energy-cost').textContent()).toMatch(/^€0\.96$/);
    expect(await page.getByTestId('energy-kwh').textContent()).toBe('3.20\u202fkWh');
    const consumers = page.getByTestId('top-consumers');
    const rows = (await consumers.getByRole('listitem').allTextContents()).map((row) => row.replace(/\s+/g, ' ').trim());
    expect(rows).toEqual(['Washer plug Washer 1.10 kWh 34 %', 'Untracked 2.10 kWh 66 %']);
  }, 60_000);

  it('toggles kWh and cost', async () => {
    await page.getByRole('button', { name: 'Cost', exact: true }).tap();
    const consumers = page.getByTestId('top-consumers');
    await expect.poll(() => consumers.getByTestId(/^consumer-sensor\./).textContent()).toMatch(/Washer\s*€0\.33/);
    const bars = await page.getByTestId('energy-bars').getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
    expect(bars.length).toBeGreaterThanOrEqual(23); // an hour a bar; a daylight-saving day has 23 or 25
    expect(bars.filter((label) => !label!.endsWith('€0.00'))).toEqual([expect.stringMatching(/: €0\.96$/)]);
    await page.getByRole('button', { name: 'kWh', exact: true }).tap();
    await expect.poll(() => consumers.getByTestId(/^consumer-sensor\./).textContent()).toMatch(/Washer\s*1\.10\u202fkWh/);
  });

  it('switches period: this week holds today, the week before holds nothing, Today comes back', async () => {
    await page.getByRole('button', { name: 'Week', exact: true }).tap();
    await expect.poll(() => page.getByTestId('energy-period').textContent()).toBe('This week');
    await expect.poll(() => page.getByTestId('energy-bars').getByRole('button').count()).toBe(7);
    expect(await page.getByTestId('energy-kwh').textContent()).toBe('3.20\u202fkWh');
    await page.getByRole('button', { name: 'Previous period' }).tap();
    await expect.poll(() => page.getByTestId('energy-period').textContent()).toMatch(/^Week of /);
    await expect.poll(() => page.getByTestId('energy-kwh').textContent()).toBe('0.00\u202fkWh');
    expect(await page.getByRole('button', { name: 'Next period' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Next period' }).tap();
    await expect.poll(() => page.getByTestId('energy-kwh').textContent()).toBe('3.20\u202fkWh');
    expect(await page.getByRole('button', { name: 'Next period' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Today', exact: true }).tap();
    await expect.poll(() => page.getByTestId('energy-bars').getByRole('button').count()).toBeGreaterThanOrEqual(23);
  });
});

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, scale: 'css', animations: 'disabled' });
}
