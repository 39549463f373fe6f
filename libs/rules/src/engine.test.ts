import { describe, expect, it } from 'vitest';
import { harness } from './test-support.js';
import { MINUTE, SECOND } from '@hearth/local-time';

const AMSTERDAM = { latitude: 52.3676, longitude: 4.9041, timezone: 'Europe/Amsterdam' };
const motion = { type: 'state', entityId: 'binary_sensor.motion', to: 'on' };

describe('state triggers', () => {
  it('fire on a state change matching from and to, not on attributes alone', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'state', entityId: 'light.hall', from: 'off', to: ['on', 'dim'] }] });
    h.set('light.hall', 'off');
    h.set('light.hall', 'on', { brightness: 10 });
    h.set('light.hall', 'on', { brightness: 200 });
    h.set('light.hall', 'off');
    h.set('light.other', 'on');
    await h.settle();
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['light.hall changed from "off" to "on"']);
  });

  it('with for, do not fire for an entity removed while waiting', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'state', entityId: 'binary_sensor.door', to: 'on', for: '5m' }] });
    h.set('binary_sensor.door', 'off');
    h.set('binary_sensor.door', 'on');
    await h.clock.advance(MINUTE);
    h.engine.entityRemoved('binary_sensor.door');
    await h.clock.advance(10 * MINUTE);
    expect(h.traces).toHaveLength(0);
  });

  it('without from or to fire on every change of the value, compared as text', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'state', entityId: 'sensor.t' }] });
    await h.feed('sensor.t', [21, '21', 22]);
    expect(h.traces).toHaveLength(2);
  });

  it('with for, fire once the state has held that long, and not when it changed back meanwhile', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'state', entityId: 'binary_sensor.door', to: 'on', for: '5m' }] });
    h.set('binary_sensor.door', 'off');
    h.set('binary_sensor.door', 'on');
    await h.clock.advance(4 * MINUTE);
    h.set('binary_sensor.door', 'off');
    await h.clock.advance(10 * MINUTE);
    expect(h.traces).toHaveLength(0);
    h.set('binary_sensor.door', 'on');
    await h.clock.advance(5 * MINUTE - SECOND);
    expect(h.traces).toHaveLength(0);
    await h.clock.advance(SECOND);
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['binary_sensor.door changed from "off" to "on" for 5m']);
  });
});

describe('threshold triggers', () => {
  it('fire when the value crosses into the range, not while it stays there', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'threshold', entityId: 'sensor.temp', above: 25, below: 40 }] });
    await h.feed('sensor.temp', [20, 26, 30, '31.5', 45, 'unavailable', 27, 24]);
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['sensor.temp is 26', 'sensor.temp is 27']);
  });

  it('read an attribute, and wait for `for` while the value stays in range', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'threshold', entityId: 'light.desk', attribute: 'brightness', below: 50, for: '1m' }] });
    h.set('light.desk', 'on', { brightness: 200 });
    h.set('light.desk', 'on', { brightness: 20 });
    await h.clock.advance(30 * SECOND);
    h.set('light.desk', 'on', { brightness: 30 });
    await h.clock.advance(30 * SECOND);
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['light.desk brightness is 20 for 1m']);
  });
});

describe('mqtt triggers', () => {
  it('match topic filters and an exact payload, and give templates the payload and its JSON', async () => {
    const h = harness();
    h.add({
      triggers: [{ type: 'mqtt', topic: 'zigbee2mqtt/+/action', payload: '{"action":"single"}' }],
      actions: [{ type: 'publish', topic: 'out', payload: '{{ trigger.topic }} {{ trigger.payload_json.action }}', qos: 1, retain: true }],
    });
    h.engine.mqttMessage('zigbee2mqtt/button/action', Buffer.from('{"action":"single"}'));
    h.engine.mqttMessage('zigbee2mqtt/button/action', '{"action":"double"}');
    h.engine.mqttMessage('zigbee2mqtt/a/b/action', '{"action":"single"}');
    await h.settle();
    expect(h.published).toEqual([{ topic: 'out', payload: 'zigbee2mqtt/button/action single', qos: 1, retain: true }]);
  });

  it('never match $ topics with a leading wildcard', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'mqtt', topic: '#' }] });
    h.engine.mqttMessage('$SYS/broker/uptime', '1');
    h.engine.mqttMessage('a', '1');
    await h.settle();
    expect(h.traces).toHaveLength(1);
  });
});

