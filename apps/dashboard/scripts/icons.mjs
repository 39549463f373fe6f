// Renders public/icons/icon.svg to the PNG icons the manifest and iOS need, with the system Chromium.
// Run after changing the SVG: node apps/dashboard/scripts/icons.mjs
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const dir = new URL('../public/icons/', import.meta.url);
const svg = readFileSync(new URL('icon.svg', dir), 'utf8');
// Maskable icons are cropped to a circle by some launchers: full-bleed background, artwork in the middle 80 %.
const maskable = svg.replace('rx="112"', 'rx="0"').replace(/<path/g, '<path transform="translate(51 51) scale(.8)"');

const icons = [
  { file: 'icon-192.png', size: 192, svg },
  { file: 'icon-512.png', size: 512, svg },
  { file: 'maskable-512.png', size: 512, svg: maskable },
  { file: 'apple-touch-icon.png', size: 180, svg: maskable },
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
for (const icon of icons) {
  await page.setViewportSize({ width: icon.size, height: icon.size });
  await page.setContent(`<style>*{margin:0}svg{display:block;width:100vw;height:100vh}</style>${icon.svg}`);
  await page.screenshot({ path: new URL(icon.file, dir).pathname, omitBackground: true });
}
await browser.close();
