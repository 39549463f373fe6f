import { commandProblems, compileTemplate, isEntityKind, type EntityCommand } from '@hearth/entities';
import { FieldReader, fieldOf, fieldPath, isJsonObject, type FieldProblem, type JsonObject } from '@hearth/field-reader';
import { parseCron } from './cron.js';
import type { ActionDefinition, ConditionDefinition, RuleDefinition, RuleMode, RuleStateValue, TriggerDefinition, Weekday } from './format.js';
import { topicFilterProblem, topicNameProblem } from '@hearth/mqtt-topics';
import { parseDuration } from './duration.js';
import { DAY, HOUR, parseClock, WEEKDAYS } from '@hearth/local-time';

/** A problem in rule JSON, at its path (e.g. `triggers[0].entityId`). */
export type RuleError = FieldProblem;

declare const checked: unique symbol;
/** A rule as `parseRule` accepted it (defaults filled in); the only kind the engine takes. */
export type Rule = RuleDefinition & { readonly [checked]: true };

export type ParseRuleResult = { ok: true; rule: Rule } | { ok: false; errors: RuleError[] };

/** Bounds on every list, string, duration and nesting level, so no rule costs unbounded work or memory. */
export const RULE_LIMITS = {
  triggers: 20,
  /** Per list, nested ones included. */
  conditions: 20,
  actions: 50,
  /** Triggers, conditions and actions of the whole rule. */
  nodes: 200,
  /** Levels of and/or/not/if inside one another. */
  depth: 6,
  name: 100,
  description: 1000,
  id: 200,
  topic: 1024,
  payload: 16_384,
  message: 2000,
  value: 200,
  /** Values in a from/to/in list. */
  values: 20,
  forMs: 7 * DAY,
  delayMs: DAY,
  offsetMs: 6 * HOUR,
  /** Errors reported at most; the rest are left out. */
  errors: 50,
} as const;

const RULE_MODES: readonly RuleMode[] = ['single', 'restart', 'queued', 'parallel'];

const TRIGGER_KEYS: Record<TriggerDefinition['type'], readonly string[]> = {
  state: ['entityId', 'from', 'to', 'for'],
  threshold: ['entityId', 'attribute', 'above', 'below', 'for'],
  mqtt: ['topic', 'payload'],
  time: ['at', 'weekdays', 'cron'],
  sun: ['event', 'offset'],
  offline: ['deviceId', 'entityId', 'for'],
};
const CONDITION_KEYS: Record<ConditionDefinition['type'], readonly string[]> = {
  state: ['entityId', 'equals', 'in'],
  numeric: ['entityId', 'attribute', 'above', 'below'],
  time: ['after', 'before', 'weekdays'],
  sun: ['after', 'afterOffset', 'before', 'beforeOffset'],
  and: ['conditions'],
  or: ['conditions'],
  not: ['conditions'],
};
const ACTION_KEYS: Record<ActionDefinition['type'], readonly string[]> = {
  command: ['entityId', 'command', 'continueOnError'],
  publish: ['topic', 'payload', 'qos', 'retain', 'continueOnError'],
  notify: ['message', 'title', 'continueOnError'],
  log: ['message', 'level'],
  delay: ['duration'],
  if: ['conditions', 'then', 'else'],
};
const RULE_KEYS = ['name', 'description', 'enabled', 'mode', 'triggers', 'conditions', 'actions'];
const SUN_EVENTS = ['sunrise', 'sunset'] as const;
const LOG_LEVELS = ['info', 'warn', 'error'] as const;
const ENTITY_ID = /^[a-z0-9_]+\.[a-z0-9_]+$/;
/** What templates may read: the trigger's data (docs/rules.md). */
export const TEMPLATE_VARIABLES = ['trigger'];

/** Drops absent optional keys, so the stored rule holds only what was said. */
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * Checks rule JSON of any shape and gives the rule with its defaults, or every problem (up to 50) with its
 * path. Never throws: it reads only the keys it knows, checks list lengths before walking them and nesting
 * depth before descending, and never serializes what it was given.
 */
export function parseRule(json: unknown): ParseRuleResult {
  const parser = new RuleParser();
  const rule = parser.rule(json);
  return parser.problems.length === 0 ? { ok: true, rule: rule as Rule } : { ok: false, errors: parser.problems };
}

/**
 * Each method records what is wrong and returns its best reading; the result is only used when nothing was
 * wrong, so a reading may hold undefined where the input was bad.
 */
class RuleParser extends FieldReader {
  private nodes = 0;

  constructor() {
    super(RULE_LIMITS.errors);
  }

