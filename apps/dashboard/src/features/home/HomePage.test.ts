import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { hubContext } from '../../lib/context.js';
import { EntityStore } from '../../lib/live/entities.svelte.js';
import { entity, scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import HomePage from './HomePage.svelte';

const kitchen = entity({
  id: 'light.kitchen',
  name: 'Kitchen ceiling',
  area: 'Kitchen',
  state: 'off',
  attributes: { brightness: 128, rgb: [255, 0, 0] },
  commands: ['on', 'brightness', 'rgb'],
});
const fan = entity({ id: 'switch.fan', name: 'Fan', area: null, state: 'on', commands: ['on'] });
const hall = entity({ id: 'light.hall', name: 'Hall', area: 'Hall', state: 'on', available: false, commands: ['on'] });
const sensor = entity({ id: 'sensor.temp', name: 'Temperature', area: 'Kitchen', state: 21 });

function renderHome(routes: Routes = { 'POST /api/entities/light.kitchen/command': { status: 202, body: { published: [] } } }) {
  const { api, calls } = scriptedApi(routes);
  const entities = new EntityStore(api, { debounceMs: 250, confirmMs: 5000 });
  render(HomePage, { context: hubContext({ entities }) });
  return { entities, calls };
}

describe('HomePage', () => {
  it('shows a placeholder until the first snapshot', () => {
    renderHome();
    expect(screen.getByLabelText('Loading')).toHaveProperty('ariaBusy', 'true');
  });

  it('groups lights and switches by area, areas alphabetical and "Other" last; sensors stay off Home', async () => {
    const { entities } = renderHome();
    entities.handlers.snapshot({ type: 'snapshot', entities: [fan, kitchen, hall, sensor] });
    await Promise.resolve();
    const areas = screen.getAllByTestId('area');
    expect(areas.map((area) => within(area).getByRole('heading').textContent)).toEqual(['Hall', 'Kitchen', 'Other']);
    expect(screen.queryByText('Temperature')).toBeNull();
    expect(screen.getByRole('switch', { name: 'Hall' })).toHaveProperty('disabled', true);
    expect(screen.getByTestId('summary-light.hall').textContent).toBe('Unavailable');
    expect(screen.getByTestId('summary-light.kitchen').textContent).toBe('Off');
  });

  it('toggles at once, waits for the device, then shows its confirmed state', async () => {
    const { entities, calls } = renderHome();
    entities.handlers.snapshot({ type: 'snapshot', entities: [kitchen] });
    await Promise.resolve();
    const toggle = screen.getByRole('switch', { name: 'Kitchen ceiling' });
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(screen.getByTestId('entity-light.kitchen').dataset.pending).toBe('true');
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ path: '/api/entities/light.kitchen/command', body: { on: true } });

    entities.handlers.state({ type: 'state', entity: { ...kitchen, state: 'on' } });
    await vi.waitFor(() => expect(screen.getByTestId('entity-light.kitchen').dataset.pending).toBeUndefined());
    expect(screen.getByTestId('summary-light.kitchen').textContent).toBe('On · 50 %');
  });

  it('reverts a refused command and says why, until dismissed', async () => {
    const { entities } = renderHome({ 'POST /api/entities/light.kitchen/command': { status: 400, body: { message: 'light.kitchen is unavailable' } } });
    entities.handlers.snapshot({ type: 'snapshot', entities: [kitchen] });
    await Promise.resolve();
    await fireEvent.click(screen.getByRole('switch', { name: 'Kitchen ceiling' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('light.kitchen is unavailable');
    expect(screen.getByRole('switch', { name: 'Kitchen ceiling' }).getAttribute('aria-checked')).toBe('false');
    await fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('sends brightness from the slider (debounced) and colour from the picker', async () => {
    vi.useFakeTimers();
    try {
      const { entities, calls } = renderHome();
      entities.handlers.snapshot({ type: 'snapshot', entities: [kitchen] });
      await vi.advanceTimersByTimeAsync(0);
      const slider = screen.getByRole('slider', { name: 'Brightness of Kitchen ceiling' });
      for (const value of ['150', '200', '230']) await fireEvent.input(slider, { target: { value } });
      expect(slider.getAttribute('aria-valuetext')).toBe('90 %');
      await vi.advanceTimersByTimeAsync(300);
      expect(calls.map((call) => call.body)).toEqual([{ brightness: 230 }]);

      await fireEvent.change(screen.getByLabelText('Colour of Kitchen ceiling'), { target: { value: '#00ff80' } });
      await vi.advanceTimersByTimeAsync(0);
      expect(calls.at(-1)?.body).toEqual({ rgb: [0, 255, 128] });
    } finally {
      vi.useRealTimers();
    }
  });
});
