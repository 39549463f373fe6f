import { parseRule } from '@hearth/rules';
import { fireEvent, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { entity, renderSignedIn, rule, type Routes } from '../../lib/testing/fixtures.js';
import RuleEditor from './RuleEditor.svelte';

const ENTITIES = [
  entity({ id: 'switch.wall', name: 'Wall switch', area: 'Hall', state: 'off', commands: ['on'] }),
  entity({ id: 'light.lamp', name: 'Lamp', area: 'Hall', state: 'off', commands: ['on', 'brightness'] }),
  entity({ id: 'sensor.hall_temperature', name: 'Hall temperature', area: 'Hall', state: 21 }),
  entity({ id: 'valve.garden', name: 'Garden valve', area: 'Garden', state: 'closed', commands: ['open', 'stop'] }),
  entity({
    id: 'climate.living',
    name: 'Thermostat',
    area: 'Living room',
    state: 'off',
    unit: '°C',
    commands: ['targetTemperature', 'hvacMode'],
    limits: { targetTemperature: { min: 5, max: 30, step: 0.5 }, hvacMode: { options: ['off', 'heat', 'heat_cool'] } },
  }),
  entity({ id: 'cover.blind', name: 'Blind', area: 'Living room', state: 'open', commands: ['open', 'stop', 'position'] }),
  entity({ id: 'select.scene', name: 'Scene', area: 'Living room', state: 'off', commands: ['value'], limits: { value: { options: ['off', 'movie'] } } }),
  entity({ id: 'button.bell', name: 'Bell', area: 'Hall', commands: ['press'] }),
];

const SAVED = rule('r1', {
  name: 'Lamp follows the switch',
  enabled: true,
  mode: 'single',
  triggers: [{ type: 'state', entityId: 'switch.wall', to: 'on' }],
  conditions: [],
  actions: [
    { type: 'if', conditions: [{ type: 'state', entityId: 'switch.wall', equals: 'on' }], then: [{ type: 'delay', duration: '5m' }] },
    { type: 'command', entityId: 'light.lamp', command: { on: true } },
  ],
});

const renderEditor = (role: 'admin' | 'user', { id, routes = {} }: { id?: string; routes?: Routes } = {}) =>
  renderSignedIn(RuleEditor, role, {
    props: { id },
    entities: ENTITIES,
    routes: {
      'GET /api/devices': { body: [{ id: 'A4CF12', name: 'Hall plug', manufacturer: null, model: null, area: 'Hall', transport: 'mqtt', available: true, lastSeen: null, entityIds: [] }] },
      'GET /api/rules/r1': { body: SAVED },
      ...routes,
    },
  });

const item = (testId: string) => within(screen.getByTestId(testId));
const choose = (element: HTMLElement, value: string) => fireEvent.change(element, { target: { value } });
const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } });

describe('RuleEditor', () => {
  beforeEach(() => history.replaceState(null, '', '/rules/new'));

  it('builds the rule JSON from the form and opens the saved rule', async () => {
    const { writes, router } = await renderEditor('admin', { routes: { 'POST /api/rules': { status: 201, body: { ...SAVED, id: 'r9' } } } });
    await type(screen.getByLabelText('Name'), 'Lamp follows the switch');
    await choose(item('trigger-0').getByLabelText('Entity'), 'switch.wall');
    // An on/off entity gets on/off to choose from.
    await choose(item('trigger-0').getByLabelText('To'), 'on');

    await fireEvent.click(screen.getByRole('button', { name: 'Add a condition' }));
    await choose(item('condition-0').getByLabelText('What'), 'time');
    await type(item('condition-0').getByLabelText('From'), '22:00');
    await type(item('condition-0').getByLabelText('Until'), '06:00');
    await fireEvent.click(item('condition-0').getByLabelText('Sat'));
    await fireEvent.click(item('condition-0').getByLabelText('Sun'));

    await choose(item('action-0').getByLabelText('Entity'), 'light.lamp');
    await choose(item('action-0').getByLabelText('Do'), 'dim');
    await type(item('action-0').getByLabelText('Brightness'), '40');
    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await choose(item('action-1').getByLabelText('What'), 'delay');
    await type(item('action-1').getByLabelText('Wait'), '5');
    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await choose(item('action-2').getByLabelText('What'), 'notify');
    await type(item('action-2').getByLabelText('Message'), 'Lamp on');
    await fireEvent.click(screen.getByRole('button', { name: 'Move action 3 up' }));

    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toEqual([
      {
        method: 'POST',
        path: '/api/rules',
        body: {
          name: 'Lamp follows the switch',
          enabled: true,
          mode: 'single',
          triggers: [{ type: 'state', entityId: 'switch.wall', to: 'on' }],
          conditions: [{ type: 'time', after: '22:00', before: '06:00', weekdays: ['sat', 'sun'] }],
          actions: [
            { type: 'command', entityId: 'light.lamp', command: { on: true, brightness: 102 } },
            { type: 'notify', message: 'Lamp on' },
            { type: 'delay', duration: '5m' },
          ],
        },
      },
    ]);
    expect(router.path).toBe('/rules/r9');
  });

  it('opens a valve and sets a thermostat from the form: the fields follow what each entity takes', async () => {
    const { writes } = await renderEditor('admin', { routes: { 'POST /api/rules': { status: 201, body: { ...SAVED, id: 'r9' } } } });
    await type(screen.getByLabelText('Name'), 'Water the garden');
    await choose(item('trigger-0').getByLabelText('Entity'), 'switch.wall');
    const options = (select: HTMLElement) => [...(select as HTMLSelectElement).options].map((option) => option.textContent);

    // Every commandable entity is offered, not only lights and switches; sensors are not.
    expect(options(item('action-0').getByLabelText('Entity'))).toEqual(['Choose…', 'Garden valve', 'Bell', 'Lamp', 'Wall switch', 'Blind', 'Scene', 'Thermostat']);
    expect(item('action-0').getByRole('option', { name: 'Control a device' })).toBeTruthy();

    await choose(item('action-0').getByLabelText('Entity'), 'valve.garden');
    const verb = item('action-0').getByLabelText('Do') as HTMLSelectElement;
    // The valve does not take on/off: its first verb is chosen, and only its verbs are offered (no position: it has none).
    expect(verb.value).toBe('open');
    expect(options(verb)).toEqual(['Open', 'Close', 'Stop']);

    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await choose(item('action-1').getByLabelText('Entity'), 'climate.living');
    expect(options(item('action-1').getByLabelText('Do'))).toEqual(['Set']);
    const target = item('action-1').getByLabelText('Target');
    expect(item('action-1').getByText('5–30 °C, steps of 0.5')).toBeTruthy();
    await type(target, '35');
    expect(target.getAttribute('aria-invalid')).toBe('true');
    await type(target, '21,5');
    expect(target.getAttribute('aria-invalid')).toBe('false');
    const mode = item('action-1').getByLabelText('Mode');
    expect(options(mode)).toEqual(['unchanged', 'Off', 'Heat', 'Heat cool']);
    await choose(mode, 'heat');

    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await choose(item('action-2').getByLabelText('Entity'), 'select.scene');
    await choose(item('action-2').getByLabelText('Value'), 'movie');
    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await choose(item('action-3').getByLabelText('Entity'), 'button.bell');

    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toHaveLength(1);
    const body = writes()[0]!.body as { actions: unknown[] };
    expect(body.actions).toEqual([
      { type: 'command', entityId: 'valve.garden', command: { open: true } },
      { type: 'command', entityId: 'climate.living', command: { targetTemperature: 21.5, hvacMode: 'heat' } },
      { type: 'command', entityId: 'select.scene', command: { value: 'movie' } },
      { type: 'command', entityId: 'button.bell', command: { press: true } },
    ]);
    // What the hub checks a rule with takes it as it is.
    expect(parseRule(body)).toMatchObject({ ok: true });
  });

  it("shows the hub's problem with a command's value at its field", async () => {
    const blinds = rule('r2', {
      name: 'Blinds down',
      enabled: true,
      mode: 'single',
      triggers: [{ type: 'sun', event: 'sunset' }],
      conditions: [],
      actions: [{ type: 'command', entityId: 'cover.blind', command: { position: 30 } }],
    });
    const errors = [{ path: 'actions[0].command.position', message: 'must be a number from 0 (closed) to 100 (open)' }];
    await renderEditor('admin', {
      id: 'r2',
      routes: { 'GET /api/rules/r2': { body: blinds }, 'PUT /api/rules/r2': { status: 400, body: { statusCode: 400, message: ['x'], errors } } },
    });
    const position = (await screen.findByLabelText('Position')) as HTMLInputElement;
    expect(position.value).toBe('30');
    expect((item('action-0').getByLabelText('Do') as HTMLSelectElement).value).toBe('set');
    expect(item('action-0').getByText('0–100 %')).toBeTruthy();
    await type(position, '130');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await screen.findByTestId('rule-problems');
    expect(position.getAttribute('aria-invalid')).toBe('true');
    expect(position.getAttribute('aria-describedby')).toContain(`${position.id}-problem`);
    expect(document.getElementById(`${position.id}-problem`)?.textContent).toBe('must be a number from 0 (closed) to 100 (open)');
    // Shown at the field, so not again on the item.
    expect(item('action-0').queryByText(/actions\[0\]\.command\.position/)).toBeNull();
  });

  it("shows the hub's problem with what a verb sets at the verb's choice, and leads there", async () => {
    const errors = [{ path: 'actions[0].command.open', message: 'the valve is out of service' }];
    const { writes } = await renderEditor('admin', { routes: { 'POST /api/rules': { status: 400, body: { statusCode: 400, message: ['x'], errors } } } });
    await choose(item('action-0').getByLabelText('Entity'), 'valve.garden');
    await choose(item('action-0').getByLabelText('Do'), 'close');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toHaveLength(1);
    expect((writes()[0]!.body as { actions: unknown[] }).actions).toEqual([{ type: 'command', entityId: 'valve.garden', command: { open: false } }]);

    const report = await screen.findByTestId('rule-problems');
    const verb = item('action-0').getByLabelText('Do');
    expect(verb.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(verb.getAttribute('aria-describedby')!)?.textContent).toBe('the valve is out of service');
    expect(item('action-0').queryByText(/actions\[0\]\.command\.open/)).toBeNull();
    await fireEvent.click(within(report).getByRole('button', { name: 'actions[0].command.open' }));
    expect(document.activeElement).toBe(verb);
  });

  it("shows the hub's problems at their fields, leads to them, and keeps what was typed", async () => {
    const errors = [
      { path: 'triggers[0].entityId', message: 'required' },
      { path: 'triggers[0].for', message: 'must be a duration such as "90s", "5m" or "1h30m"' },
      { path: 'actions[0].command', message: 'sets nothing: give on, brightness, colorTemp or rgb' },
    ];
    const { writes, router } = await renderEditor('admin', {
      routes: { 'POST /api/rules': { status: 400, body: { statusCode: 400, error: 'Bad Request', message: errors.map((e) => `${e.path}: ${e.message}`), errors } } },
    });
    await type(screen.getByLabelText('Name'), 'Half a rule');
    await type(item('trigger-0').getByLabelText('For at least'), 'a while');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    const report = await screen.findByTestId('rule-problems');
    expect(report.getAttribute('role')).toBe('alert');
    expect(report.textContent).toContain('The hub found 3 problems');
    const entityField = item('trigger-0').getByLabelText('Entity');
    expect(entityField.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(entityField.getAttribute('aria-describedby')!)?.textContent).toBe('required');
    const forField = item('trigger-0').getByLabelText('For at least');
    expect(document.getElementById(forField.getAttribute('aria-describedby')!)?.textContent).toContain('must be a duration');
    // A problem no field shows goes on its item.
    expect(screen.getByTestId('action-0').textContent).toContain('actions[0].command: sets nothing');

    await fireEvent.click(within(report).getByRole('button', { name: 'triggers[0].entityId' }));
    expect(document.activeElement).toBe(entityField);
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Half a rule');
    expect((forField as HTMLInputElement).value).toBe('a while');
    expect(router.path).toBe('/rules/new');
    expect(writes()).toHaveLength(1);
  });

  it('edits the JSON, saves it as written, and points at the problems in it', async () => {
    const { writes } = await renderEditor('admin', {
      id: 'r1',
      routes: { 'PUT /api/rules/r1': { status: 400, body: { statusCode: 400, message: ['x'], errors: [{ path: 'actions[0].then[0].duration', message: 'must be at most 24 hours' }] } } },
    });
    // What the form has no fields for stays as written, in words.
    expect((await screen.findByTestId('action-0')).textContent).toContain('Written in JSON: (if Wall switch is on: wait 5 min)');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Lamp follows the switch');

    await fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    const textarea = screen.getByLabelText('Rule JSON') as HTMLTextAreaElement;
    expect(JSON.parse(textarea.value)).toEqual(SAVED.definition);
    const edited = { ...SAVED.definition, actions: [{ type: 'if', conditions: [], then: [{ type: 'delay', duration: '2d' }] }] };
    await type(textarea, JSON.stringify(edited, null, 2));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toEqual([{ method: 'PUT', path: '/api/rules/r1', body: edited }]);

    const report = await screen.findByTestId('rule-problems');
    expect(report.textContent).toMatch(/actions\[0\]\.then\[0\]\.duration \(line 20\):\s*must be at most 24 hours/);
    await fireEvent.click(within(report).getByRole('button', { name: 'actions[0].then[0].duration' }));
    expect(document.activeElement).toBe(textarea);
    expect(textarea.value.slice(textarea.selectionStart, textarea.selectionEnd)).toBe('"2d"');

    // Not JSON: said so, nothing sent, the text kept.
    await type(textarea, '{"name": ');
    await fireEvent.click(screen.getByRole('button', { name: 'Form' }));
    expect(screen.getByText(/This is not valid JSON yet/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(writes()).toHaveLength(1);
    expect(textarea.value).toBe('{"name": ');

    await type(textarea, JSON.stringify({ ...SAVED.definition, name: 'Renamed' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Form' }));
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Renamed');
  });

  it('shows a person with the user role the rule, read-only', async () => {
    const { calls } = await renderEditor('user', { id: 'r1' });
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    expect(name.value).toBe('Lamp follows the switch');
    expect(name.matches(':disabled')).toBe(true);
    expect(item('trigger-0').getByLabelText('Entity').matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add a trigger' })?.matches(':disabled') ?? true).toBe(true);
    expect(screen.getByRole('note').textContent).toContain('Only an admin can change rules');
    await fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    expect((screen.getByLabelText('Rule JSON') as HTMLTextAreaElement).readOnly).toBe(true);
    expect(calls.map((call) => call.path)).not.toContain('/api/devices');
  });
});