  rule(json: unknown): RuleDefinition | undefined {
    const o = this.object(json, '', RULE_KEYS);
    if (!o) return undefined;
    return compact({
      name: this.string(o, 'name', '', { required: true, max: RULE_LIMITS.name })!,
      description: this.string(o, 'description', '', { max: RULE_LIMITS.description }),
      enabled: this.boolean(o, 'enabled', '') ?? true,
      mode: this.oneOf(o, 'mode', '', RULE_MODES) ?? 'single',
      triggers: this.list(o, 'triggers', '', (v, p) => this.trigger(v, p), { required: true, max: RULE_LIMITS.triggers, allowEmpty: false })!,
      conditions: this.list(o, 'conditions', '', (v, p) => this.condition(v, p, 1), { max: RULE_LIMITS.conditions }) ?? [],
      actions: this.list(o, 'actions', '', (v, p) => this.action(v, p, 1), { required: true, max: RULE_LIMITS.actions, allowEmpty: false })!,
    });
  }

  private trigger(value: unknown, path: string): TriggerDefinition | undefined {
    const typed = this.typed(value, path, TRIGGER_KEYS);
    if (!typed) return undefined;
    const { o, type } = typed;
    switch (type) {
      case 'state':
        return compact({ type, entityId: this.entityId(o, path, true)!, from: this.stateValues(o, 'from', path), to: this.stateValues(o, 'to', path), for: this.for(o, path) });
      case 'threshold': {
        const limits = this.limits(o, path);
        return compact({ type, entityId: this.entityId(o, path, true)!, attribute: this.string(o, 'attribute', path, { max: RULE_LIMITS.value }), ...limits, for: this.for(o, path) });
      }
      case 'mqtt':
        return compact({ type, topic: this.topic(o, 'topic', path, true)!, payload: this.string(o, 'payload', path, { max: RULE_LIMITS.payload, min: 0 }) });
      case 'time': {
        if (fieldOf(o, 'cron') !== undefined) {
          const cron = this.string(o, 'cron', path, { max: 100 });
          if (fieldOf(o, 'at') !== undefined || fieldOf(o, 'weekdays') !== undefined) this.fail(path, 'give either at (with weekdays) or cron, not both');
          const parsed = cron === undefined ? undefined : parseCron(cron);
          if (parsed && !parsed.ok) this.fail(fieldPath(path, 'cron'), parsed.message);
          return { type, cron: cron! };
        }
        return compact({ type, at: this.clock(o, 'at', path, true)!, weekdays: this.weekdays(o, path) });
      }
      case 'sun':
        return compact({ type, event: this.oneOf(o, 'event', path, SUN_EVENTS, { required: true })!, offset: this.duration(o, 'offset', path, RULE_LIMITS.offsetMs, true) });
      case 'offline': {
        const device = fieldOf(o, 'deviceId') !== undefined;
        const entity = fieldOf(o, 'entityId') !== undefined;
        if (device === entity) return this.fail(path, device ? 'give a deviceId or an entityId, not both' : 'give a deviceId or an entityId');
        const forText = this.for(o, path);
        return device ? compact({ type, deviceId: this.string(o, 'deviceId', path, { required: true, max: RULE_LIMITS.id })!, for: forText }) : compact({ type, entityId: this.entityId(o, path, true)!, for: forText });
      }
    }
  }

  private condition(value: unknown, path: string, depth: number): ConditionDefinition | undefined {
    const typed = this.typed(value, path, CONDITION_KEYS);
    if (!typed) return undefined;
    const { o, type } = typed;
    switch (type) {
      case 'state': {
        const entityId = this.entityId(o, path, true)!;
        if (fieldOf(o, 'equals') !== undefined) {
          if (fieldOf(o, 'in') !== undefined) this.fail(path, 'give equals or in, not both');
          return { type, entityId, equals: this.stateValue(fieldOf(o, 'equals'), fieldPath(path, 'equals'))! };
        }
        if (fieldOf(o, 'in') === undefined) this.fail(path, 'give equals or in');
        return { type, entityId, in: this.list(o, 'in', path, (v, p) => this.stateValue(v, p), { required: true, max: RULE_LIMITS.values, allowEmpty: false })! };
      }
      case 'numeric':
        return compact({ type, entityId: this.entityId(o, path, true)!, attribute: this.string(o, 'attribute', path, { max: RULE_LIMITS.value }), ...this.limits(o, path) });
      case 'time': {
        const after = this.clock(o, 'after', path);
        const before = this.clock(o, 'before', path);
        const weekdays = this.weekdays(o, path);
        if (after === undefined && before === undefined && weekdays === undefined) this.fail(path, 'give after, before or weekdays');
        if (after !== undefined && after === before) this.fail(path, 'after and before must differ');
        return compact({ type, after, before, weekdays });
      }
      case 'sun': {
        const after = this.oneOf(o, 'after', path, SUN_EVENTS);
        const before = this.oneOf(o, 'before', path, SUN_EVENTS);
        if (after === undefined && before === undefined) this.fail(path, 'give after or before');
        const afterOffset = this.duration(o, 'afterOffset', path, RULE_LIMITS.offsetMs, true);
        const beforeOffset = this.duration(o, 'beforeOffset', path, RULE_LIMITS.offsetMs, true);
        if (afterOffset !== undefined && after === undefined) this.fail(fieldPath(path, 'afterOffset'), 'needs after');
        if (beforeOffset !== undefined && before === undefined) this.fail(fieldPath(path, 'beforeOffset'), 'needs before');
        return compact({ type, after, afterOffset, before, beforeOffset });
      }
      case 'and':
      case 'or':
      case 'not':
        return { type, conditions: this.nested(o, 'conditions', path, depth, RULE_LIMITS.conditions, (v, p) => this.condition(v, p, depth + 1))! };
    }
  }

