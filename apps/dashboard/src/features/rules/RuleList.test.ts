import type { RuleDto } from '@hearth/api-types';
import { fireEvent, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { entity, renderSignedIn, rule, type Routes } from '../../lib/testing/fixtures.js';
import RuleList from './RuleList.svelte';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const HALL = rule(
  'hall',
  {
    name: 'Hall light on motion',
    enabled: true,
    mode: 'restart',
    triggers: [{ type: 'state', entityId: 'binary_sensor.hall_motion', to: 'on' }],
    conditions: [{ type: 'sun', after: 'sunset' }],
    actions: [{ type: 'command', entityId: 'light.hall', command: { on: true } }],
  },
  { lastRun: { startedAt: minutesAgo(5), finishedAt: minutesAgo(5), result: 'done' }, createdAt: minutesAgo(60), updatedAt: minutesAgo(60) },
);
const ECHO: RuleDto = {
  ...HALL,
  id: 'echo',
  definition: { name: 'Echo', enabled: true, mode: 'parallel', triggers: [{ type: 'mqtt', topic: 'loop/x' }], conditions: [], actions: [{ type: 'publish', topic: 'loop/x', payload: 'again', qos: 0, retain: false }] },
  status: 'stopped',
  stoppedReason: 'more than 20 runs within 1000 ms, likely a loop',
  lastRun: { startedAt: minutesAgo(1), finishedAt: minutesAgo(1), result: 'stopped', error: 'more than 20 runs within 1000 ms, likely a loop' },
};
const COFFEE: RuleDto = {
  ...HALL,
  id: 'coffee',
  definition: { name: 'Coffee', enabled: false, mode: 'single', triggers: [{ type: 'time', at: '06:45', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] }], conditions: [], actions: [{ type: 'command', entityId: 'switch.coffee', command: { on: true } }] },
  status: 'disabled',
  running: 1,
  lastRun: null,
};
const GARDEN: RuleDto = {
  ...HALL,
  id: 'garden',
  definition: { name: 'Water the beds', enabled: true, mode: 'single', triggers: [{ type: 'threshold', entityId: 'sensor.bed_moisture', below: 30 }], conditions: [], actions: [{ type: 'command', entityId: 'switch.valve', command: { on: true } }] },
  waitingFor: ['sensor.bed_moisture'],
};

async function renderList(role: 'admin' | 'user', routes: Routes = {}) {
  const page = await renderSignedIn(RuleList, role, {
    routes: { 'GET /api/rules': { body: [HALL, ECHO, COFFEE, GARDEN] }, ...routes },
    entities: [entity({ id: 'binary_sensor.hall_motion', name: 'Hall motion' }), entity({ id: 'light.hall', name: 'Hall light' })],
  });
  await screen.findByTestId('rule-hall');
  return page;
}

const card = (id: string) => within(screen.getByTestId(`rule-${id}`));

describe('RuleList', () => {
  it('lists rules by name, each in a sentence, with its state and last run', async () => {
    await renderList('user');
    expect(screen.getAllByRole('link').map((link) => link.textContent)).toEqual(['Coffee', 'Echo', 'Hall light on motion', 'Water the beds']);
    expect(card('hall').getByRole('link').getAttribute('href')).toBe('/rules/hall');
    expect(card('hall').getByTestId('rule-summary').textContent).toBe('When Hall motion turns on, if after sunset: turn on Hall light');
    expect(card('hall').getByTestId('rule-state').textContent).toBe('Active');
    expect(card('hall').getByTestId('rule-last-run').textContent).toBe('Last run 5 min ago: Done');
    expect(card('coffee').getByTestId('rule-summary').textContent).toBe('At 06:45 on weekdays: turn on switch.coffee');
    expect(card('coffee').getByTestId('rule-state').textContent).toBe('Running');
    expect(card('coffee').getByTestId('rule-last-run').textContent).toBe('Never run');
    expect(card('echo').getByTestId('rule-state').textContent).toBe('Stopped');
    // It names a sensor that is not there (yet): not plain Active.
    expect(card('garden').getByTestId('rule-state').textContent).toBe('Waiting for sensor.bed_moisture');
    expect(screen.getByTestId('rule-echo').textContent).toContain('Stopped: more than 20 runs within 1000 ms, likely a loop.');
  });

  it('lets an admin switch a rule off and on: the whole rule goes back with enabled flipped', async () => {
    const off = { ...HALL, definition: { ...HALL.definition, enabled: false }, status: 'disabled' as const };
    const { writes } = await renderList('admin', { 'PUT /api/rules/hall': { body: off } });
    const toggle = card('hall').getByRole('switch', { name: 'Hall light on motion enabled' });
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    await fireEvent.click(toggle);
    await expect.poll(writes).toEqual([{ method: 'PUT', path: '/api/rules/hall', body: { ...HALL.definition, enabled: false } }]);
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    expect(card('hall').getByTestId('rule-state').textContent).toBe('Off');
    expect(screen.getByRole('link', { name: 'New rule' }).getAttribute('href')).toBe('/rules/new');
  });

  it("shows why the hub refused a switch, on that rule's card", async () => {
    await renderList('admin', { 'PUT /api/rules/coffee': { status: 403, body: { statusCode: 403, message: 'Forbidden resource' } } });
    await fireEvent.click(card('coffee').getByRole('switch'));
    expect((await card('coffee').findByRole('alert')).textContent).toBe('Forbidden resource');
    expect(card('coffee').getByRole('switch').getAttribute('aria-checked')).toBe('false');
  });

  it('gives a person with the user role no switches and no New rule', async () => {
    await renderList('user');
    expect(screen.queryAllByRole('switch')).toEqual([]);
    expect(screen.queryByRole('link', { name: 'New rule' })).toBeNull();
  });
});
