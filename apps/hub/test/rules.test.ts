import type { RuleDto, RuleTraceDto, SavedRuleDto } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { RulesRepository, TRACES_KEPT } from '../src/rules/rules.repository.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, useTestHub, type TestHub } from './support/test-hub.js';

// A Tasmota plug and a motion sensor, announced with Home Assistant discovery as the devices do.
const PLUG = {
  topic: 'homeassistant/switch/A4CF12_RL_1/config',
  config: {
    name: 'Hall Plug',
    cmd_t: '~cmnd/POWER',
    stat_t: '~tele/STATE',
    val_tpl: '{{value_json.POWER}}',
    pl_on: 'ON',
    pl_off: 'OFF',
    avty_t: '~tele/LWT',
    pl_avail: 'Online',
    pl_not_avail: 'Offline',
    uniq_id: 'A4CF12_RL_1',
    dev: { ids: ['A4CF12'], name: 'Hall Plug' },
    '~': 'tasmota_A4CF12/',
  },
};
const MOTION = {
  topic: 'homeassistant/binary_sensor/hall_motion/config',
  config: { name: 'Hall Motion', state_topic: 'hall/motion', payload_on: 'ON', payload_off: 'OFF', unique_id: 'hall-motion' },
};

const lightOnMotion = {
  name: 'Plug on motion',
  triggers: [{ type: 'state', entityId: 'binary_sensor.hall_motion', to: 'on' }],
  actions: [{ type: 'command', entityId: 'switch.hall_plug', command: { on: true } }],
};
const echo = (from: string, to: string) => ({
  name: `Echo ${from}`,
  triggers: [{ type: 'mqtt', topic: from }],
  actions: [{ type: 'publish', topic: to, payload: '{{ trigger.payload_json.action }} from {{ trigger.topic }}', qos: 1 }],
});

async function create(hub: TestHub, rule: object): Promise<SavedRuleDto> {
  const response = await hub.api('/api/rules', { body: rule });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()) as SavedRuleDto;
}

const traces = async (hub: TestHub, id: string): Promise<RuleTraceDto[]> => (await hub.api(`/api/rules/${id}/traces`)).json() as Promise<RuleTraceDto[]>;