describe('time triggers', () => {
  it('fire daily at a local time, in the house time zone across a daylight-saving change', async () => {
    const h = harness({ start: '2024-03-29T12:00:00Z', location: AMSTERDAM });
    h.add({ triggers: [{ type: 'time', at: '07:30' }] });
    const fired: string[] = [];
    for (let day = 0; day < 3; day++) {
      await h.clock.advance(24 * 60 * MINUTE);
      fired.push(...h.traces.splice(0).map((t) => t.startedAt));
    }
    // 07:30 CET is 06:30 UTC; from March 31st 07:30 CEST is 05:30 UTC.
    expect(fired).toEqual(['2024-03-30T06:30:00.000Z', '2024-03-31T05:30:00.000Z', '2024-04-01T05:30:00.000Z']);
  });

  it('keep to the given weekdays', async () => {
    const h = harness({ start: '2024-06-21T12:00:00Z' }); // a Friday
    h.add({ triggers: [{ type: 'time', at: '08:00', weekdays: ['sat', 'mon'] }] });
    await h.clock.advance(7 * 24 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt)).toEqual(['2024-06-22T08:00:00.000Z', '2024-06-24T08:00:00.000Z']);
  });

  it('follow a cron schedule', async () => {
    const h = harness({ start: '2024-06-21T12:07:00Z' });
    h.add({ triggers: [{ type: 'time', cron: '*/20 12-13 * * fri' }] });
    await h.clock.advance(7 * 24 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt.slice(11, 16))).toEqual(['12:20', '12:40', '13:00', '13:20', '13:40', '12:00']);
  });

  it('skip an occurrence the clock jumped past, and keep the schedule', async () => {
    const h = harness({ start: '2024-06-21T12:00:00Z' });
    h.add({ triggers: [{ type: 'time', at: '13:00' }] });
    h.clock.jump(3 * 60 * MINUTE);
    await h.clock.advance(24 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt)).toEqual(['2024-06-22T13:00:00.000Z']);
  });

  it('still run an occurrence that a jump forward landed before', async () => {
    const h = harness({ start: '2024-06-21T09:00:00Z' });
    h.add({ triggers: [{ type: 'time', at: '10:00' }] });
    await h.clock.advance(MINUTE);
    h.clock.jump(5 * MINUTE); // 09:01 becomes 09:06: nothing was skipped
    await h.clock.advance(2 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt)).toEqual(['2024-06-21T10:00:00.000Z']);
  });

  it('run the occurrence that comes first after the clock is set back', async () => {
    const h = harness({ start: '2024-06-21T15:00:00Z' }); // ahead; the next 13:00 looks a day away
    h.add({ triggers: [{ type: 'time', at: '13:00' }] });
    h.clock.jump(-3 * 60 * MINUTE);
    await h.clock.advance(2 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt)).toEqual(['2024-06-21T13:00:00.000Z']);
  });
});

describe('sun triggers', () => {
  it('fire at sunset with an offset, every day', async () => {
    const h = harness({ start: '2024-06-21T12:00:00Z', location: AMSTERDAM });
    h.add({ triggers: [{ type: 'sun', event: 'sunset', offset: '-30m' }] });
    await h.clock.advance(2 * 24 * 60 * MINUTE);
    // Sunset in Amsterdam on June 21st 2024 is 22:06 CEST (20:06 UTC).
    expect(h.traces.map((t) => t.startedAt.slice(0, 16))).toEqual(['2024-06-21T19:36', '2024-06-22T19:36']);
    expect(h.traces[0].trigger.description).toBe('sunset -30m');
  });

  it('wait for a location, then schedule', async () => {
    const h = harness({ start: '2024-06-21T02:00:00Z' });
    h.add({ triggers: [{ type: 'sun', event: 'sunrise' }] });
    expect(h.clock.pending).toBe(0);
    h.setLocation(AMSTERDAM);
    await h.clock.advance(6 * 60 * MINUTE);
    expect(h.traces.map((t) => t.startedAt.slice(0, 16))).toEqual(['2024-06-21T03:18']);
  });
});

