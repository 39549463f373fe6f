import type { Random } from '@hearth/random';

/**
 * Generators of rule JSON for fuzzing, shared by this package's fuzz test and the hub's REST fuzz test
 * (`@hearth/rules/fuzzing`): random JSON with rule-like keys, and valid rules edited at random places.
 */

export const FUZZ_ENTITIES = ['light.hall', 'binary_sensor.motion', 'sensor.temp', 'a.b'];
/** Valid rules that between them use every trigger, condition and action: the material mutations start from. */
export const SEED_RULES: readonly unknown[] = [
  {
    name: 'motion',
    mode: 'restart',
    triggers: [{ type: 'state', entityId: 'binary_sensor.motion', to: 'on' }, { type: 'offline', entityId: 'light.hall', for: '1m' }],
    conditions: [{ type: 'sun', after: 'sunset', afterOffset: '-30m' }, { type: 'or', conditions: [{ type: 'numeric', entityId: 'sensor.temp', above: 3 }, { type: 'not', conditions: [{ type: 'state', entityId: 'light.hall', in: ['on', 1] }] }] }],
    actions: [{ type: 'command', entityId: 'light.hall', command: { on: true, brightness: 10 } }, { type: 'delay', duration: '5m' }, { type: 'command', entityId: 'light.hall', command: { on: false } }],
  },
  {
    name: 'button',
    mode: 'queued',
    triggers: [{ type: 'mqtt', topic: 'zigbee2mqtt/+/action', payload: 'single' }, { type: 'threshold', entityId: 'sensor.temp', above: 20, below: 30, for: '10s' }],
    actions: [
      { type: 'publish', topic: 'zigbee2mqtt/button/echo', payload: '{{ trigger.payload }} {{ trigger.payload_json.x | default(1) }}', qos: 1 },
      { type: 'if', conditions: [{ type: 'time', after: '22:00', before: '06:00', weekdays: ['sat'] }], then: [{ type: 'notify', message: 'night {{ trigger.type }}' }], else: [{ type: 'log', message: 'day', level: 'warn' }] },
    ],
  },
  {
    name: 'schedule',
    mode: 'parallel',
    triggers: [{ type: 'time', at: '12:30', weekdays: ['fri'] }, { type: 'time', cron: '*/7 * * * *' }, { type: 'sun', event: 'sunrise', offset: '+1h' }, { type: 'offline', deviceId: 'dev' }],
    conditions: [{ type: 'and', conditions: [{ type: 'time', before: '23:00' }, { type: 'sun', before: 'sunset' }] }],
    // Commands to a.b fail (the fuzz test's ports refuse them; the hub has no such entity): runs that end in error.
    actions: [{ type: 'publish', topic: 'zigbee2mqtt/x/action', payload: 'single', continueOnError: true }, { type: 'log', message: '{{ trigger.time }}' }, { type: 'command', entityId: 'a.b', command: { on: true } }],
  },
];
const KEYS = ['type', 'entityId', 'to', 'from', 'for', 'above', 'below', 'topic', 'payload', 'at', 'cron', 'weekdays', 'event', 'offset', 'conditions', 'then', 'else', 'command', 'duration', 'message', '__proto__', 'constructor'];
const STRINGS = ['', 'on', 'off', '5m', '-30m', '0s', '99d', '25:00', '12:30', '* * * * *', '0 0 31 2 *', 'a/#', '#/a', '+', 'sunset', 'state', 'not', 'if', '{{', '{{ trigger.x }}', '{{ value }}', 'light.hall', 'x'.repeat(300), '\u0000', 'é温'];

/** Random JSON, drawing keys and strings from those rules use. */
export function randomValue(rnd: Random, depth = 0): unknown {
  switch (rnd.below(depth > 3 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rnd.chance(0.5);
    case 2:
      return rnd.pick([0, 1, 2, 3, -1, 255, 256, 1e308, 0.5, -0]);
    case 3:
    case 4:
      return rnd.pick(STRINGS);
    case 5:
      return Array.from({ length: rnd.below(4) }, () => randomValue(rnd, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rnd.below(4) }, () => [rnd.pick(KEYS), randomValue(rnd, depth + 1)]));
  }
}

/** One or two structural edits somewhere in a JSON value: replace, delete, add a key, or duplicate a list item. */
export function mutate(rnd: Random, value: unknown): unknown {
  const copy = structuredClone(value);
  for (let edits = 1 + rnd.below(2); edits > 0; edits--) {
    // Walk down a random path, then edit there.
    let node = copy as Record<string, unknown> | unknown[];
    for (let steps = rnd.below(6); steps > 0; steps--) {
      const keys = Object.keys(node);
      const child = keys.length ? (node as Record<string, unknown>)[rnd.pick(keys)] : undefined;
      if (typeof child !== 'object' || child === null) break;
      node = child as Record<string, unknown> | unknown[];
    }
    const keys = Object.keys(node);
    const key = keys.length && rnd.chance(0.8) ? rnd.pick(keys) : rnd.pick(KEYS);
    const target = node as Record<string, unknown>;
    switch (rnd.below(4)) {
      case 0:
        target[key] = randomValue(rnd);
        break;
      case 1:
        if (Array.isArray(node)) node.splice(Number(key), 1);
        else delete target[key];
        break;
      case 2:
        target[Array.isArray(node) ? node.length : rnd.pick(KEYS)] = randomValue(rnd);
        break;
      default:
        if (Array.isArray(node) && node.length) node.push(structuredClone(node[rnd.below(node.length)]));
        else target[key] = rnd.pick(STRINGS);
    }
  }
  return copy;
}
