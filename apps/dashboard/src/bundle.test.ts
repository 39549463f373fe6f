// @vitest-environment node
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The dashboard as it ships, built from these sources into a temporary directory (not the dist the hub
// serves, which may be older): what a phone downloads before the first page shows.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The first page's JavaScript, gzipped, at most. */
const FIRST_PAGE_GZIP_BYTES = 100_000;

describe('dashboard bundle', () => {
  let out: string;
  let html: string;
  const read = (href: string) => readFileSync(join(out, href));

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'hearth-dashboard-'));
    await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    html = readFileSync(join(out, 'index.html'), 'utf8');
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** The entry script and the chunks index.html preloads with it. */
  const firstPage = () => [...html.matchAll(/<(?:script type="module"[^>]*src|link rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g)].map((match) => match[1]!);

  it('keeps the JavaScript of the first page under 100 kB gzipped', () => {
    const files = firstPage();
    expect(files.length).toBeGreaterThan(0);
    const gzipped = files.reduce((sum, file) => sum + gzipSync(read(file)).length, 0);
    expect(gzipped).toBeLessThan(FIRST_PAGE_GZIP_BYTES);
  });

  it('loads the chart library (uPlot) and every page but Home only when one is opened (or a second after Home)', () => {
    const first = firstPage().map((file) => read(file).toString());
    const chunks = readdirSync(join(out, 'assets')).filter((file) => file.endsWith('.js'));
    for (const page of ['GardenPage', 'DevicesPage', 'SettingsPage', 'EnergyPage', 'HistoryPage', 'RulesPage', 'uPlot']) expect(chunks.some((file) => file.startsWith(page))).toBe(true);
    // uPlot's own class names: in its chunk, not in the first page's.
    expect(first.some((code) => code.includes('u-legend'))).toBe(false);
  });
});