describe('offline triggers', () => {
  it('fire when an entity becomes unavailable, and with for only if it stays so', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'offline', entityId: 'sensor.soil', for: '2m' }] });
    h.set('sensor.soil', 40);
    h.set('sensor.soil', 40, {}, false);
    await h.clock.advance(MINUTE);
    h.set('sensor.soil', 40, {}, true);
    await h.clock.advance(5 * MINUTE);
    expect(h.traces).toHaveLength(0);
    h.set('sensor.soil', 40, {}, false);
    await h.clock.advance(2 * MINUTE);
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['sensor.soil went offline for 2m']);
    expect(h.traces[0].trigger).toMatchObject({ entityId: 'sensor.soil' });
  });

  it('fire when a device becomes unavailable', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'offline', deviceId: 'tasmota_A4CF12' }] });
    h.engine.availabilityChanged('other', false);
    h.engine.availabilityChanged('tasmota_A4CF12', false);
    await h.settle();
    expect(h.traces.map((t) => t.trigger.description)).toEqual(['tasmota_A4CF12 went offline']);
    expect(h.traces[0].trigger).toMatchObject({ deviceId: 'tasmota_A4CF12' });
    expect(h.traces[0].trigger).not.toHaveProperty('entityId');
  });
});

describe('conditions', () => {
  const check = async (conditions: unknown[], setup: (h: ReturnType<typeof harness>) => void = () => {}, start?: string) => {
    const h = harness({ start, location: AMSTERDAM });
    setup(h);
    h.add({ triggers: [motion], conditions });
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    return h.traces[0];
  };

  it('state: equals or in, recorded in the trace', async () => {
    const home = (h: ReturnType<typeof harness>) => h.set('person.anna', 'home');
    expect((await check([{ type: 'state', entityId: 'person.anna', equals: 'home' }], home)).result).toBe('done');
    const trace = await check([{ type: 'state', entityId: 'person.anna', in: ['away', 'work'] }], home);
    expect(trace.result).toBe('conditions-failed');
    expect(trace.conditions).toEqual([{ path: 'conditions[0]', type: 'state', result: false, detail: 'person.anna is "home"', entityId: 'person.anna' }]);
    expect((await check([{ type: 'state', entityId: 'person.nobody', equals: 'home' }])).conditions[0].detail).toBe('person.nobody is unknown');
  });

  it('numeric: above and below, on the state or an attribute', async () => {
    const setup = (h: ReturnType<typeof harness>) => h.set('sensor.lux', '120', { battery: 15 });
    expect((await check([{ type: 'numeric', entityId: 'sensor.lux', above: 100, below: 200 }], setup)).result).toBe('done');
    expect((await check([{ type: 'numeric', entityId: 'sensor.lux', attribute: 'battery', above: 20 }], setup)).result).toBe('conditions-failed');
  });

  it('time: a window across midnight, and weekdays, in local time', async () => {
    const night = [{ type: 'time', after: '22:00', before: '06:00' }];
    expect((await check(night, undefined, '2024-06-21T21:30:00Z')).result).toBe('done'); // 23:30 CEST
    expect((await check(night, undefined, '2024-06-21T03:30:00Z')).result).toBe('done'); // 05:30 CEST
    const trace = await check(night, undefined, '2024-06-21T12:00:00Z');
    expect(trace.conditions[0]).toMatchObject({ result: false, detail: 'it is fri 14:00' });
    expect((await check([{ type: 'time', weekdays: ['sat', 'sun'] }], undefined, '2024-06-21T12:00:00Z')).result).toBe('conditions-failed');
  });

  it('sun: after sunset or before sunrise, with offsets', async () => {
    const dark = [{ type: 'sun', after: 'sunset', before: 'sunrise' }];
    expect((await check(dark, undefined, '2024-06-21T21:00:00Z')).result).toBe('done');
    expect((await check(dark, undefined, '2024-06-21T02:00:00Z')).result).toBe('done');
    const day = await check(dark, undefined, '2024-06-21T12:00:00Z');
    expect(day.conditions[0]).toEqual({ path: 'conditions[0]', type: 'sun', result: false, detail: 'sunrise 05:18, sunset 22:06' });
    expect((await check([{ type: 'sun', after: 'sunset', afterOffset: '-1h' }], undefined, '2024-06-21T19:30:00Z')).result).toBe('done');
  });

  it('sun: a daytime window that offsets turn inside out on a short day is empty, not the night', async () => {
    // Amsterdam on 21 December: sunrise about 08:48, sunset about 16:29 (local); +4h and -4h cross.
    const core = [{ type: 'sun', after: 'sunrise', afterOffset: '4h', before: 'sunset', beforeOffset: '-4h' }];
    for (const at of ['2024-12-21T01:00:00Z', '2024-12-21T11:00:00Z', '2024-12-21T22:00:00Z']) expect((await check(core, undefined, at)).result, at).toBe('conditions-failed');
    expect((await check(core, undefined, '2024-06-21T11:00:00Z')).result).toBe('done');
  });

  it('and, or, not: compose, each step in the trace', async () => {
    const trace = await check(
      [{ type: 'or', conditions: [{ type: 'not', conditions: [{ type: 'state', entityId: 'binary_sensor.motion', equals: 'on' }] }, { type: 'and', conditions: [{ type: 'numeric', entityId: 'sensor.none', above: 1 }] }] }],
    );
    expect(trace.result).toBe('conditions-failed');
    expect(trace.conditions.map((c) => `${c.path} ${c.result}`)).toEqual([
      'conditions[0] false',
      'conditions[0].conditions[0] false',
      'conditions[0].conditions[0].conditions[0] true',
      'conditions[0].conditions[1] false',
      'conditions[0].conditions[1].conditions[0] false',
    ]);
  });
});