  private action(value: unknown, path: string, depth: number): ActionDefinition | undefined {
    const typed = this.typed(value, path, ACTION_KEYS);
    if (!typed) return undefined;
    const { o, type } = typed;
    const continueOnError = this.boolean(o, 'continueOnError', path);
    switch (type) {
      case 'command': {
        const entityId = this.entityId(o, path, true);
        return compact({ type, entityId: entityId!, command: this.command(fieldOf(o, 'command'), fieldPath(path, 'command'), entityId)!, continueOnError });
      }
      case 'publish': {
        const topic = this.topic(o, 'topic', path, true, true)!;
        const payload = this.template(o, 'payload', path, RULE_LIMITS.payload, false, true) ?? '';
        const qos = fieldOf(o, 'qos') === undefined ? 0 : fieldOf(o, 'qos');
        if (qos !== 0 && qos !== 1 && qos !== 2) this.fail(fieldPath(path, 'qos'), 'must be 0, 1 or 2');
        return compact({ type, topic, payload, qos: qos as 0 | 1 | 2, retain: this.boolean(o, 'retain', path) ?? false, continueOnError });
      }
      case 'notify':
        return compact({ type, message: this.template(o, 'message', path, RULE_LIMITS.message, true)!, title: this.template(o, 'title', path, RULE_LIMITS.name, false), continueOnError });
      case 'log':
        return { type, message: this.template(o, 'message', path, RULE_LIMITS.message, true)!, level: this.oneOf(o, 'level', path, LOG_LEVELS) ?? 'info' };
      case 'delay': {
        const duration = this.duration(o, 'duration', path, RULE_LIMITS.delayMs, false, true)!;
        return { type, duration };
      }
      case 'if':
        return compact({
          type,
          conditions: this.nested(o, 'conditions', path, depth, RULE_LIMITS.conditions, (v, p) => this.condition(v, p, depth + 1))!,
          then: this.nested(o, 'then', path, depth, RULE_LIMITS.actions, (v, p) => this.action(v, p, depth + 1))!,
          else: fieldOf(o, 'else') === undefined ? undefined : this.nested(o, 'else', path, depth, RULE_LIMITS.actions, (v, p) => this.action(v, p, depth + 1)),
        });
    }
  }

  // --- building blocks --------------------------------------------------------------------------------

  /** An object with a `type` from the table, and only that type's keys. */
  private typed<T extends string>(value: unknown, path: string, keys: Record<T, readonly string[]>): { o: JsonObject; type: T } | undefined {
    // Past the limit nothing more is read, so even a graph that shares its lists cannot multiply the work.
    if (++this.nodes > RULE_LIMITS.nodes) {
      return this.nodes === RULE_LIMITS.nodes + 1 ? this.fail(path, `the rule has more than ${RULE_LIMITS.nodes} triggers, conditions and actions`) : undefined;
    }
    if (!isJsonObject(value)) return this.fail(path, 'must be an object');
    const type = fieldOf(value, 'type');
    if (typeof type !== 'string' || !Object.hasOwn(keys, type)) {
      return this.fail(fieldPath(path, 'type'), type === undefined ? 'required' : `must be one of ${Object.keys(keys).join(', ')}`);
    }
    this.object(value, path, ['type', ...keys[type as T]]);
    return { o: value, type: type as T };
  }

  /** A list inside a condition or action: one level deeper, refused without descending past the limit. */
  private nested<T>(o: JsonObject, key: string, path: string, depth: number, max: number, item: (value: unknown, path: string) => T | undefined): T[] | undefined {
    if (depth >= RULE_LIMITS.depth) return this.fail(fieldPath(path, key), `nests deeper than ${RULE_LIMITS.depth} levels`);
    return this.list(o, key, path, item, { required: true, max, allowEmpty: false });
  }

