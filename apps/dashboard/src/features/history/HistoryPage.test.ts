import { fireEvent, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { entity, renderSignedIn } from '../../lib/testing/fixtures.js';
import HistoryPage from './HistoryPage.svelte';
import { zoomOut } from './ranges.js';

const HOUR = 3_600_000;
const temperature = entity({ id: 'sensor.living_temp', name: 'Living room', state: 21.5, unit: '°C', stateClass: 'measurement' });
const lamp = entity({ id: 'light.desk', name: 'Desk lamp', state: 'off' });

function at(path: string) {
  history.replaceState(null, '', path);
}
afterEach(() => at('/'));

const queries = (calls: Array<{ path: string }>, id: string) =>
  calls.filter((call) => call.path.startsWith(`/api/history/${id}?`)).map((call) => Object.fromEntries(new URL(call.path, 'http://hub').searchParams));

describe('HistoryPage', () => {
  it("charts a numeric entity's last 24 hours, then the range picked", async () => {
    at('/history/sensor.living_temp');
    const start = Date.now() - 3 * HOUR;
    const statistics = [0, 1, 2].map((i) => ({ start: new Date(start + i * HOUR).toISOString(), end: new Date(start + (i + 1) * HOUR).toISOString(), mean: 20 + i, min: 19 + i, max: 22 + i, change: null }));
    const { calls } = await renderSignedIn(HistoryPage, 'user', {
      entities: [temperature],
      routes: { 'GET /api/history/sensor.living_temp?*': { body: { entityId: temperature.id, from: '', to: '', resolution: 'hour', unit: '°C', points: [], statistics, truncated: false } } },
    });
    expect(screen.getByRole('heading', { name: 'Living room' })).toBeTruthy();
    expect(screen.getByTestId('history-now').textContent).toContain('Now 21.5\u202f°C');
    await expect.poll(() => screen.queryByTestId('time-chart')?.dataset.points).toBe('3');
    expect(screen.getByTestId('history-range').textContent).toContain('hourly lows, means and highs');
    const [first] = queries(calls, temperature.id);
    expect(first!.resolution).toBe('auto');
    expect(Date.parse(first!.to!) - Date.parse(first!.from!)).toBe(24 * HOUR);

    await fireEvent.click(screen.getByRole('button', { name: '7 d' }));
    await expect.poll(() => queries(calls, temperature.id).length).toBe(2);
    const week = queries(calls, temperature.id)[1]!;
    expect(Date.parse(week.to!) - Date.parse(week.from!)).toBe(7 * 24 * HOUR);
    expect(screen.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('true');

    await fireEvent.click(screen.getByRole('button', { name: 'Zoom out' }));
    await expect.poll(() => queries(calls, temperature.id).length).toBe(3);
    const wider = queries(calls, temperature.id)[2]!;
    expect(Date.parse(wider.to!) - Date.parse(wider.from!)).toBe(14 * 24 * HOUR);
    expect(screen.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('draws when a light was on', async () => {
    at('/history/light.desk');
    const now = Date.now();
    const points = [
      { time: new Date(now - 30 * HOUR).toISOString(), state: 'off' },
      { time: new Date(now - 5 * HOUR).toISOString(), state: 'on' },
      { time: new Date(now - 3.5 * HOUR).toISOString(), state: 'off' },
    ];
    await renderSignedIn(HistoryPage, 'user', {
      entities: [lamp],
      routes: { 'GET /api/history/light.desk?*': { body: { entityId: lamp.id, from: '', to: '', resolution: 'raw', unit: null, points, statistics: [], truncated: false } } },
    });
    await expect.poll(() => screen.queryByTestId('on-for')?.textContent).toBe('On for 1 h 30 min');
    expect(screen.getByTestId('on-off-timeline').querySelectorAll('rect[data-state="on"]')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Zoom out' })).toBeNull();
  });

  it('zooms out around the middle, never past now', () => {
    expect(zoomOut({ from: 1000, to: 2000 }, 5000)).toEqual({ from: 500, to: 2500 });
    expect(zoomOut({ from: 1000, to: 2000 }, 2000)).toEqual({ from: 0, to: 2000 });
  });
});
