import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { entity, scriptedApi } from '../testing/fixtures.js';
import { EntityStore } from './entities.svelte.js';

const kitchen = entity({ id: 'light.kitchen', name: 'Kitchen', state: 'off', attributes: { brightness: 100 }, commands: ['on', 'brightness'] });
const COMMAND = 'POST /api/entities/light.kitchen/command';
const timing = { debounceMs: 250, confirmMs: 5000 };

function store(routes = { [COMMAND]: { status: 202, body: { published: ['kitchen/set'] } } }) {
  const { api, calls } = scriptedApi(routes);
  const entities = new EntityStore(api, timing);
  entities.handlers.snapshot({ type: 'snapshot', entities: [kitchen] });
  return { entities, calls };
}

describe('EntityStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('replaces everything on a snapshot, so a reconnect resyncs removed and changed entities', () => {
    const { entities } = store();
    entities.handlers.snapshot({ type: 'snapshot', entities: [entity({ id: 'switch.fan' })] });
    expect(entities.all().map((e) => e.id)).toEqual(['switch.fan']);
    expect(entities.loaded).toBe(true);
  });

  it('applies state deltas and removals', () => {
    const { entities } = store();
    entities.handlers.state({ type: 'state', entity: { ...kitchen, state: 'on' } });
    expect(entities.get('light.kitchen')?.state).toBe('on');
    entities.handlers.removed({ type: 'removed', id: 'light.kitchen' });
    expect(entities.get('light.kitchen')).toBeUndefined();
  });

  it('shows a command at once and keeps it pending until the device confirms it', async () => {
    const { entities, calls } = store();
    entities.command('light.kitchen', { on: true });
    expect(entities.get('light.kitchen')?.state).toBe('on');
    expect(entities.isPending('light.kitchen')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ method: 'POST', path: '/api/entities/light.kitchen/command', body: { on: true } }]);

    entities.handlers.state({ type: 'state', entity: { ...kitchen, state: 'on' } });
    expect(entities.isPending('light.kitchen')).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entities.errors.size).toBe(0);
  });

  it('reverts and says why when the hub refuses the command (Nest message lists are joined)', async () => {
    const { entities } = store({ [COMMAND]: { status: 400, body: { message: ['brightness must not be greater than 255', 'on must be a boolean'] } } });
    entities.command('light.kitchen', { on: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(entities.get('light.kitchen')?.state).toBe('off');
    expect(entities.errors.get('light.kitchen')).toBe('brightness must not be greater than 255; on must be a boolean');
  });

  it('reverts when the device does not confirm in time', async () => {
    const { entities } = store();
    entities.command('light.kitchen', { on: true });
    await vi.advanceTimersByTimeAsync(4999);
    expect(entities.get('light.kitchen')?.state).toBe('on');
    await vi.advanceTimersByTimeAsync(1);
    expect(entities.get('light.kitchen')?.state).toBe('off');
    expect(entities.errors.get('light.kitchen')).toBe('No confirmation from the device within 5 s');
  });

  it('keeps waiting while a state update confirms only part of a command', async () => {
    const { entities } = store();
    entities.command('light.kitchen', { on: true, brightness: 200 });
    await vi.advanceTimersByTimeAsync(0);
    entities.handlers.state({ type: 'state', entity: { ...kitchen, state: 'on' } });
    expect(entities.get('light.kitchen')?.attributes.brightness).toBe(200);
    // Devices rescale brightness: 201 of 255 confirms 200.
    entities.handlers.state({ type: 'state', entity: { ...kitchen, state: 'on', attributes: { brightness: 201 } } });
    expect(entities.isPending('light.kitchen')).toBe(false);
  });

  it('coalesces a slider drag into one command after a quiet moment', async () => {
    const { entities, calls } = store();
    for (const brightness of [110, 150, 190, 230]) {
      entities.command('light.kitchen', { brightness }, { debounce: true });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(entities.get('light.kitchen')?.attributes.brightness).toBe(230);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls.map((call) => call.body)).toEqual([{ brightness: 230 }]);
  });

  it('says so when the hub cannot be reached', async () => {
    const { entities } = store({ [COMMAND]: () => Promise.reject(new TypeError('Failed to fetch')) });
    entities.command('light.kitchen', { on: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(entities.errors.get('light.kitchen')).toBe('The hub cannot be reached');
  });
});