describe('actions', () => {
  it('command, publish, notify and log, in order, each traced', async () => {
    const h = harness();
    h.add({
      triggers: [motion],
      actions: [
        { type: 'command', entityId: 'light.hall', command: { on: true, brightness: 128 } },
        { type: 'publish', topic: 'house/motion', payload: 'motion: {{ trigger.to }}' },
        { type: 'notify', title: 'Hall', message: '{{ trigger.entityId }} saw someone' },
        { type: 'log', message: 'done', level: 'warn' },
      ],
    });
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    expect(h.commands).toEqual([{ entityId: 'light.hall', command: { on: true, brightness: 128 } }]);
    expect(h.published).toEqual([{ topic: 'house/motion', payload: 'motion: on', qos: 0, retain: false }]);
    expect(h.notifications).toEqual([{ title: 'Hall', message: 'binary_sensor.motion saw someone' }]);
    expect(h.logs).toContainEqual({ level: 'warn', message: 'done' });
    expect(h.traces[0].actions.map((a) => [a.path, a.type, a.result, a.detail])).toEqual([
      ['actions[0]', 'command', 'ok', undefined],
      ['actions[1]', 'publish', 'ok', 'motion: on'],
      ['actions[2]', 'notify', 'ok', 'binary_sensor.motion saw someone'],
      ['actions[3]', 'log', 'ok', 'done'],
    ]);
    // Which entity the run started from and which command went where.
    expect(h.traces[0].trigger).toMatchObject({ index: 0, type: 'state', entityId: 'binary_sensor.motion' });
    expect(h.traces[0].actions[0]).toMatchObject({ entityId: 'light.hall', command: { on: true, brightness: 128 } });
    expect(h.traces[0].actions.slice(1).filter((a) => 'entityId' in a || 'command' in a)).toEqual([]);
  });

  it('delay: waits on the clock, and the trace says how long', async () => {
    const h = harness();
    h.add({ triggers: [motion], actions: [{ type: 'delay', duration: '5m' }, { type: 'command', entityId: 'light.hall', command: { on: false } }] });
    h.set('binary_sensor.motion', 'on');
    await h.clock.advance(5 * MINUTE - 1);
    expect(h.commands).toEqual([]);
    await h.clock.advance(1);
    expect(h.commands).toEqual([{ entityId: 'light.hall', command: { on: false } }]);
    expect(h.traces[0].actions[0]).toMatchObject({ type: 'delay', durationMs: 5 * MINUTE });
  });

  it('if: runs then or else by its conditions', async () => {
    const h = harness();
    const branch = (entityId: string) => [{ type: 'command', entityId, command: { on: true } }];
    h.add({ triggers: [{ type: 'state', entityId: 'sensor.mode' }], actions: [{ type: 'if', conditions: [{ type: 'state', entityId: 'sensor.mode', equals: 'day' }], then: branch('light.a'), else: branch('light.b') }] });
    h.set('sensor.mode', 'day');
    await h.settle();
    h.set('sensor.mode', 'night');
    await h.settle();
    expect(h.commands.map((c) => c.entityId)).toEqual(['light.a', 'light.b']);
    expect(h.traces[1].actions.map((a) => `${a.path} ${a.detail ?? ''}`)).toEqual(['actions[0] else', 'actions[0].else[0] ']);
  });

  it('a failing action ends the run with its error, unless continueOnError', async () => {
    const h = harness();
    h.broken.add('light.broken');
    const actions = (continueOnError: boolean) => [{ type: 'command', entityId: 'light.broken', command: { on: true }, continueOnError }, { type: 'command', entityId: 'light.ok', command: { on: true } }];
    h.add({ triggers: [motion], actions: actions(false) }, 'strict');
    h.add({ triggers: [motion], actions: actions(true) }, 'lenient');
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    const strict = h.traces.find((t) => t.ruleId === 'strict')!;
    expect(strict).toMatchObject({ result: 'error', error: 'actions[0]: light.broken does not answer' });
    expect(strict.actions).toHaveLength(1);
    expect(h.traces.find((t) => t.ruleId === 'lenient')!.result).toBe('done');
    expect(h.commands.map((c) => c.entityId)).toEqual(['light.ok']);
  });

  it('a template that cannot render fails its action with the reason', async () => {
    const h = harness();
    h.add({ triggers: [motion], actions: [{ type: 'publish', topic: 't', payload: '{{ trigger.payload_json.x | is_defined }}' }] });
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    expect(h.traces[0]).toMatchObject({ result: 'error' });
    expect(h.traces[0].error).toMatch(/^actions\[0\]: template: /);
  });

  it('an action whose port never answers times out', async () => {
    const h = harness({ actionTimeoutMs: 10 * SECOND, ports: { command: () => new Promise(() => {}) } });
    h.add({ triggers: [motion], actions: [{ type: 'command', entityId: 'light.hall', command: { on: true } }] });
    h.set('binary_sensor.motion', 'on');
    await h.clock.advance(10 * SECOND);
    expect(h.traces[0]).toMatchObject({ result: 'error', error: 'actions[0]: no answer within 10 s' });
  });

  it('keep what the trace says of a message short, however long the message', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'mqtt', topic: 'big' }], actions: [{ type: 'notify', message: '{{ trigger.payload }}' }, { type: 'log', message: '{{ trigger.payload }}' }] });
    h.engine.mqttMessage('big', 'x'.repeat(100_000));
    await h.settle();
    expect(h.notifications[0].message).toHaveLength(100_000);
    expect(h.traces[0].actions.map((a) => a.detail)).toEqual([`${'x'.repeat(200)}…`, `${'x'.repeat(200)}…`]);
  });
});

