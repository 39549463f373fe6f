import type { EntityDto, RuleDto } from '@hearth/api-types';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connectClient, type Inbox } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// One discovery config per kind beyond lights and switches, in Home Assistant's format, for a device whose
// firmware answers each command with its new state (as real devices confirm). Real hub, real MQTT.
const device = { ids: 'porch01', name: 'Porch', sa: 'Porch' };
const CONFIGS: Record<string, object> = {
  climate: { name: 'Heater', uniq_id: 'porch_heater', dev: device, curr_temp_t: 'porch/heater/current', temp_cmd_t: 'porch/heater/target/set', temp_stat_t: 'porch/heater/target', mode_cmd_t: 'porch/heater/mode/set', mode_stat_t: 'porch/heater/mode', modes: ['off', 'heat'], min_temp: 10, max_temp: 28, temp_step: 0.5 },
  cover: { name: 'Awning', uniq_id: 'porch_awning', dev: device, cmd_t: 'porch/awning/set', stat_t: 'porch/awning/state', set_pos_t: 'porch/awning/position/set', pos_t: 'porch/awning/position' },
  fan: { name: 'Fan', uniq_id: 'porch_fan', dev: device, cmd_t: 'porch/fan/set', stat_t: 'porch/fan/state', pct_cmd_t: 'porch/fan/speed/set', pct_stat_t: 'porch/fan/speed' },
  lock: { name: 'Gate', uniq_id: 'porch_gate', dev: device, cmd_t: 'porch/gate/set', stat_t: 'porch/gate/state' },
  valve: { name: 'Sprinkler', uniq_id: 'porch_sprinkler', dev: device, cmd_t: 'porch/sprinkler/set', stat_t: 'porch/sprinkler/state' },
  number: { name: 'Chime volume', uniq_id: 'porch_volume', dev: device, cmd_t: 'porch/volume/set', stat_t: 'porch/volume', min: 0, max: 10 },
  select: { name: 'Light scene', uniq_id: 'porch_scene', dev: device, cmd_t: 'porch/scene/set', stat_t: 'porch/scene', ops: ['off', 'welcome', 'party'] },
  button: { name: 'Doorbell test', uniq_id: 'porch_bell', dev: device, cmd_t: 'porch/bell/press' },
};

/** What the porch firmware reports after each command: `<topic>/set` -> `<topic>`, with the lock's and valve's own words. */
const CONFIRMATIONS: Record<string, (payload: string) => [string, string] | undefined> = {
  'porch/heater/target/set': (p) => ['porch/heater/target', p],
  'porch/heater/mode/set': (p) => ['porch/heater/mode', p],
  'porch/awning/set': (p) => ['porch/awning/state', p === 'OPEN' ? 'open' : p === 'CLOSE' ? 'closed' : 'stopped'],
  'porch/awning/position/set': (p) => ['porch/awning/position', p],
  'porch/fan/set': (p) => ['porch/fan/state', p],
  'porch/fan/speed/set': (p) => ['porch/fan/speed', p],
  'porch/gate/set': (p) => ['porch/gate/state', p === 'LOCK' ? 'LOCKED' : 'UNLOCKED'],
  'porch/sprinkler/set': (p) => ['porch/sprinkler/state', p === 'OPEN' ? 'open' : 'closed'],
  'porch/volume/set': (p) => ['porch/volume', p],
  'porch/scene/set': (p) => ['porch/scene', p],
};