describe('rules', () => {
  const hub = useTestHub();
  let device: MqttClient;
  beforeAll(async () => {
    device = await connectClient(hub.mqttUrl, { clientId: 'rules-devices' });
    for (const { topic, config } of [PLUG, MOTION]) await device.publishAsync(topic, JSON.stringify(config), { qos: 1, retain: true });
    // expect.poll is for tests only: wait here by hand until both entities exist.
    const ids = async () => ((await (await hub.api('/api/entities')).json()) as Array<{ id: string }>).map((e) => e.id).sort().join();
    for (let tries = 0; (await ids()) !== 'binary_sensor.hall_motion,switch.hall_plug'; tries++) {
      if (tries > 100) throw new Error('the devices were never discovered');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await device.publishAsync('hall/motion', 'OFF', { qos: 1 });
  });
  afterAll(async () => {
    await device.endAsync();
  });

  it('turns the plug on over MQTT when the motion sensor reports motion, and keeps the trace', async () => {
    const rule = await create(hub, lightOnMotion);
    expect(rule).toMatchObject({ definition: { ...lightOnMotion, enabled: true, mode: 'single', conditions: [] }, status: 'active', stoppedReason: null });
    const plug = collect(device);
    await device.subscribeAsync('tasmota_A4CF12/cmnd/POWER');

    await device.publishAsync('hall/motion', 'ON', { qos: 1 });
    expect((await plug.waitFor(1))[0]).toMatchObject({ topic: 'tasmota_A4CF12/cmnd/POWER', payload: 'ON' });
    await expect.poll(() => traces(hub, rule.id)).toHaveLength(1);
    const [trace] = await traces(hub, rule.id);
    expect(trace).toMatchObject({
      ruleId: rule.id,
      trigger: { index: 0, type: 'state', description: 'binary_sensor.hall_motion changed from "off" to "on"', entityId: 'binary_sensor.hall_motion' },
      actions: [{ path: 'actions[0]', type: 'command', result: 'ok', entityId: 'switch.hall_plug', command: { on: true } }],
      result: 'done',
    });
    expect(await (await hub.api(`/api/rules/${rule.id}`)).json()).toMatchObject({ running: 0, lastRun: { startedAt: trace.startedAt, finishedAt: trace.finishedAt, result: 'done' } });
    await device.unsubscribeAsync('tasmota_A4CF12/cmnd/POWER');
    await device.publishAsync('hall/motion', 'OFF', { qos: 1 });
    expect((await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('saves a rule that names entities and devices not there yet, with a warning each, and shows it waiting for them until they come and after they go', async () => {
    const porch = { topic: 'homeassistant/sensor/porch_lux/config', config: { name: 'Lux', state_topic: 'porch/lux', unique_id: 'porch-lux', device: { identifiers: ['porch-node'], name: 'Porch' } } };
    const body = {
      name: 'Porch light at dusk',
      triggers: [
        { type: 'threshold', entityId: 'sensor.porch_lux', below: 10 },
        { type: 'offline', deviceId: 'porch-node' },
      ],
      actions: [{ type: 'command', entityId: 'switch.hall_plug', command: { on: true } }],
    };
    const response = await hub.api('/api/rules', { body });
    expect(response.status).toBe(201);
    const saved = (await response.json()) as SavedRuleDto;
    expect(saved).toMatchObject({ status: 'active', waitingFor: ['sensor.porch_lux', 'porch-node'] });
    expect(saved.warnings).toEqual([
      { path: 'triggers[0].entityId', message: 'entity sensor.porch_lux does not exist (yet): the rule waits for it' },
      { path: 'triggers[1].deviceId', message: 'device porch-node does not exist (yet): the rule waits for it' },
    ]);
    const waitingFor = async () => ((await (await hub.api('/api/rules')).json()) as RuleDto[]).find((r) => r.id === saved.id)!.waitingFor;
    expect(await waitingFor()).toEqual(['sensor.porch_lux', 'porch-node']);

    // The sensor is announced: nothing to wait for, and saving again warns of nothing.
    await device.publishAsync(porch.topic, JSON.stringify(porch.config), { qos: 1, retain: true });
    await expect.poll(waitingFor).toEqual([]);
    const again = (await (await hub.api(`/api/rules/${saved.id}`, { method: 'PUT', body })).json()) as SavedRuleDto;
    expect(again).toMatchObject({ waitingFor: [], warnings: [] });
    // And it works with what it waited for: the sensor's reading fires it.
    await device.publishAsync('porch/lux', '4', { qos: 1 });
    await expect.poll(() => traces(hub, saved.id)).toHaveLength(1);
    expect((await traces(hub, saved.id))[0]).toMatchObject({ trigger: { type: 'threshold', entityId: 'sensor.porch_lux' }, result: 'done' });

    // It is removed (an empty retained config): the rule waits for it again.
    await device.publishAsync(porch.topic, '', { qos: 1, retain: true });
    await expect.poll(waitingFor).toEqual(['sensor.porch_lux', 'porch-node']);
    expect(((await (await hub.api(`/api/rules/${saved.id}`)).json()) as RuleDto).waitingFor).toEqual(['sensor.porch_lux', 'porch-node']);
    await hub.api(`/api/rules/${saved.id}`, { method: 'DELETE' });
  });

  it('answers an MQTT message with a templated publish', async () => {
    const rule = await create(hub, echo('buttons/+/action', 'house/echo'));
    const listener = await connectClient(hub.mqttUrl);
    const inbox = collect(listener);
    await listener.subscribeAsync('house/echo', { qos: 1 });
    await device.publishAsync('buttons/bedside/action', JSON.stringify({ action: 'double' }));
    expect((await inbox.waitFor(1))[0]).toMatchObject({ topic: 'house/echo', payload: 'double from buttons/bedside/action' });
    expect((await inbox.waitFor(1))[0].packet.qos).toBe(1);
    await listener.endAsync();
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('answers bad rule JSON with 400 and every problem with its path', async () => {
    const response = await hub.api('/api/rules', { body: { name: 'x', triggers: [{ type: 'state' }], actions: [], colour: 'red' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['colour: unknown key (allowed: name, description, enabled, mode, triggers, conditions, actions)', 'triggers[0].entityId: required', 'actions: must not be empty'],
      errors: [
        { path: 'colour', message: 'unknown key (allowed: name, description, enabled, mode, triggers, conditions, actions)' },
        { path: 'triggers[0].entityId', message: 'required' },
        { path: 'actions', message: 'must not be empty' },
      ],
    });
    expect(((await (await hub.api('/api/rules', { body: [1, 2] })).json()) as { message: string[] }).message).toEqual(['the rule must be an object']);
    const notJson = await fetch(`${hub.httpUrl}/api/rules`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.adminToken()}` }, body: '{"name":' });
    expect(notJson.status).toBe(400);

    const rule = await create(hub, lightOnMotion);
    expect((await hub.api(`/api/rules/${rule.id}`, { method: 'PUT', body: { ...lightOnMotion, mode: 'often' } })).status).toBe(400);
    expect(((await (await hub.api(`/api/rules/${rule.id}`)).json()) as RuleDto).definition.mode).toBe('single');
    for (const [method, path] of [['GET', '/api/rules/nope'], ['PUT', '/api/rules/nope'], ['DELETE', '/api/rules/nope'], ['POST', '/api/rules/nope/run'], ['GET', '/api/rules/nope/traces']]) {
      expect((await hub.api(path, { method, body: method === 'PUT' ? lightOnMotion : undefined })).status, `${method} ${path}`).toBe(404);
    }
    expect((await hub.api(`/api/rules/${rule.id}/run`, { body: { conditions: 'yes' } })).status).toBe(400);
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('lets people with the user role read rules and traces, but not write or run them', async () => {
    const rule = await create(hub, lightOnMotion);
    await hub.app.get(Accounts).addUser({ username: 'carol', password: 'carol-password', role: 'user' });
    const login = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: 'carol-password' }) });
    const headers = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    expect((await hub.api('/api/rules', { headers })).status).toBe(200);
    expect((await hub.api(`/api/rules/${rule.id}`, { headers })).status).toBe(200);
    expect((await hub.api(`/api/rules/${rule.id}/traces`, { headers })).status).toBe(200);
    expect((await hub.api('/api/rules', { headers, body: lightOnMotion })).status).toBe(403);
    expect((await hub.api(`/api/rules/${rule.id}`, { headers, method: 'PUT', body: { ...lightOnMotion, enabled: false } })).status).toBe(403);
    expect((await hub.api(`/api/rules/${rule.id}/run`, { headers, body: {} })).status).toBe(403);
    expect((await hub.api(`/api/rules/${rule.id}`, { headers, method: 'DELETE' })).status).toBe(403);
    expect(((await (await hub.api(`/api/rules/${rule.id}`)).json()) as RuleDto).definition.enabled).toBe(true);
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('shows people restricted to areas only the rules whose entities and devices are all in their areas', async () => {
    for (const id of ['binary_sensor.hall_motion', 'switch.hall_plug']) expect((await hub.api(`/api/entities/${id}`, { method: 'PATCH', body: { area: 'Hall' } })).status).toBe(200);
    const inHall = await create(hub, lightOnMotion);
    const elsewhere = await create(hub, { ...lightOnMotion, name: 'Porch too', actions: [...lightOnMotion.actions, { type: 'command', entityId: 'light.porch', command: { on: true } }] });
    const plugOffline = await create(hub, { ...lightOnMotion, name: 'Plug offline', triggers: [{ type: 'offline', deviceId: 'A4CF12' }] });
    await hub.app.get(Accounts).addUser({ username: 'hallway', password: 'hallway-password', role: 'user', areas: ['Hall'] });
    const login = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hallway', password: 'hallway-password' }) });
    const headers = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };

    const listed = ((await (await hub.api('/api/rules', { headers })).json()) as RuleDto[]).map((rule) => rule.id);
    expect(listed).toContain(inHall.id);
    expect(listed).not.toContain(elsewhere.id);
    // The plug's device has no area of its own, though its entity has one.
    expect(((await (await hub.api('/api/devices')).json()) as Array<{ id: string; area: string | null }>).find((d) => d.id === 'A4CF12')).toMatchObject({ area: null });
    expect(listed).not.toContain(plugOffline.id);
    for (const path of [`/api/rules/${elsewhere.id}`, `/api/rules/${elsewhere.id}/traces`]) expect((await hub.api(path, { headers })).status, path).toBe(404);
    expect((await hub.api(`/api/rules/${inHall.id}/traces`, { headers })).status).toBe(200);
    expect(((await (await hub.api('/api/rules')).json()) as RuleDto[]).map((rule) => rule.id)).toEqual(expect.arrayContaining([inHall.id, elsewhere.id, plugOffline.id]));
    for (const rule of [inHall, elsewhere, plugOffline]) await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
    for (const id of ['binary_sensor.hall_motion', 'switch.hall_plug']) await hub.api(`/api/entities/${id}`, { method: 'PATCH', body: { area: null } });
  });

  it('runs a rule by hand: the actions, or the conditions first', async () => {
    const rule = await create(hub, { ...lightOnMotion, enabled: false, conditions: [{ type: 'state', entityId: 'binary_sensor.hall_motion', equals: 'on' }] });
    expect(rule.status).toBe('disabled');
    expect((await hub.api(`/api/rules/${rule.id}/run`, { body: { conditions: true } })).status).toBe(202);
    await expect.poll(() => traces(hub, rule.id)).toHaveLength(1);
    expect((await hub.api(`/api/rules/${rule.id}/run`, { method: 'POST' })).status).toBe(202);
    await expect.poll(() => traces(hub, rule.id)).toHaveLength(2);
    expect((await traces(hub, rule.id)).map((t) => `${t.trigger.description}: ${t.result}`)).toEqual(['run by hand: done', 'run by hand: conditions-failed']);
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('says how many runs are in progress and how the last one ended', async () => {
    const slow = { name: 'Slow', triggers: [{ type: 'mqtt', topic: 'slow/go' }], actions: [{ type: 'delay', duration: '1h' }] };
    const rule = await create(hub, slow);
    expect(rule).toMatchObject({ running: 0, lastRun: null });
    const read = async () => (await (await hub.api(`/api/rules/${rule.id}`)).json()) as RuleDto;
    expect((await hub.api(`/api/rules/${rule.id}/run`, { body: {} })).status).toBe(202);
    await expect.poll(async () => (await read()).running).toBe(1);
    // Saving cancels the run in its delay.
    expect((await hub.api(`/api/rules/${rule.id}`, { method: 'PUT', body: slow })).status).toBe(200);
    await expect.poll(read).toMatchObject({ running: 0, lastRun: { result: 'cancelled' } });
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('applies an edit at once, and a deleted rule stops', async () => {
    const rule = await create(hub, echo('edit/in', 'edit/out'));
    const listener = await connectClient(hub.mqttUrl);
    const inbox = collect(listener);
    await listener.subscribeAsync('edit/#');
    expect((await hub.api(`/api/rules/${rule.id}`, { method: 'PUT', body: echo('edit/in', 'edit/changed') })).status).toBe(200);
    await device.publishAsync('edit/in', '{"action":"a"}');
    await inbox.waitFor(2);
    expect(inbox.messages.map((m) => m.topic)).toEqual(['edit/in', 'edit/changed']);
    expect((await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hub.api(`/api/rules/${rule.id}`)).status).toBe(404);
    await device.publishAsync('edit/in', '{"action":"b"}');
    await inbox.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.messages.map((m) => m.topic)).toEqual(['edit/in', 'edit/changed', 'edit/in']);
    await listener.endAsync();
  });

  it('stops a rule that triggers itself in a loop, and says so in its status and traces', async () => {
    const rule = await create(hub, { ...echo('loop/x', 'loop/x'), mode: 'parallel' });
    await device.publishAsync('loop/x', '{"action":"go"}');
    await expect.poll(async () => ((await (await hub.api(`/api/rules/${rule.id}`)).json()) as RuleDto).status).toBe('stopped');
    const stopped = (await (await hub.api(`/api/rules/${rule.id}`)).json()) as RuleDto;
    expect(stopped.stoppedReason).toMatch(/likely a loop/);
    await expect.poll(async () => (await traces(hub, rule.id)).some((t) => t.result === 'stopped')).toBe(true);
    expect((await hub.api('/api/health')).status).toBe(200);
    // Saving it again starts it afresh.
    expect(((await (await hub.api(`/api/rules/${rule.id}`, { method: 'PUT', body: echo('loop/x', 'loop/y') })).json()) as RuleDto).status).toBe('active');
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('answers a run by hand that loop protection stops with a 409 that says so', async () => {
    const rule = await create(hub, { name: 'Pressed often', triggers: [{ type: 'mqtt', topic: 'never/sent' }], actions: [{ type: 'log', message: 'pressed' }], mode: 'parallel' });
    // At once, so that they fall within loop protection's window however slow the machine.
    const answers = await Promise.all(
      Array.from({ length: 25 }, async () => {
        const response = await hub.api(`/api/rules/${rule.id}/run`, { method: 'POST' });
        return { status: response.status, message: response.status === 409 ? ((await response.json()) as { message: string }).message : undefined };
      }),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(20);
    for (const refused of answers.filter((a) => a.status !== 202)) expect(refused).toMatchObject({ status: 409, message: expect.stringMatching(/^loop protection stopped: more than 20 runs/) });
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('fires when a device goes offline (its last will)', async () => {
    const rule = await create(hub, {
      name: 'Plug lost',
      triggers: [{ type: 'offline', deviceId: 'A4CF12' }],
      actions: [{ type: 'notify', title: 'Hall', message: '{{ trigger.id }} went offline' }],
    });
    const phone = await connectClient(hub.mqttUrl);
    const inbox = collect(phone);
    await phone.subscribeAsync('hearth/notify');
    await device.publishAsync('tasmota_A4CF12/tele/LWT', 'Online', { qos: 1, retain: true });
    await device.publishAsync('tasmota_A4CF12/tele/LWT', 'Offline', { qos: 1, retain: true });
    expect(JSON.parse((await inbox.waitFor(1))[0].payload)).toEqual({ rule: 'Plug lost', ruleId: rule.id, title: 'Hall', message: 'A4CF12 went offline' });
    await phone.endAsync();
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('follows the house location from the settings', async () => {
    const rule = await create(hub, { ...lightOnMotion, conditions: [{ type: 'sun', after: 'sunrise' }] });
    const sunDetail = async (count: number) => {
      await hub.api(`/api/rules/${rule.id}/run`, { body: { conditions: true } });
      await expect.poll(() => traces(hub, rule.id)).toHaveLength(count);
      return (await traces(hub, rule.id))[0].conditions[0].detail;
    };
    expect(await sunDetail(1)).toBe('the house has no location (settings)');
    const location = { latitude: 52.37, longitude: 4.9, timezone: 'Europe/Amsterdam' };
    expect((await hub.api('/api/settings', { method: 'PUT', body: { location } })).status).toBe(200);
    expect(await sunDetail(2)).toMatch(/^sunrise \d\d:\d\d, sunset \d\d:\d\d$/);
    await hub.api('/api/settings', { method: 'PUT', body: { location: null } });
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it(`keeps the last ${TRACES_KEPT} traces of a rule`, async () => {
    const rule = await create(hub, lightOnMotion);
    const repository = hub.app.get(RulesRepository);
    for (let i = 0; i < TRACES_KEPT + 5; i++) {
      const time = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      repository.saveTrace(rule.id, { ruleId: rule.id, startedAt: time, finishedAt: time, trigger: { index: null, type: 'manual', description: `run ${i}` }, conditions: [], actions: [], result: 'done' });
    }
    const kept = await traces(hub, rule.id);
    expect(kept).toHaveLength(TRACES_KEPT);
    expect([kept[0].trigger.description, kept.at(-1)!.trigger.description]).toEqual([`run ${TRACES_KEPT + 4}`, 'run 5']);
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
    expect(repository.traces(rule.id)).toEqual([]);
  });

  it('lists the rule routes in the OpenAPI description', async () => {
    const spec = (await (await hub.api('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/rules', '/api/rules/{id}', '/api/rules/{id}/run', '/api/rules/{id}/traces']));
  });
});

describe('rules across a restart', () => {
  it('come back with their traces and keep working', async () => {
    const first = await startTestHub();
    const { warnings, ...rule } = await create(first, echo('restart/in', 'restart/out'));
    expect(warnings).toEqual([]);
    await first.api(`/api/rules/${rule.id}/run`, { method: 'POST' });
    await expect.poll(() => traces(first, rule.id)).toHaveLength(1);
    const ran = (await (await first.api(`/api/rules/${rule.id}`)).json()) as RuleDto;
    expect(ran).toEqual({ ...rule, lastRun: { startedAt: expect.any(String), finishedAt: expect.any(String), result: 'done' } });
    await first.close();

    const second = await startTestHub({}, first.dataDir);
    try {
      expect(await (await second.api('/api/rules')).json()).toEqual([ran]);
      expect(await traces(second, rule.id)).toHaveLength(1);
      const client = await connectClient(second.mqttUrl);
      const inbox = collect(client);
      await client.subscribeAsync('restart/out');
      await client.publishAsync('restart/in', '{"action":"again"}');
      expect((await inbox.waitFor(1))[0].payload).toBe('again from restart/in');
      await client.endAsync();
    } finally {
      await second.close();
      removeDataDir(first.dataDir);
    }
  });
});
