import type { RuleDto } from '@hearth/api-types';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, phoneContext, requireDashboardBuild, WITHOUT_CHROMIUM } from './support/dashboard-browser.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// A real hub and the built dashboard in headless Chromium at 390 px: a rule with long JSON and traces
// with long details must not make the page wider than the phone.
const LONG = 'a-very-long-topic-segment-without-any-place-to-break-it-'.repeat(6);

describe.skipIf(WITHOUT_CHROMIUM)('rule detail on a phone', () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let rule: RuleDto;

  beforeAll(async () => {
    requireDashboardBuild();
    hub = await startTestHub();
    browser = await launchChromium();
    const response = await hub.api('/api/rules', {
      body: {
        name: 'Tell everyone the long story',
        triggers: [{ type: 'mqtt', topic: `phone/${LONG}` }],
        actions: [
          { type: 'publish', topic: `out/${LONG}`, payload: `{"message":"${LONG}${LONG}"}` },
          { type: 'log', message: LONG.repeat(3) },
          { type: 'command', entityId: 'light.a_light_that_does_not_exist_with_a_very_long_entity_id_indeed', command: { on: true }, continueOnError: true },
        ],
      },
    });
    expect(response.status).toBe(201);
    rule = (await response.json()) as RuleDto;
    for (let run = 0; run < 2; run++) expect((await hub.api(`/api/rules/${rule.id}/run`, { body: {} })).status).toBe(202);
    await vi.waitFor(async () => expect(await (await hub.api(`/api/rules/${rule.id}/traces`)).json()).toHaveLength(2), { timeout: 10_000 });
    page = await (await phoneContext(browser, hub)).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it('fits 390 px with its JSON and every trace open: no horizontal page scroll', async () => {
    await page.goto(`/rules/${rule.id}`);
    await page.getByRole('heading', { name: 'Tell everyone the long story' }).waitFor();
    await page.getByTestId('trace').nth(1).waitFor();
    // The light it commands does not exist: the rule says it waits for it, in a badge that wraps.
    expect(await page.getByTestId('rule-state').textContent()).toBe('Waiting for light.a_light_that_does_not_exist_with_a_very_long_entity_id_indeed');
    await page.getByText('As JSON').tap();
    for (const details of await page.locator('details').all()) await details.evaluate((element) => element.setAttribute('open', ''));
    expect(await page.locator('details[open]').count()).toBe(3);
    expect(await page.locator('pre').textContent()).toContain(LONG);
    await expectPhoneWidth();
  });

  it('lists the rule waiting for its long-named light within 390 px too', async () => {
    await page.goto('/rules');
    const state = page.getByTestId(`rule-${rule.id}`).getByTestId('rule-state');
    expect(await state.textContent()).toBe('Waiting for light.a_light_that_does_not_exist_with_a_very_long_entity_id_indeed');
    await expectPhoneWidth();
  });

  async function expectPhoneWidth(): Promise<void> {
    // A string: the hub's tests compile without the DOM's types.
    const widths = await page.evaluate<{ page: number; body: number; viewport: number }>('({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: innerWidth })');
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.body).toBeLessThanOrEqual(390);
    // A mobile layout viewport widens to fit what overflows; it stays the phone's.
    expect(widths.viewport).toBe(390);
  }
});