describe('climate, cover, fan, lock, valve, number, select and button over MQTT', () => {
  let hub: TestHub;
  let porch: MqttClient;
  let inbox: Inbox;
  beforeAll(async () => {
    hub = await startTestHub();
    porch = await connectClient(hub.mqttUrl, { clientId: 'porch' });
    inbox = collect(porch);
    porch.on('message', (topic, payload) => {
      const confirmation = CONFIRMATIONS[topic]?.(payload.toString());
      if (confirmation) void porch.publishAsync(confirmation[0], confirmation[1], { qos: 1, retain: true });
    });
    await porch.subscribeAsync('porch/#');
    for (const [kind, config] of Object.entries(CONFIGS)) {
      await porch.publishAsync(`homeassistant/${kind}/porch/${kind}/config`, JSON.stringify(config), { qos: 1, retain: true });
    }
  });
  afterAll(async () => {
    await porch.endAsync();
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  const entity = async (id: string): Promise<EntityDto> => (await hub.api(`/api/entities/${id}`)).json() as Promise<EntityDto>;
  const command = async (id: string, body: object): Promise<Response> => hub.api(`/api/entities/${id}/command`, { body });
  /** The payload the porch received on `topic` after `from` messages. */
  const received = async (topic: string, from: number): Promise<string> => {
    await expect.poll(() => inbox.messages.slice(from).some((m) => m.topic === topic), { timeout: 10_000 }).toBe(true);
    return inbox.messages.slice(from).find((m) => m.topic === topic)!.payload;
  };

  it('discovers each kind with the commands it takes, placed in its suggested area', async () => {
    const expected: Record<string, [string, string[]]> = {
      'climate.porch_heater': ['climate', ['targetTemperature', 'hvacMode']],
      'cover.porch_awning': ['cover', ['open', 'stop', 'position']],
      'fan.porch_fan': ['fan', ['on', 'percentage']],
      'lock.porch_gate': ['lock', ['locked']],
      'valve.porch_sprinkler': ['valve', ['open']],
      'number.porch_chime_volume': ['number', ['value']],
      'select.porch_light_scene': ['select', ['value']],
      'button.porch_doorbell_test': ['button', ['press']],
    };
    await expect.poll(async () => ((await (await hub.api('/api/entities')).json()) as EntityDto[]).filter((e) => e.deviceId === 'porch01').length, { timeout: 10_000 }).toBe(8);
    for (const [id, [kind, commands]] of Object.entries(expected)) {
      expect(await entity(id), id).toMatchObject({ kind, commands, area: 'Porch' });
    }
    expect((await entity('climate.porch_heater')).limits).toEqual({ targetTemperature: { min: 10, max: 28, step: 0.5 }, hvacMode: { options: ['off', 'heat'] } });
    expect((await entity('select.porch_light_scene')).limits).toEqual({ value: { options: ['off', 'welcome', 'party'] } });
  });

  it('commands each kind through the REST API in the device format, and takes the state the device confirms', async () => {
    const cases: Array<[string, object, string, string, Partial<EntityDto>]> = [
      ['climate.porch_heater', { targetTemperature: 21.5 }, 'porch/heater/target/set', '21.5', { attributes: { targetTemperature: 21.5 } }],
      ['climate.porch_heater', { hvacMode: 'heat' }, 'porch/heater/mode/set', 'heat', { state: 'heat' }],
      ['cover.porch_awning', { open: false }, 'porch/awning/set', 'CLOSE', { state: 'closed' }],
      ['cover.porch_awning', { position: 30 }, 'porch/awning/position/set', '30', { attributes: { position: 30 } }],
      ['fan.porch_fan', { on: true }, 'porch/fan/set', 'ON', { state: 'on' }],
      ['fan.porch_fan', { percentage: 40 }, 'porch/fan/speed/set', '41', { attributes: { percentage: 40 } }],
      ['lock.porch_gate', { locked: true }, 'porch/gate/set', 'LOCK', { state: 'locked' }],
      ['valve.porch_sprinkler', { open: true }, 'porch/sprinkler/set', 'OPEN', { state: 'open' }],
      ['number.porch_chime_volume', { value: 7 }, 'porch/volume/set', '7', { state: 7 }],
      ['select.porch_light_scene', { value: 'party' }, 'porch/scene/set', 'party', { state: 'party' }],
      ['button.porch_doorbell_test', { press: true }, 'porch/bell/press', 'PRESS', { state: null }],
    ];
    for (const [id, body, topic, payload, state] of cases) {
      const from = inbox.messages.length;
      const response = await command(id, body);
      expect(response.status, `${id} ${JSON.stringify(await response.clone().json())}`).toBe(202);
      expect(await received(topic, from), id).toBe(payload);
      await expect.poll(() => entity(id), { timeout: 10_000 }).toMatchObject(state);
    }
  });

  it('refuses what a kind or device cannot do with 400 and a message', async () => {
    const refusals: Array<[string, object, RegExp]> = [
      ['valve.porch_sprinkler', { on: true }, /does not support on; it takes open, stop or position/],
      ['valve.porch_sprinkler', { position: 50 }, /does not support position/],
      ['climate.porch_heater', { targetTemperature: 35 }, /targetTemperature must be from 10 to 28/],
      ['select.porch_light_scene', { value: 'disco' }, /must be one of off, welcome, party/],
      ['button.porch_doorbell_test', { press: false }, /press must be one of the following values: true/],
    ];
    for (const [id, body, message] of refusals) {
      const response = await command(id, body);
      expect(response.status, id).toBe(400);
      expect(JSON.stringify(await response.json()), id).toMatch(message);
    }
  });

  it('runs a rule that opens the valve, sets the heater and presses the button; refuses one giving a valve on/off', async () => {
    const rule = {
      name: 'Welcome home',
      triggers: [{ type: 'mqtt', topic: 'porch/arrived' }],
      actions: [
        { type: 'command', entityId: 'valve.porch_sprinkler', command: { open: false } },
        { type: 'command', entityId: 'climate.porch_heater', command: { targetTemperature: 19 } },
        { type: 'command', entityId: 'button.porch_doorbell_test', command: { press: true } },
      ],
    };
    const created = await hub.api('/api/rules', { body: rule });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as RuleDto;
    const from = inbox.messages.length;
    await porch.publishAsync('porch/arrived', 'yes', { qos: 1 });
    expect(await received('porch/sprinkler/set', from)).toBe('CLOSE');
    expect(await received('porch/heater/target/set', from)).toBe('19');
    expect(await received('porch/bell/press', from)).toBe('PRESS');
    await expect.poll(() => entity('valve.porch_sprinkler'), { timeout: 10_000 }).toMatchObject({ state: 'closed' });
    await hub.api(`/api/rules/${id}`, { method: 'DELETE' });

    const refused = await hub.api('/api/rules', { body: { ...rule, actions: [{ type: 'command', entityId: 'valve.porch_sprinkler', command: { on: true } }] } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string[] }).message).toEqual(['actions[0].command.on: a valve takes open, stop or position, not on']);
  });
});
