import { describe, expect, it } from 'vitest';
import { parseRule, RULE_LIMITS } from './parse.js';

const minimal = { name: 'Hall light', triggers: [{ type: 'state', entityId: 'binary_sensor.hall', to: 'on' }], actions: [{ type: 'command', entityId: 'light.hall', command: { on: true } }] };

/** The errors of a rule made from `minimal` with `change` merged in, as "path: message". */
function errors(change: Record<string, unknown>): string[] {
  const result = parseRule({ ...minimal, ...change });
  return result.ok ? [] : result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

describe('parseRule commands per kind', () => {
  it('takes each kind\'s own commands', () => {
    const actions = [
      { type: 'command', entityId: 'valve.garden', command: { open: true } },
      { type: 'command', entityId: 'climate.hall', command: { targetTemperature: 21.5, hvacMode: 'heat' } },
      { type: 'command', entityId: 'button.doorbell', command: { press: true } },
      { type: 'command', entityId: 'number.volume', command: { value: 3 } },
      { type: 'command', entityId: 'select.scene', command: { value: 'night' } },
      { type: 'command', entityId: 'lock.door', command: { locked: true } },
      { type: 'command', entityId: 'fan.ceiling', command: { on: true, percentage: 40, preset: 'auto' } },
      { type: 'command', entityId: 'cover.blind', command: { position: 30 } },
    ];
    const result = parseRule({ ...minimal, actions });
    expect(result.ok && result.rule.actions).toEqual(actions);
  });
});

describe('parseRule', () => {
  it('accepts a minimal rule and fills in the defaults', () => {
    expect(parseRule(minimal)).toEqual({ ok: true, rule: { ...minimal, enabled: true, mode: 'single', conditions: [] } });
  });

  it('accepts every trigger, condition and action, keeping what was written and adding defaults', () => {
    const rule = {
      name: 'Everything',
      description: 'one of each',
      enabled: false,
      mode: 'queued',
      triggers: [
        { type: 'state', entityId: 'binary_sensor.door', from: ['off', false], to: 'on', for: '1h30m' },
        { type: 'threshold', entityId: 'sensor.power', attribute: 'watts', above: 2000.5, for: '90s' },
        { type: 'mqtt', topic: 'zigbee2mqtt/+/action/#', payload: '' },
        { type: 'time', at: '07:30', weekdays: ['mon', 'fri'] },
        { type: 'time', cron: '*/5 6-22 * jan-mar mon-fri' },
        { type: 'sun', event: 'sunset', offset: '-30m' },
        { type: 'offline', deviceId: 'tasmota_A4CF12', for: '2d' },
        { type: 'offline', entityId: 'sensor.soil' },
      ],
      conditions: [
        { type: 'state', entityId: 'person.anna', in: ['home', 3, true] },
        { type: 'numeric', entityId: 'sensor.lux', below: 50 },
        { type: 'time', after: '22:00', before: '06:00', weekdays: ['sat'] },
        { type: 'or', conditions: [{ type: 'sun', after: 'sunset', afterOffset: '+15m' }, { type: 'not', conditions: [{ type: 'state', entityId: 'light.x', equals: 'on' }] }] },
      ],
      actions: [
        { type: 'command', entityId: 'light.hall', command: { brightness: 0, colorTemp: 300, rgb: [255, 0, 10] }, continueOnError: true },
        { type: 'publish', topic: 'house/alert', payload: '{{ trigger.to }}', qos: 2, retain: true },
        { type: 'notify', message: 'Door open', title: 'Hall' },
        { type: 'delay', duration: '10s' },
        { type: 'if', conditions: [{ type: 'time', before: '12:00' }], then: [{ type: 'log', message: 'morning' }], else: [{ type: 'log', message: 'later', level: 'warn' }] },
        { type: 'publish', topic: 'house/ping' },
      ],
    };
    const result = parseRule(rule);
    expect(result.ok && result.rule.actions.at(-1)).toEqual({ type: 'publish', topic: 'house/ping', payload: '', qos: 0, retain: false });
    expect(result.ok && result.rule.actions[4]).toMatchObject({ then: [{ level: 'info' }], else: [{ level: 'warn' }] });
    expect(result.ok && { ...result.rule, actions: result.rule.actions.slice(0, 4) }).toEqual({ ...rule, actions: rule.actions.slice(0, 4) });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a missing name', { name: undefined }, ['name: required']],
    ['an empty trigger list', { triggers: [] }, ['triggers: must not be empty']],
    ['a missing entityId', { triggers: [{ type: 'state', to: 'on' }] }, ['triggers[0].entityId: required']],
    ['an unknown trigger type', { triggers: [{ type: 'webhook' }] }, ['triggers[0].type: must be one of state, threshold, mqtt, time, sun, offline']],
    ['an unknown key', { triggers: [{ type: 'mqtt', topic: 'a', qos: 1 }] }, ['triggers[0].qos: unknown key (allowed: type, topic, payload)']],
    ['an unknown top-level key', { id: 'x' }, ['id: unknown key (allowed: name, description, enabled, mode, triggers, conditions, actions)']],
    ['a bad entity id', { triggers: [{ type: 'state', entityId: 'Hall Light' }] }, ['triggers[0].entityId: must be an entity id such as light.kitchen']],
    ['a bad duration', { triggers: [{ type: 'state', entityId: 'a.b', for: '5 minutes' }] }, ['triggers[0].for: must be a duration such as "90s", "5m" or "1h30m"']],
    ['a negative for', { triggers: [{ type: 'state', entityId: 'a.b', for: '-5m' }] }, ['triggers[0].for: must be a duration such as "90s", "5m" or "1h30m"']],
    ['a for beyond a week', { triggers: [{ type: 'state', entityId: 'a.b', for: '8d' }] }, ['triggers[0].for: must be at most 168 hours']],
    ['a zero delay', { actions: [{ type: 'delay', duration: '0s' }] }, ['actions[0].duration: must be longer than 0s']],
    ['a threshold without limits', { triggers: [{ type: 'threshold', entityId: 'a.b' }] }, ['triggers[0]: give above, below or both']],
    ['limits the wrong way round', { triggers: [{ type: 'threshold', entityId: 'a.b', above: 5, below: 5 }] }, ['triggers[0].below: must be more than above']],
    ['a misplaced #', { triggers: [{ type: 'mqtt', topic: 'a/#/b' }] }, ["triggers[0].topic: '#' must be the whole last level"]],
    ['a partial +', { triggers: [{ type: 'mqtt', topic: 'a/b+' }] }, ["triggers[0].topic: '+' must be a whole level"]],
    ['a bad time', { triggers: [{ type: 'time', at: '24:00' }] }, ['triggers[0].at: must be a time "HH:MM" (24-hour)']],
    ['at and cron', { triggers: [{ type: 'time', at: '07:00', cron: '* * * * *' }] }, ['triggers[0]: give either at (with weekdays) or cron, not both']],
    ['a bad cron', { triggers: [{ type: 'time', cron: '61 * * * *' }] }, ['triggers[0].cron: minute: "61" is not within 0-59']],
    ['an impossible cron', { triggers: [{ type: 'time', cron: '0 0 30 feb *' }] }, ['triggers[0].cron: no month has such a day']],
    ['a repeated weekday', { triggers: [{ type: 'time', at: '07:00', weekdays: ['mon', 'mon'] }] }, ['triggers[0].weekdays: names a day twice']],
    ['an unknown weekday', { triggers: [{ type: 'time', at: '07:00', weekdays: ['monday'] }] }, ['triggers[0].weekdays[0]: must be one of sun, mon, tue, wed, thu, fri, sat']],
    ['a sun offset too far', { triggers: [{ type: 'sun', event: 'sunrise', offset: '7h' }] }, ['triggers[0].offset: must be at most 6 hours']],
    ['offline with both ids', { triggers: [{ type: 'offline', deviceId: 'x', entityId: 'a.b' }] }, ['triggers[0]: give a deviceId or an entityId, not both']],
    ['a state condition with equals and in', { conditions: [{ type: 'state', entityId: 'a.b', equals: 1, in: [1] }] }, ['conditions[0]: give equals or in, not both']],
    ['an object as a state', { conditions: [{ type: 'state', entityId: 'a.b', equals: { on: true } }] }, ['conditions[0].equals: must be a string (at most 200 characters), a number or true/false']],
    ['a sun offset without its event', { conditions: [{ type: 'sun', before: 'sunrise', afterOffset: '1h' }] }, ['conditions[0].afterOffset: needs after']],
    ['an empty time window', { conditions: [{ type: 'time', after: '10:00', before: '10:00' }] }, ['conditions[0]: after and before must differ']],
    ['an empty command', { actions: [{ type: 'command', entityId: 'a.b', command: {} }] }, ['actions[0].command: sets nothing: give on, brightness, colorTemp or rgb']],
    ['off with a brightness', { actions: [{ type: 'command', entityId: 'a.b', command: { on: false, brightness: 3 } }] }, ['actions[0].command: on: false cannot go with brightness or colour']],
    ['a bad brightness and rgb', { actions: [{ type: 'command', entityId: 'a.b', command: { brightness: 256, rgb: [1, 2] } }] }, ['actions[0].command.brightness: must be a whole number from 0 to 255', 'actions[0].command.rgb: must be [red, green, blue], whole numbers from 0 to 255']],
    ['on for a valve', { actions: [{ type: 'command', entityId: 'valve.garden', command: { on: true } }] }, ['actions[0].command.on: a valve takes open, stop or position, not on']],
    ['brightness for a climate', { actions: [{ type: 'command', entityId: 'climate.hall', command: { brightness: 9 } }] }, ['actions[0].command.brightness: a climate takes targetTemperature or hvacMode, not brightness']],
    ['an empty button command', { actions: [{ type: 'command', entityId: 'button.restart', command: {} }] }, ['actions[0].command: sets nothing: give press']],
    ['a position beyond 100', { actions: [{ type: 'command', entityId: 'cover.blind', command: { position: 120 } }] }, ['actions[0].command.position: must be a number from 0 (closed) to 100 (open)']],
    ['a command for a sensor', { actions: [{ type: 'command', entityId: 'sensor.t', command: { on: true } }] }, ['actions[0].command.on: a sensor takes nothing, not on']],
    ['a wildcard publish topic', { actions: [{ type: 'publish', topic: 'a/+' }] }, ['actions[0].topic: must be a topic without wildcards (+, #)']],
    ['a $ publish topic', { actions: [{ type: 'publish', topic: '$SYS/x' }] }, ['actions[0].topic: must not start with $ (broker topics)']],
    ['a bad qos', { actions: [{ type: 'publish', topic: 'a', qos: 3 }] }, ['actions[0].qos: must be 0, 1 or 2']],
    ['a broken template', { actions: [{ type: 'log', message: 'hi {{ trigger.to ' }] }, ["actions[0].message: template: '{{' is never closed with '}}' (at character 3)"]],
    ['a template variable that does not exist', { actions: [{ type: 'notify', message: '{{ value }}' }] }, [expect.stringMatching(/^actions\[0\]\.message: template: .*value/) as unknown as string]],
    ['an if without then', { actions: [{ type: 'if', conditions: [{ type: 'time', after: '10:00' }] }] }, ['actions[0].then: required']],
    ['a bad mode', { mode: 'sometimes' }, ['mode: must be one of single, restart, queued, parallel']],
    ['a string for enabled', { enabled: 'yes' }, ['enabled: must be true or false']],
    ['a long name', { name: 'x'.repeat(101) }, ['name: must be at most 100 characters']],
    ['__proto__ as a key', JSON.parse('{"__proto__": {"enabled": false}}'), ['__proto__: unknown key (allowed: name, description, enabled, mode, triggers, conditions, actions)']],
  ])('reports %s with its path', (_name, change, expected) => {
    expect(errors(change)).toEqual(expected);
  });

  it('reports every problem at once', () => {
    expect(errors({ name: 3, mode: 'x', triggers: [{ type: 'sun' }, 'no'], actions: [{}] })).toEqual([
      'name: must be a string',
      'mode: must be one of single, restart, queued, parallel',
      'triggers[0].event: required',
      'triggers[1]: must be an object',
      'actions[0].type: required',
    ]);
  });

  it('answers anything that is not an object', () => {
    for (const json of [null, undefined, 42, 'rule', [minimal], true]) expect(parseRule(json)).toEqual({ ok: false, errors: [{ path: '', message: 'must be an object' }] });
  });

  it('refuses lists past their limits without reading them', () => {
    const many = Array.from({ length: RULE_LIMITS.triggers + 1 }, () => ({ type: 'nonsense' }));
    expect(errors({ triggers: many })).toEqual([`triggers: at most ${RULE_LIMITS.triggers} items`]);
  });

  it('refuses nesting deeper than the limit', () => {
    const nest = (levels: number): Record<string, unknown> => (levels === 1 ? { type: 'time', after: '10:00' } : { type: 'not', conditions: [nest(levels - 1)] });
    expect(errors({ conditions: [nest(RULE_LIMITS.depth)] })).toEqual([]);
    expect(errors({ conditions: [nest(RULE_LIMITS.depth + 1)] })).toEqual([`${'conditions[0].'.repeat(RULE_LIMITS.depth)}conditions: nests deeper than ${RULE_LIMITS.depth} levels`]);
  });

  it('stops reading at the node limit, even when lists are shared to look enormous', () => {
    // 20 conditions, each holding the same list of 20, five levels deep: 20^5 conditions by reference.
    let level: unknown[] = Array.from({ length: 20 }, () => ({ type: 'time', after: '10:00' }));
    for (let i = 0; i < 4; i++) level = Array.from({ length: 20 }, () => ({ type: 'and', conditions: level }));
    const started = performance.now();
    expect(errors({ conditions: level })).toEqual([expect.stringMatching(/the rule has more than 200 triggers, conditions and actions$/)]);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('caps the number of errors reported', () => {
    const result = parseRule({ ...minimal, actions: Array.from({ length: 50 }, () => ({ type: 'delay', duration: 'x', extra: 1 })) });
    expect(result.ok || result.errors.length).toBe(RULE_LIMITS.errors);
  });
});