  private entityId(o: JsonObject, path: string, required: boolean): string | undefined {
    const id = this.string(o, 'entityId', path, { required, max: RULE_LIMITS.id });
    if (id !== undefined && !ENTITY_ID.test(id)) return this.fail(fieldPath(path, 'entityId'), 'must be an entity id such as light.kitchen');
    return id;
  }

  private stateValue(value: unknown, path: string): RuleStateValue | undefined {
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
    if (typeof value === 'string' && value.length <= RULE_LIMITS.value) return value;
    return this.fail(path, `must be a string (at most ${RULE_LIMITS.value} characters), a number or true/false`);
  }

  private stateValues(o: JsonObject, key: string, path: string): RuleStateValue | RuleStateValue[] | undefined {
    const value = fieldOf(o, key);
    if (!Array.isArray(value)) return value === undefined ? undefined : this.stateValue(value, fieldPath(path, key));
    return this.list(o, key, path, (v, p) => this.stateValue(v, p), { max: RULE_LIMITS.values, allowEmpty: false });
  }

  /** above and/or below, above lower than below. */
  private limits(o: JsonObject, path: string): { above?: number; below?: number } {
    const above = this.number(o, 'above', path);
    const below = this.number(o, 'below', path);
    if (fieldOf(o, 'above') === undefined && fieldOf(o, 'below') === undefined) this.fail(path, 'give above, below or both');
    if (above !== undefined && below !== undefined && above >= below) this.fail(fieldPath(path, 'below'), 'must be more than above');
    return { above, below };
  }

  private duration(o: JsonObject, key: string, path: string, max: number, signed: boolean, required = false): string | undefined {
    const text = this.string(o, key, path, { required, max: 40 });
    if (text === undefined) return undefined;
    const ms = parseDuration(text, signed);
    const at = fieldPath(path, key);
    if (ms === undefined) return this.fail(at, `must be a duration such as ${signed ? '"-30m", ' : ''}"90s", "5m" or "1h30m"`);
    if (Math.abs(ms) > max) return this.fail(at, `must be at most ${max / HOUR} hours`);
    if (!signed && ms === 0) return this.fail(at, 'must be longer than 0s');
    return text;
  }

  private for(o: JsonObject, path: string): string | undefined {
    return this.duration(o, 'for', path, RULE_LIMITS.forMs, false);
  }

  private clock(o: JsonObject, key: string, path: string, required = false): string | undefined {
    const text = this.string(o, key, path, { required, max: 5 });
    if (text !== undefined && parseClock(text) === undefined) return this.fail(fieldPath(path, key), 'must be a time "HH:MM" (24-hour)');
    return text;
  }

  private weekdays(o: JsonObject, path: string): Weekday[] | undefined {
    const days = this.list(o, 'weekdays', path, (v, p) => (WEEKDAYS.includes(v as Weekday) ? (v as Weekday) : this.fail(p, `must be one of ${WEEKDAYS.join(', ')}`)), { max: 7, allowEmpty: false });
    if (days && new Set(days).size !== days.length) this.fail(fieldPath(path, 'weekdays'), 'names a day twice');
    return days;
  }

  /** A topic filter (`+`, `#` allowed) or, for `name`, a topic to publish to. */
  private topic(o: JsonObject, key: string, path: string, required: boolean, name = false): string | undefined {
    const topic = this.string(o, key, path, { required, max: RULE_LIMITS.topic });
    if (topic === undefined) return undefined;
    const problem = name ? topicNameProblem(topic) : topicFilterProblem(topic);
    if (problem) return this.fail(fieldPath(path, key), problem);
    if (name && topic.startsWith('$')) return this.fail(fieldPath(path, key), 'must not start with $ (broker topics)');
    return topic;
  }

  private template(o: JsonObject, key: string, path: string, max: number, required: boolean, allowEmpty = false): string | undefined {
    const text = this.string(o, key, path, { required, max, min: allowEmpty ? 0 : 1 });
    if (text === undefined) return undefined;
    const compiled = compileTemplate(text, TEMPLATE_VARIABLES);
    if (!compiled.ok) return this.fail(fieldPath(path, key), `template: ${compiled.error.message} (at character ${compiled.error.position})`);
    return text;
  }

  /** A command checked for the kind its entity id names (`valve.garden` takes open, stop, position). */
  private command(value: unknown, path: string, entityId: string | undefined): EntityCommand | undefined {
    if (value === undefined) return this.fail(path, 'required');
    const kind = entityId?.split('.')[0];
    const problems = commandProblems(value, kind !== undefined && isEntityKind(kind) ? kind : undefined);
    for (const problem of problems) this.fail(problem.feature ? fieldPath(path, problem.feature) : path, problem.message);
    return problems.length ? undefined : (value as EntityCommand);
  }
}
