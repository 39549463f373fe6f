import type { RuleTraceDto } from '@hearth/api-types';
import { fireEvent, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { entity, renderSignedIn, rule, type Routes } from '../../lib/testing/fixtures.js';
import RuleDetail from './RuleDetail.svelte';

const RULE = rule('hall', {
  name: 'Hall light on motion',
  enabled: true,
  mode: 'restart',
  triggers: [{ type: 'state', entityId: 'binary_sensor.hall_motion', to: 'on' }],
  conditions: [{ type: 'sun', after: 'sunset', before: 'sunrise' }],
  actions: [
    { type: 'command', entityId: 'light.hall', command: { on: true } },
    { type: 'delay', duration: '5m' },
    { type: 'command', entityId: 'light.hall', command: { on: false } },
  ],
});
const TRACES: RuleTraceDto[] = [
  {
    id: 2,
    ruleId: 'hall',
    startedAt: '2026-11-26T19:36:00.000Z',
    finishedAt: '2026-11-26T19:36:30.020Z',
    trigger: { index: 0, type: 'state', description: 'binary_sensor.hall_motion changed from "off" to "on"' },
    conditions: [{ path: 'conditions[0]', type: 'sun', result: true, detail: 'sunrise 08:18, sunset 16:36' }],
    actions: [
      { path: 'actions[0]', type: 'command', result: 'ok', startedAt: '2026-11-26T19:36:00.000Z', durationMs: 3, entityId: 'light.hall', command: { on: true } },
      { path: 'actions[1]', type: 'delay', result: 'error', startedAt: '2026-11-26T19:36:00.003Z', durationMs: 30_017, error: 'light.hall did not answer within 30 s' },
    ],
    result: 'error',
    error: 'actions[1]: light.hall did not answer within 30 s',
  },
  {
    id: 1,
    ruleId: 'hall',
    startedAt: '2026-11-26T12:00:00.000Z',
    finishedAt: '2026-11-26T12:00:00.001Z',
    trigger: { index: null, type: 'manual', description: 'run by hand' },
    conditions: [],
    actions: [],
    result: 'conditions-failed',
  },
];

async function renderDetail(role: 'admin' | 'user', routes: Routes = {}) {
  const page = await renderSignedIn(RuleDetail, role, {
    props: { id: 'hall' },
    routes: { 'GET /api/rules/hall': { body: RULE }, 'GET /api/rules/hall/traces': { body: TRACES }, ...routes },
  });
  await screen.findByRole('heading', { name: 'Hall light on motion' });
  return page;
}

describe('RuleDetail', () => {
  it('says what the rule does and shows its runs step by step, newest first', async () => {
    await renderDetail('user');
    expect(screen.getByTestId('rule-summary').textContent).toBe(
      'When binary_sensor.hall_motion turns on, if after sunset and before sunrise: turn on light.hall, wait 5 min, turn off light.hall',
    );
    const [newest, oldest] = screen.getAllByTestId('trace');
    expect(newest!.querySelector('details')!.open).toBe(true);
    expect(within(newest!).getByTestId('trace-trigger').textContent).toBe('Trigger 1: binary_sensor.hall_motion changed from "off" to "on"');
    expect(newest!.textContent).toContain('held Condition 1 (sun): sunrise 08:18, sunset 16:36');
    expect(within(newest!).getAllByTestId('trace-action').map((step) => step.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
      'ok Action 1 (command) · 3 ms turn on light.hall',
      'error Action 2 (delay) · 30.0 s light.hall did not answer within 30 s',
    ]);
    expect(newest!.textContent).toContain('Failed');
    expect(within(oldest!).getByTestId('trace-trigger').textContent).toBe('By hand: run by hand');
    expect(oldest!.textContent).toContain('Conditions not met');
    expect(screen.queryByRole('button', { name: 'Run now' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.getByTestId('rule-state').textContent).toBe('Active');
    expect(screen.queryByTestId('rule-waiting')).toBeNull();
  });

  it('names the entity and the command each step touched, by the name the page knows it by', async () => {
    await renderSignedIn(RuleDetail, 'user', {
      props: { id: 'hall' },
      routes: { 'GET /api/rules/hall': { body: RULE }, 'GET /api/rules/hall/traces': { body: TRACES } },
      entities: [entity({ id: 'light.hall', name: 'Hall light' })],
    });
    const [newest] = await screen.findAllByTestId('trace');
    expect(within(newest!).getAllByTestId('trace-command').map((command) => command.textContent)).toEqual(['turn on Hall light']);
  });

  it('says what the rule waits for instead of plain Active', async () => {
    await renderDetail('user', { 'GET /api/rules/hall': { body: { ...RULE, waitingFor: ['binary_sensor.hall_motion', 'light.hall'] } } });
    expect(screen.getByTestId('rule-state').textContent).toBe('Waiting for binary_sensor.hall_motion and 1 more');
    expect(screen.getByTestId('rule-waiting').textContent!.replace(/\s+/g, ' ').trim()).toBe(
      'Waiting for binary_sensor.hall_motion, light.hall: they do not exist (yet, or any more). The rule does nothing with them until they appear.',
    );
  });

  it('runs the rule now for an admin', async () => {
    const { writes } = await renderDetail('admin', { 'POST /api/rules/hall/run': { status: 202 } });
    await fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    await expect.poll(writes).toEqual([{ method: 'POST', path: '/api/rules/hall/run', body: {} }]);
    expect((await screen.findByRole('status')).textContent).toContain('Started');
  });

  it("says why the hub refused a run", async () => {
    await renderDetail('admin', { 'POST /api/rules/hall/run': { status: 409, body: { statusCode: 409, message: 'the rule is running and its mode (single) refuses another run now' } } });
    await fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect((await screen.findByRole('alert')).textContent).toContain('refuses another run now');
  });

  it('deletes only after asking, then goes back to the list', async () => {
    const { writes, router } = await renderDetail('admin', { 'DELETE /api/rules/hall': { status: 204 } });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(writes()).toEqual([]);
    const confirm = screen.getByRole('group', { name: 'Delete Hall light on motion?' });
    await fireEvent.click(within(confirm).getByRole('button', { name: 'Keep' }));
    expect(screen.queryByRole('group', { name: 'Delete Hall light on motion?' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Delete rule' }));
    await expect.poll(writes).toEqual([{ method: 'DELETE', path: '/api/rules/hall', body: undefined }]);
    expect(router.path).toBe('/rules');
  });
});