describe('modes', () => {
  const slow = (mode: string) => ({ mode, triggers: [motion], actions: [{ type: 'delay', duration: '1m' }, { type: 'log', message: 'done' }] });
  const twice = async (mode: string) => {
    const h = harness();
    h.add(slow(mode));
    h.set('binary_sensor.motion', 'on');
    await h.clock.advance(30 * SECOND);
    h.set('binary_sensor.motion', 'off');
    h.set('binary_sensor.motion', 'on');
    await h.clock.advance(5 * MINUTE);
    return h.traces.map((t) => `${t.result} ${t.startedAt.slice(11, 19)}-${t.finishedAt.slice(11, 19)}`);
  };

  it('single ignores a trigger while running', async () => {
    expect(await twice('single')).toEqual(['done 12:00:00-12:01:00']);
  });
  it('restart cancels the running run and starts again', async () => {
    expect(await twice('restart')).toEqual(['cancelled 12:00:00-12:00:30', 'done 12:00:30-12:01:30']);
  });
  it('queued runs it after the running one', async () => {
    expect(await twice('queued')).toEqual(['done 12:00:00-12:01:00', 'done 12:00:30-12:02:00']);
  });
  it('parallel runs both at once', async () => {
    expect(await twice('parallel')).toEqual(['done 12:00:00-12:01:00', 'done 12:00:30-12:01:30']);
  });
});

