import type { DeviceDto, UnmappedTopicDto } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneContext, PHONE, requireDashboardBuild, WITHOUT_CHROMIUM } from './support/dashboard-browser.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// The Devices page on a phone with a house full of devices: 50 Tasmota-style plugs announced with Home
// Assistant discovery, each also sending telemetry no entity maps (tele/<t>/INFO1, stat/<t>/RESULT).
const PLUGS = 50;
const plug = (n: number) => `plug${String(n).padStart(2, '0')}`;

describe.skipIf(WITHOUT_CHROMIUM)('Devices page with 50 devices in Chromium at 390 px', () => {
  let hub: TestHub;
  let devices: MqttClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    requireDashboardBuild();
    hub = await startTestHub();
    devices = await connectClient(hub.mqttUrl, { clientId: 'fifty-plugs' });
    for (let n = 1; n <= PLUGS; n++) {
      const t = plug(n);
      const config = { name: null, uniq_id: `${t}_relay`, cmd_t: `cmnd/${t}/POWER`, stat_t: `tele/${t}/STATE`, val_tpl: '{{ value_json.POWER }}', avty_t: `tele/${t}/LWT`, pl_avail: 'Online', pl_not_avail: 'Offline', dev: { ids: [t], name: `Plug ${n}`, mf: 'Tasmota', mdl: 'Sonoff S20', sa: n % 2 ? 'Kitchen' : 'Office' } };
      await devices.publishAsync(`homeassistant/switch/${t}/config`, JSON.stringify(config), { qos: 1, retain: true });
      await devices.publishAsync(`tele/${t}/LWT`, 'Online', { qos: 1, retain: true });
      await devices.publishAsync(`tele/${t}/INFO1`, JSON.stringify({ Info1: { Module: 'Sonoff S20', Version: '14.1.0' } }), { qos: 1 });
      await devices.publishAsync(`stat/${t}/RESULT`, JSON.stringify({ POWER: 'OFF' }), { qos: 1 });
    }
    await devices.publishAsync('shed/temperature', '12.5', { qos: 1 });
    const deadline = Date.now() + 20_000;
    while (((await (await hub.api('/api/devices')).json()) as DeviceDto[]).length < PLUGS) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${PLUGS} devices`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    browser = await launchChromium();
    context = await phoneContext(browser, hub);
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await devices?.endAsync();
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
  });

  it("lists a plug's own INFO1 and RESULT with the plug, not as unmapped topics", async () => {
    const unmapped = (await (await hub.api('/api/topics/unmapped')).json()) as UnmappedTopicDto[];
    expect(unmapped.filter((topic) => topic.deviceId === null).map((topic) => topic.topic)).toEqual(['shed/temperature']);
    expect(unmapped.filter((topic) => topic.deviceId === 'plug07').map((topic) => topic.topic)).toEqual(['stat/plug07/RESULT', 'tele/plug07/INFO1']);
  });

  it('shows "Add a device" without scrolling, and the filter finds one device among 50', async () => {
    await page.goto('/devices');
    const add = page.getByTestId('add-mqtt-device');
    await add.waitFor();
    await page.getByTestId('device-plug37').waitFor();
    expect(await page.evaluate<number>('document.scrollingElement.scrollTop')).toBe(0);
    const box = (await add.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.viewport.height);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.viewport.width);

    expect(await page.locator('[data-testid^="device-plug"]').count()).toBe(PLUGS);
    await page.getByRole('searchbox', { name: 'Find a device' }).fill('plug 37');
    await expect.poll(() => page.locator('[data-testid^="device-plug"]').count()).toBe(1);
    const card = page.getByTestId('device-plug37');
    await card.locator('summary').tap();
    await expect.poll(() => card.getByTestId('own-topics-plug37').textContent()).toContain('tele/plug37/INFO1');
    // Nothing sticks out sideways on the phone.
    expect(await page.evaluate<number>('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(PHONE.viewport.width);
    expect(await page.getByTestId('unmapped-topic').count()).toBe(1);
  });
});
