import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { hubContext } from '../../lib/context.js';
import { EntityStore } from '../../lib/live/entities.svelte.js';
import { entity, scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import HomePage from './HomePage.svelte';

const heater = entity({
  id: 'climate.porch_heater',
  name: 'Porch heater',
  area: 'Porch',
  state: 'heat',
  attributes: { targetTemperature: 20, currentTemperature: 18.5 },
  unit: '°C',
  commands: ['targetTemperature', 'hvacMode'],
  limits: { targetTemperature: { min: 10, max: 28, step: 0.5 }, hvacMode: { options: ['off', 'heat'] } },
});
const sprinkler = entity({ id: 'valve.sprinkler', name: 'Sprinkler', area: 'Garden', state: 'closed', commands: ['open'] });
const awning = entity({ id: 'cover.awning', name: 'Awning', area: 'Porch', state: 'open', attributes: { position: 60 }, commands: ['open', 'stop', 'position'] });
const gate = entity({ id: 'lock.gate', name: 'Gate', area: 'Porch', state: 'locked', commands: ['locked'] });
const volume = entity({ id: 'number.volume', name: 'Chime volume', area: 'Porch', state: 4, commands: ['value'], limits: { value: { min: 0, max: 10, step: 1 } } });
const scene = entity({ id: 'select.scene', name: 'Scene', area: 'Porch', state: 'off', commands: ['value'], limits: { value: { options: ['off', 'party'] } } });
const bell = entity({ id: 'button.bell', name: 'Doorbell test', area: 'Porch', commands: ['press'] });
const fan = entity({ id: 'fan.ceiling', name: 'Ceiling fan', area: 'Porch', state: 'on', attributes: { percentage: 30 }, commands: ['on', 'percentage'] });
const all = [heater, sprinkler, awning, gate, volume, scene, bell, fan];

function renderHome(routes: Routes = {}) {
  const accepted: Routes = Object.fromEntries(all.map((e) => [`POST /api/entities/${e.id}/command`, { status: 202, body: { published: [] } }]));
  const { api, calls } = scriptedApi({ ...accepted, ...routes });
  const entities = new EntityStore(api, { debounceMs: 50, confirmMs: 5000 });
  render(HomePage, { context: hubContext({ entities }) });
  entities.handlers.snapshot({ type: 'snapshot', entities: all });
  return { entities, calls };
}

const sent = (calls: Array<{ path: string; body?: unknown }>) => calls.map((call) => [call.path.split('/')[3], call.body]);

describe('ControlCard for the kinds beyond lights and switches', () => {
  it('shows each kind on Home with its state in words', async () => {
    renderHome();
    await Promise.resolve();
    expect(screen.getByTestId('summary-climate.porch_heater').textContent).toBe('Heat · now 18.5\u202f°C');
    expect(screen.getByTestId('target-climate.porch_heater').textContent).toBe('20\u202f°C');
    expect(screen.getByTestId('summary-valve.sprinkler').textContent).toBe('Closed');
    expect(screen.getByTestId('summary-cover.awning').textContent).toBe('Open · 60 %');
    expect(screen.getByTestId('summary-lock.gate').textContent).toBe('Locked');
    expect(screen.getByTestId('summary-fan.ceiling').textContent).toBe('On · 30 %');
    expect(screen.getByRole('switch', { name: 'Sprinkler' }).getAttribute('aria-checked')).toBe('false');
    expect(screen.getByRole('switch', { name: 'Gate' }).getAttribute('aria-checked')).toBe('true');
  });

  it('opens a valve with a tap, optimistically, until the device confirms', async () => {
    const { entities, calls } = renderHome();
    await Promise.resolve();
    await fireEvent.click(screen.getByRole('switch', { name: 'Sprinkler' }));
    expect(screen.getByTestId('summary-valve.sprinkler').textContent).toBe('Open');
    expect(screen.getByTestId('entity-valve.sprinkler').dataset.pending).toBe('true');
    await vi.waitFor(() => expect(sent(calls)).toEqual([['valve.sprinkler', { open: true }]]));
    entities.handlers.state({ type: 'state', entity: { ...sprinkler, state: 'open' } });
    await vi.waitFor(() => expect(screen.getByTestId('entity-valve.sprinkler').dataset.pending).toBeUndefined());
  });

  it('steps a climate target within its range and picks a mode', async () => {
    const { calls } = renderHome();
    await Promise.resolve();
    await fireEvent.click(screen.getByRole('button', { name: 'Raise the target of Porch heater' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Raise the target of Porch heater' }));
    expect(screen.getByTestId('target-climate.porch_heater').textContent).toBe('21\u202f°C');
    await vi.waitFor(() => expect(sent(calls)).toEqual([['climate.porch_heater', { targetTemperature: 21 }]]));
    await fireEvent.change(screen.getByRole('combobox', { name: 'Mode of Porch heater' }), { target: { value: 'off' } });
    await vi.waitFor(() => expect(sent(calls).at(-1)).toEqual(['climate.porch_heater', { hvacMode: 'off' }]));
  });

  it("shows a light's colour temperature as the hub reports it (colorTemp, mireds) and takes a change as confirmed", async () => {
    const lamp = entity({ id: 'light.lamp', name: 'Lamp', area: 'Porch', state: 'on', attributes: { colorTemp: 370 }, commands: ['on', 'colorTemp'] });
    const { entities } = renderHome({ 'POST /api/entities/light.lamp/command': { status: 202, body: { published: [] } } });
    entities.handlers.snapshot({ type: 'snapshot', entities: [lamp] });
    await Promise.resolve();
    const warmth = screen.getByRole('slider', { name: 'Colour temperature of Lamp' });
    expect(warmth.getAttribute('aria-valuetext')).toBe('2700 K');
    await fireEvent.input(warmth, { target: { value: '250' } });
    expect(screen.getByTestId('entity-light.lamp').dataset.pending).toBe('true');
    entities.handlers.state({ type: 'state', entity: { ...lamp, attributes: { colorTemp: 250 } } });
    await vi.waitFor(() => expect(screen.getByTestId('entity-light.lamp').dataset.pending).toBeUndefined());
  });

  it('keeps a fine step on its grid and within the range', async () => {
    const fine = { ...heater, attributes: { targetTemperature: 27.9 }, limits: { targetTemperature: { min: 10, max: 28, step: 0.1 } } };
    const { entities, calls } = renderHome();
    entities.handlers.snapshot({ type: 'snapshot', entities: [fine] });
    await Promise.resolve();
    await fireEvent.click(screen.getByRole('button', { name: 'Raise the target of Porch heater' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Raise the target of Porch heater' }));
    await vi.waitFor(() => expect(sent(calls)).toEqual([['climate.porch_heater', { targetTemperature: 28 }]]));
    await fireEvent.click(screen.getByRole('button', { name: 'Lower the target of Porch heater' }));
    await vi.waitFor(() => expect(sent(calls).at(-1)).toEqual(['climate.porch_heater', { targetTemperature: 27.9 }]));
  });

  it('stops and positions a cover, locks, sets a number and a select, presses a button, sets a fan speed', async () => {
    const { calls } = renderHome();
    await Promise.resolve();
    await fireEvent.click(within(screen.getByRole('group', { name: 'Move Awning' })).getByRole('button', { name: 'Stop' }));
    await fireEvent.input(screen.getByRole('slider', { name: 'Position of Awning' }), { target: { value: '25' } });
    await fireEvent.click(screen.getByRole('switch', { name: 'Gate' }));
    await fireEvent.input(screen.getByRole('slider', { name: 'Value of Chime volume' }), { target: { value: '7' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Scene' }), { target: { value: 'party' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Press Doorbell test' }));
    await fireEvent.input(screen.getByRole('slider', { name: 'Speed of Ceiling fan' }), { target: { value: '80' } });
    await vi.waitFor(() => expect(calls).toHaveLength(7));
    expect(sent(calls)).toEqual(
      expect.arrayContaining([
        ['cover.awning', { stop: true }],
        ['cover.awning', { position: 25 }],
        ['lock.gate', { locked: false }],
        ['number.volume', { value: 7 }],
        ['select.scene', { value: 'party' }],
        ['button.bell', { press: true }],
        ['fan.ceiling', { percentage: 80 }],
      ]),
    );
    // A press has nothing to confirm: it is not left pending.
    expect(screen.getByTestId('entity-button.bell').dataset.pending).toBeUndefined();
  });
});
