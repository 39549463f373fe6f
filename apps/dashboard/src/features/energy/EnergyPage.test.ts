import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { hubContext } from '../../lib/context.js';
import { EntityStore } from '../../lib/live/entities.svelte.js';
import { entity, scriptedApi } from '../../lib/testing/fixtures.js';
import EnergyPage from './EnergyPage.svelte';

describe('EnergyPage', () => {
  it('shows house power and each meter live, most power first', async () => {
    const entities = new EntityStore(scriptedApi().api);
    render(EnergyPage, { context: hubContext({ entities }) });
    const washer = entity({ id: 'power_meter.washer', name: 'Washer', state: 1800, unit: 'W', attributes: { voltage: 231, current: 7.8, energy: 12.5 } });
    const tv = entity({ id: 'power_meter.tv', name: 'TV', state: 95, unit: 'W' });
    entities.handlers.snapshot({ type: 'snapshot', entities: [tv, washer] });
    await expect.poll(() => screen.getByTestId('house-power').textContent).toBe('1,895\u202fW');
    expect(screen.getAllByRole('listitem').map((item) => item.dataset.testid)).toEqual(['meter-power_meter.washer', 'meter-power_meter.tv']);
    expect(screen.getByTestId('meter-power_meter.washer').textContent).toContain('231\u202fV · 7.8\u202fA · 12.5\u202fkWh total');

    entities.handlers.state({ type: 'state', entity: { ...washer, state: 5 } });
    await expect.poll(() => screen.getByTestId('house-power').textContent).toBe('100\u202fW');
  });
});
