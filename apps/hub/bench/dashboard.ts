// First render of the dashboard's Home page: navigation start -> the first light card on screen, in
// headless Chromium over loopback with a fresh browser context (cold HTTP cache) per run.
// Run: npx tsc -b && node apps/hub/dist/bench/dashboard.js [runs]
import { launchChromium, phoneContext, requireDashboardBuild } from '../test/support/dashboard-browser.js';
import { connectClient } from '../test/support/mqtt-client.js';
import { removeDataDir, startTestHub } from '../test/support/test-hub.js';

const RUNS = Number(process.argv[2] ?? 9);
const AREAS = ['Kitchen', 'Living room', 'Bedroom', 'Hall', 'Office'];
const LIGHTS = 20;
const BUDGET_MS = 300;

// Stamps performance.now() (ms since navigation start) when the first entity card is in the DOM.
const STAMP_FIRST_CARD = `
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid^="entity-"]')) {
      window.__firstCard = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

requireDashboardBuild();
const hub = await startTestHub({ HEARTH_LOG_LEVEL: 'warn' });
const browser = await launchChromium();
try {
  const device = await connectClient(hub.mqttUrl);
  for (let i = 0; i < LIGHTS; i++) {
    const config = {
      name: `Light ${i + 1}`,
      unique_id: `bench_light_${i}`,
      state_topic: `bench/light${i}/state`,
      command_topic: `bench/light${i}/set`,
      brightness_state_topic: `bench/light${i}/brightness`,
      brightness_command_topic: `bench/light${i}/brightness/set`,
      device: { identifiers: [`bench_light_${i}`], name: `Light ${i + 1}`, suggested_area: AREAS[i % AREAS.length] },
    };
    await device.publishAsync(`homeassistant/light/bench_light_${i}/config`, JSON.stringify(config), { retain: true });
    await device.publishAsync(config.state_topic, i % 3 === 0 ? 'ON' : 'OFF', { retain: true });
  }
  const deadline = Date.now() + 10_000;
  while (((await (await hub.api('/api/entities')).json()) as unknown[]).length < LIGHTS) {
    if (Date.now() > deadline) throw new Error('the hub did not map the bench lights (is the entities API there?)');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const context = await phoneContext(browser, hub);
    const page = await context.newPage();
    await page.addInitScript(STAMP_FIRST_CARD);
    await page.goto('/');
    await page.waitForFunction('window.__firstCard !== undefined');
    const ms = (await page.evaluate('window.__firstCard')) as number;
    if (run > 0) times.push(ms); // run 0 warms the hub and Chromium up
    await context.close();
  }
  await device.endAsync();

  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const row = (label: string, ms: number) => `${label.padEnd(8)} ${ms.toFixed(1).padStart(7)} ms`;
  process.stdout.write(
    [
      `dashboard first render (Home, ${LIGHTS} lights, ${times.length} runs, fresh context each): navigation start -> first light card`,
      row('median', median),
      row('min', times[0]!),
      row('max', times.at(-1)!),
      `budget   ${BUDGET_MS} ms: ${median <= BUDGET_MS ? 'met' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
} finally {
  await browser.close();
  await hub.close();
  removeDataDir(hub.dataDir);
}