describe('the engine', () => {
  it('stops a rule that triggers itself in a loop, reports it, and keeps the other rules going', async () => {
    let published = 0;
    // The bus hands the rule's own publish back to it, as the broker does.
    const h: ReturnType<typeof harness> = harness({
      ports: {
        publish: async (topic, payload) => {
          published++;
          setImmediate(() => h.engine.mqttMessage(topic, payload));
        },
      },
    });
    h.add({ triggers: [{ type: 'mqtt', topic: 'loop' }], actions: [{ type: 'publish', topic: 'loop', payload: 'again' }] }, 'looping');
    h.add({ triggers: [motion] }, 'innocent');
    h.engine.mqttMessage('loop', 'go');
    for (let i = 0; i < 50; i++) await h.settle();
    expect(h.engine.status('looping')).toMatchObject({ status: 'stopped' });
    expect(published).toBe(20);
    const stop = h.traces.find((t) => t.result === 'stopped')!;
    expect(stop.error).toMatch(/more than 20 runs within 1000 ms, likely a loop/);
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    expect(h.traces.filter((t) => t.ruleId === 'innocent')).toHaveLength(1);
    // Saving the rule again starts it afresh.
    h.add({ triggers: [{ type: 'mqtt', topic: 'loop' }], actions: [{ type: 'log', message: 'fixed' }] }, 'looping');
    expect(h.engine.status('looping')).toEqual({ status: 'active', stoppedReason: null });
  });

  it('keeps going when a port throws, and records the error in that run only', async () => {
    const h: ReturnType<typeof harness> = harness({
      ports: {
        getState: (id) => {
          if (id === 'sensor.cursed') throw new Error('database is gone');
          return h.states.get(id);
        },
      },
    });
    h.add({ triggers: [motion], conditions: [{ type: 'state', entityId: 'sensor.cursed', equals: 'x' }] }, 'a');
    h.add({ triggers: [motion] }, 'b');
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    expect(h.traces.map((t) => `${t.ruleId} ${t.result} ${t.error ?? ''}`).sort()).toEqual(['a error database is gone', 'b done ']);
  });

  it('runs by hand: actions only, or conditions too; disabled rules as well', async () => {
    const h = harness();
    h.add({ enabled: false, triggers: [motion], conditions: [{ type: 'state', entityId: 'sensor.none', equals: 'x' }] });
    h.set('binary_sensor.motion', 'on');
    expect(h.engine.run('r1', false)).toBe('started');
    await h.settle();
    expect(h.engine.run('r1', true)).toBe('started');
    expect(h.engine.run('unknown', false)).toBe('unknown');
    await h.settle();
    expect(h.traces.map((t) => `${t.trigger.description}: ${t.result}`)).toEqual(['run by hand: done', 'run by hand: conditions-failed']);
    expect(h.engine.status('r1')).toEqual({ status: 'disabled', stoppedReason: null });
  });

  it('gives templates the time of a run by hand too', async () => {
    const h = harness();
    h.add({ triggers: [motion], actions: [{ type: 'log', message: '{{ trigger.type }} at {{ trigger.time }}' }] });
    h.engine.run('r1', false);
    await h.settle();
    expect(h.traces[0]).toMatchObject({ result: 'done', actions: [{ detail: 'manual at 2024-06-21T12:00:00.000Z' }] });
  });

  it('starts nothing more of a stopped rule, not even from the other triggers of the event that stopped it', async () => {
    const h = harness({ maxRuns: 1 });
    h.add({ triggers: [{ type: 'time', at: '13:00' }, { type: 'time', at: '13:00' }] }, 'schedule');
    // The second trigger stops the rule; the third would wait and the fourth start a run.
    h.add({ mode: 'parallel', triggers: [motion, motion, { ...motion, for: '1m' }, motion] }, 'motion');
    h.set('binary_sensor.motion', 'on');
    expect(h.clock.pending).toBe(2);
    await h.clock.advance(2 * 24 * 60 * MINUTE);
    expect(h.traces.map((t) => `${t.ruleId} ${t.result}`)).toEqual(['motion stopped', 'motion cancelled', 'schedule done', 'schedule stopped']);
    expect(h.clock.pending).toBe(0);
  });

  it('replacing or removing a rule cancels its runs and clears its timers', async () => {
    const h = harness();
    h.add({ triggers: [{ type: 'time', at: '18:00' }, motion], actions: [{ type: 'delay', duration: '1h' }] });
    h.set('binary_sensor.motion', 'on');
    await h.settle();
    expect(h.clock.pending).toBe(2);
    expect(h.engine.running('r1')).toBe(1);
    h.add({ triggers: [{ type: 'time', cron: '0 * * * *' }] });
    await h.settle();
    expect(h.traces.map((t) => t.result)).toEqual(['cancelled']);
    expect(h.engine.running('r1')).toBe(0);
    expect(h.clock.pending).toBe(1);
    h.engine.removeRule('r1');
    expect(h.clock.pending).toBe(0);
  });
});
