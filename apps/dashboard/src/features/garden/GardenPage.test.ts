import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { hubContext } from '../../lib/context.js';
import { EntityStore } from '../../lib/live/entities.svelte.js';
import { Router } from '../../lib/router.svelte.js';
import { entity, scriptedApi } from '../../lib/testing/fixtures.js';
import GardenPage from './GardenPage.svelte';

const moisture = entity({
  id: 'sensor.bed_moisture',
  name: 'Bed moisture',
  deviceId: 'bed',
  deviceClass: 'moisture',
  unit: '%',
  state: 42,
  lastUpdated: new Date().toISOString(),
});

describe('GardenPage', () => {
  it('shows readings with sparklines from history, live updates and threshold highlights', async () => {
    // The last history point is the current state, as the hub records it.
    const t = Date.parse(moisture.lastUpdated!);
    const points = [40, 41, 42].map((state, i) => ({ time: new Date(t - (2 - i) * 60_000).toISOString(), state }));
    const history = { entityId: moisture.id, from: '', to: '', resolution: 'raw', unit: '%', points, statistics: [], truncated: false };
    const { api, calls } = scriptedApi({
      'GET /api/history/sensor.bed_moisture?*': { body: history },
      'GET /api/devices': { body: [{ id: 'bed', name: 'Vegetable bed', manufacturer: null, model: null, area: 'Garden', transport: 'mqtt-sn', available: true, lastSeen: null, entityIds: [] }] },
    });
    const entities = new EntityStore(api);
    entities.handlers.snapshot({ type: 'snapshot', entities: [moisture] });
    render(GardenPage, { context: hubContext({ api, entities, router: new Router() }) });

    expect(await screen.findByRole('heading', { name: 'Vegetable bed' })).toBeTruthy();
    expect(screen.getByTestId('value-sensor.bed_moisture').textContent).toBe('42%');
    const spark = () => screen.getByTestId('reading-sensor.bed_moisture').querySelector('svg')!.dataset.points;
    await expect.poll(spark).toBe('3');
    const from = new URL(calls.find((call) => call.path.startsWith('/api/history/'))!.path, 'http://hub').searchParams.get('from')!;
    expect(Date.now() - Date.parse(from)).toBeGreaterThanOrEqual(24 * 3_600_000);

    entities.handlers.state({ type: 'state', entity: { ...moisture, state: 25, lastUpdated: new Date(t + 1000).toISOString() } });
    await expect.poll(() => screen.getByTestId('value-sensor.bed_moisture').textContent).toBe('25%');
    expect(spark()).toBe('4');
    const row = screen.getByTestId('reading-sensor.bed_moisture');
    expect(row.className).toContain('warn');
    expect(row.textContent).toContain('Dry, water soon');
  });

  it("waters the bed with its sensor's valve and shows it watering once the valve confirms", async () => {
    const valve = entity({ id: 'valve.bed_watering_valve', name: 'Bed watering valve', deviceId: 'bed', state: 'closed', commands: ['open'] });
    const { api, calls } = scriptedApi({
      'GET /api/history/sensor.bed_moisture?*': { body: { entityId: moisture.id, from: '', to: '', resolution: 'raw', unit: '%', points: [], statistics: [], truncated: false } },
      'GET /api/devices': { body: [] },
      'POST /api/entities/valve.bed_watering_valve/command': { status: 202, body: { published: ['garden/bed/valve/set'] } },
    });
    const entities = new EntityStore(api);
    entities.handlers.snapshot({ type: 'snapshot', entities: [moisture, valve] });
    render(GardenPage, { context: hubContext({ api, entities, router: new Router() }) });

    const row = await screen.findByTestId('watering-valve.bed_watering_valve');
    expect(row.textContent).toContain('Not watering');
    await fireEvent.click(screen.getByRole('button', { name: 'Water' }));
    await expect.poll(() => calls.find((call) => call.method === 'POST')?.body).toEqual({ open: true });
    entities.handlers.state({ type: 'state', entity: { ...valve, state: 'open' } });
    await expect.poll(() => row.dataset.pending).toBeUndefined();
    expect(row.textContent).toContain('Watering');
    expect(screen.getByRole('button', { name: 'Stop watering' })).toBeTruthy();
  });

  it("shows a reading's season: each day's low, mean and high", async () => {
    const day = (i: number, min: number, mean: number, max: number) => ({ start: `2026-06-0${i}T22:00:00.000Z`, end: `2026-06-0${i + 1}T22:00:00.000Z`, min, mean, max, change: null });
    const daily = { entityId: moisture.id, from: '', to: '', resolution: 'day', unit: '%', points: [], statistics: [day(1, 30, 35, 41), day(2, 28, 33, 40)], truncated: false };
    const { api, calls } = scriptedApi({ 'GET /api/history/sensor.bed_moisture?*': { body: daily }, 'GET /api/devices': { body: [] } });
    const entities = new EntityStore(api);
    entities.handlers.snapshot({ type: 'snapshot', entities: [moisture] });
    render(GardenPage, { context: hubContext({ api, entities, router: new Router() }) });

    await fireEvent.click(await screen.findByRole('button', { name: 'Show the season' }));
    await expect.poll(() => screen.getByTestId('season-sensor.bed_moisture').querySelector('figure')?.dataset.points).toBe('2');
    const season = new URL(calls.filter((call) => call.path.startsWith('/api/history/')).at(-1)!.path, 'http://hub').searchParams;
    expect(season.get('resolution')).toBe('day');
    expect(Date.parse(season.get('to')!) - Date.parse(season.get('from')!)).toBe(120 * 24 * 3_600_000);
  });
});
