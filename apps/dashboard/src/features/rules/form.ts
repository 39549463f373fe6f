import type { RuleMode, SunEvent, Weekday } from '@hearth/api-types';
import { parseDuration } from '@hearth/rules/duration';
import { ApiError } from '../../lib/api/http.js';
import { commandJson, commandPaths, noSettings, readCommand, typedNumber, type CommandSettings, type CommandVerb } from './command-form.js';
import { WEEK } from './summary.js';

/**
 * The rule editor's form: the common triggers, conditions and actions as fields people can fill in on
 * a phone, and the rule JSON they stand for. Anything the form has no fields for (an `if`, `and`/`or`,
 * a cron schedule, a list of states...) stays in the form as written (`type: 'json'`), to be edited in
 * the JSON tab. Fields hold text as typed; nothing is judged here: the hub checks the rule and answers
 * every problem with its path, which the editor shows at the field.
 */

export type Unit = 's' | 'm' | 'h';
/** A duration as typed: a blank amount is none. */
export interface DurationForm {
  amount: string;
  unit: Unit;
}
/** Minutes before or after sunrise/sunset; blank is none. */
export interface OffsetForm {
  minutes: string;
  earlier: boolean;
}

export type TriggerType = 'state' | 'threshold' | 'time' | 'sun' | 'mqtt' | 'offline';
export type ConditionType = 'state' | 'numeric' | 'time' | 'sun';
export type ActionType = 'command' | 'publish' | 'notify' | 'log' | 'delay';

/** One trigger; the fields of every type, so switching the type keeps what was typed (the entity, say). */
export interface TriggerForm {
  type: TriggerType | 'json';
  entityId: string;
  /** state: blank is any value. */
  from: string;
  to: string;
  /** threshold */
  above: string;
  below: string;
  for: DurationForm;
  /** time */
  at: string;
  weekdays: Weekday[];
  /** sun */
  event: SunEvent;
  offset: OffsetForm;
  /** mqtt: blank payload is any payload. */
  topic: string;
  payload: string;
  /** offline: a whole device, or one entity. */
  of: 'device' | 'entity';
  deviceId: string;
  /** `type: 'json'`: the trigger as written. */
  json?: unknown;
}

export interface ConditionForm {
  type: ConditionType | 'json';
  entityId: string;
  /** state */
  equals: string;
  /** numeric */
  above: string;
  below: string;
  /** time: "HH:MM" */
  after: string;
  before: string;
  weekdays: Weekday[];
  /** sun: '' is no limit on that side. */
  sunAfter: SunEvent | '';
  afterOffset: OffsetForm;
  sunBefore: SunEvent | '';
  beforeOffset: OffsetForm;
  json?: unknown;
}

export interface ActionForm {
  type: ActionType | 'json';
  /** command: what to do to the entity, and the values that asks for (see command-form.ts). */
  entityId: string;
  verb: CommandVerb;
  /** As typed or picked; kept exact so an unchanged rule saves unchanged. */
  settings: CommandSettings;
  /** publish */
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** notify, log */
  title: string;
  message: string;
  level: 'info' | 'warn' | 'error';
  /** delay */
  duration: DurationForm;
  continueOnError: boolean;
  json?: unknown;
}

export interface RuleForm {
  name: string;
  description: string;
  enabled: boolean;
  mode: RuleMode;
  triggers: TriggerForm[];
  conditions: ConditionForm[];
  actions: ActionForm[];
}

type Json = Record<string, unknown>;

const noDuration = (): DurationForm => ({ amount: '', unit: 'm' });
const noOffset = (): OffsetForm => ({ minutes: '', earlier: true });

export const blankTrigger = (): TriggerForm => ({
  type: 'state',
  entityId: '',
  from: '',
  to: '',
  above: '',
  below: '',
  for: noDuration(),
  at: '',
  weekdays: [],
  event: 'sunset',
  offset: noOffset(),
  topic: '',
  payload: '',
  of: 'device',
  deviceId: '',
});

export const blankCondition = (): ConditionForm => ({
  type: 'state',
  entityId: '',
  equals: '',
  above: '',
  below: '',
  after: '',
  before: '',
  weekdays: [],
  sunAfter: 'sunset',
  afterOffset: noOffset(),
  sunBefore: '',
  beforeOffset: noOffset(),
});

export const blankAction = (): ActionForm => ({
  type: 'command',
  entityId: '',
  verb: 'on',
  settings: noSettings(),
  topic: '',
  payload: '',
  qos: 0,
  retain: false,
  title: '',
  message: '',
  level: 'info',
  duration: { amount: '', unit: 'm' },
  continueOnError: false,
});

export const newRuleForm = (): RuleForm => ({
  name: '',
  description: '',
  enabled: true,
  mode: 'single',
  triggers: [blankTrigger()],
  conditions: [],
  actions: [blankAction()],
});

// --- JSON → form ------------------------------------------------------------------------------------

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const only = (o: Json, keys: readonly string[]): boolean => Object.keys(o).every((key) => key === 'type' || keys.includes(key));
const text = (value: unknown): value is string => typeof value === 'string';
const optionalText = (value: unknown): value is string | undefined => value === undefined || text(value);
const optionalNumber = (value: unknown): value is number | undefined => value === undefined || (typeof value === 'number' && Number.isFinite(value));
/** A state value the form can hold as text and give back unchanged in meaning (compared as text). */
const scalar = (value: unknown): string | undefined => {
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return text(value) && value !== '' && value.trim() === value ? value : undefined;
};
const MODES: readonly RuleMode[] = ['single', 'restart', 'queued', 'parallel'];
const SUN: readonly SunEvent[] = ['sunrise', 'sunset'];

/** Seconds of a duration text ("1h30m"), negative for "-…"; undefined when it is not one. */
const seconds = (value: string): number | undefined => {
  const ms = parseDuration(value, true);
  return ms === undefined ? undefined : ms / 1000;
};

function durationForm(value: unknown): DurationForm | undefined {
  if (value === undefined) return noDuration();
  const total = text(value) ? seconds(value) : undefined;
  if (total === undefined || total < 0 || /^[+-]/.test(value as string)) return undefined;
  if (total % 3600 === 0 && total > 0) return { amount: String(total / 3600), unit: 'h' };
  if (total % 60 === 0 && total > 0) return { amount: String(total / 60), unit: 'm' };
  return { amount: String(total), unit: 's' };
}

function offsetForm(value: unknown): OffsetForm | undefined {
  if (value === undefined) return noOffset();
  const total = text(value) ? seconds(value) : undefined;
  if (total === undefined || total % 60 !== 0) return undefined;
  return total === 0 ? noOffset() : { minutes: String(Math.abs(total) / 60), earlier: total < 0 };
}

function weekdaysForm(value: unknown): Weekday[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((day) => WEEK.includes(day)) || new Set(value).size !== value.length) return undefined;
  return WEEK.filter((day) => value.includes(day));
}

const numberText = (value: number | undefined): string => (value === undefined ? '' : String(value));

/**
 * An item (trigger, condition, action) as form fields, or as JSON kept as written when the form has no
 * fields for it: `read` fills in the blank item's fields, or gives undefined when they cannot hold the JSON.
 */
function itemForm<T extends TriggerForm | ConditionForm | ActionForm>(json: unknown, blank: () => T, read: (o: Json, form: T) => T | undefined): T {
  const form = blank();
  return (isObject(json) && read(json, form)) || { ...form, type: 'json', json };
}

export const triggerForm = (json: unknown): TriggerForm => itemForm(json, blankTrigger, readTrigger);

function readTrigger(o: Json, form: TriggerForm): TriggerForm | undefined {
  switch (o.type) {
    case 'state': {
      const [from, to, duration] = [scalar(o.from), scalar(o.to), durationForm(o.for)];
      if (!only(o, ['entityId', 'from', 'to', 'for']) || !text(o.entityId) || from === undefined || to === undefined || !duration) return undefined;
      return { ...form, type: 'state', entityId: o.entityId, from, to, for: duration };
    }
    case 'threshold': {
      const duration = durationForm(o.for);
      if (!only(o, ['entityId', 'above', 'below', 'for']) || !text(o.entityId) || !optionalNumber(o.above) || !optionalNumber(o.below) || !duration) return undefined;
      return { ...form, type: 'threshold', entityId: o.entityId, above: numberText(o.above), below: numberText(o.below), for: duration };
    }
    case 'time': {
      const weekdays = weekdaysForm(o.weekdays);
      if (!only(o, ['at', 'weekdays']) || !text(o.at) || !weekdays) return undefined;
      return { ...form, type: 'time', at: o.at, weekdays };
    }
    case 'sun': {
      const offset = offsetForm(o.offset);
      if (!only(o, ['event', 'offset']) || !SUN.includes(o.event as SunEvent) || !offset) return undefined;
      return { ...form, type: 'sun', event: o.event as SunEvent, offset };
    }
    case 'mqtt':
      if (!only(o, ['topic', 'payload']) || !text(o.topic) || !optionalText(o.payload) || o.payload === '') return undefined;
      return { ...form, type: 'mqtt', topic: o.topic, payload: o.payload ?? '' };
    case 'offline': {
      const duration = durationForm(o.for);
      if (!only(o, ['deviceId', 'entityId', 'for']) || !duration) return undefined;
      if (text(o.deviceId) && o.entityId === undefined) return { ...form, type: 'offline', of: 'device', deviceId: o.deviceId, for: duration };
      if (text(o.entityId) && o.deviceId === undefined) return { ...form, type: 'offline', of: 'entity', entityId: o.entityId, for: duration };
      return undefined;
    }
    default:
      return undefined;
  }
}

export const conditionForm = (json: unknown): ConditionForm => itemForm(json, blankCondition, readCondition);

function readCondition(o: Json, form: ConditionForm): ConditionForm | undefined {
  switch (o.type) {
    case 'state': {
      const equals = scalar(o.equals);
      if (!only(o, ['entityId', 'equals']) || !text(o.entityId) || !equals) return undefined;
      return { ...form, type: 'state', entityId: o.entityId, equals };
    }
    case 'numeric':
      if (!only(o, ['entityId', 'above', 'below']) || !text(o.entityId) || !optionalNumber(o.above) || !optionalNumber(o.below)) return undefined;
      return { ...form, type: 'numeric', entityId: o.entityId, above: numberText(o.above), below: numberText(o.below) };
    case 'time': {
      const weekdays = weekdaysForm(o.weekdays);
      if (!only(o, ['after', 'before', 'weekdays']) || !optionalText(o.after) || !optionalText(o.before) || !weekdays) return undefined;
      return { ...form, type: 'time', after: o.after ?? '', before: o.before ?? '', weekdays };
    }
    case 'sun': {
      const [afterOffset, beforeOffset] = [offsetForm(o.afterOffset), offsetForm(o.beforeOffset)];
      const event = (value: unknown) => value === undefined || SUN.includes(value as SunEvent);
      if (!only(o, ['after', 'afterOffset', 'before', 'beforeOffset']) || !event(o.after) || !event(o.before) || !afterOffset || !beforeOffset) return undefined;
      // An offset without its event would be dropped by the form: keep such a condition as written.
      if ((o.afterOffset !== undefined && o.after === undefined) || (o.beforeOffset !== undefined && o.before === undefined)) return undefined;
      return { ...form, type: 'sun', sunAfter: (o.after as SunEvent) ?? '', afterOffset, sunBefore: (o.before as SunEvent) ?? '', beforeOffset };
    }
    default:
      return undefined;
  }
}

export const actionForm = (json: unknown): ActionForm => itemForm(json, blankAction, readAction);

function readAction(o: Json, form: ActionForm): ActionForm | undefined {
  if (o.continueOnError !== undefined && typeof o.continueOnError !== 'boolean') return undefined;
  const continueOnError = o.continueOnError === true;
  switch (o.type) {
    case 'command': {
      if (!only(o, ['entityId', 'command', 'continueOnError']) || !text(o.entityId) || !isObject(o.command)) return undefined;
      const command = readCommand(o.command, o.entityId);
      return command && { ...form, type: 'command', entityId: o.entityId, ...command, continueOnError };
    }
    case 'publish': {
      const qos = o.qos ?? 0;
      if (!only(o, ['topic', 'payload', 'qos', 'retain', 'continueOnError']) || !text(o.topic) || !optionalText(o.payload)) return undefined;
      if ((qos !== 0 && qos !== 1 && qos !== 2) || (o.retain !== undefined && typeof o.retain !== 'boolean')) return undefined;
      return { ...form, type: 'publish', topic: o.topic, payload: o.payload ?? '', qos, retain: o.retain === true, continueOnError };
    }
    case 'notify':
      if (!only(o, ['message', 'title', 'continueOnError']) || !text(o.message) || !optionalText(o.title) || o.title === '') return undefined;
      return { ...form, type: 'notify', message: o.message, title: o.title ?? '', continueOnError };
    case 'log': {
      const level = o.level ?? 'info';
      if (!only(o, ['message', 'level']) || !text(o.message) || (level !== 'info' && level !== 'warn' && level !== 'error')) return undefined;
      return { ...form, type: 'log', message: o.message, level };
    }
    case 'delay': {
      const duration = o.duration === undefined ? undefined : durationForm(o.duration);
      if (!only(o, ['duration']) || !duration) return undefined;
      return { ...form, type: 'delay', duration };
    }
    default:
      return undefined;
  }
}

const RULE_KEYS = ['name', 'description', 'enabled', 'mode', 'triggers', 'conditions', 'actions'];

/**
 * The form for rule JSON, or null when the form cannot hold it without losing something (not an object,
 * a key it does not know, lists that are not lists): such JSON is for the JSON tab, and the hub, to judge.
 */
export function ruleForm(json: unknown): RuleForm | null {
  if (!isObject(json) || !Object.keys(json).every((key) => RULE_KEYS.includes(key))) return null;
  const { name = '', description = '', enabled = true, mode = 'single', triggers = [], conditions = [], actions = [] } = json;
  if (!text(name) || !text(description) || typeof enabled !== 'boolean' || !MODES.includes(mode as RuleMode)) return null;
  if (!Array.isArray(triggers) || !Array.isArray(conditions) || !Array.isArray(actions)) return null;
  return {
    name,
    description,
    enabled,
    mode: mode as RuleMode,
    triggers: triggers.map(triggerForm),
    conditions: conditions.map(conditionForm),
    actions: actions.map(actionForm),
  };
}

// --- form → JSON ------------------------------------------------------------------------------------

/** Drops blank optional keys, so the rule says only what was filled in. */
const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined && value !== ''));
const trimmed = (value: string): string | undefined => value.trim() || undefined;
const duration = ({ amount, unit }: DurationForm): string | undefined => (amount.trim() ? `${amount.trim()}${unit}` : undefined);
function offset({ minutes, earlier }: OffsetForm): string | undefined {
  const typed = minutes.trim();
  if (typed === '' || /^0+$/.test(typed)) return undefined;
  return `${earlier ? '-' : ''}${typed}m`;
}
const weekdays = (days: Weekday[]): Weekday[] | undefined => (days.length > 0 ? WEEK.filter((day) => days.includes(day)) : undefined);

export function triggerJson(t: TriggerForm): unknown {
  switch (t.type) {
    case 'json':
      return t.json;
    case 'state':
      return compact({ type: 'state', entityId: t.entityId, from: trimmed(t.from), to: trimmed(t.to), for: duration(t.for) });
    case 'threshold':
      return compact({ type: 'threshold', entityId: t.entityId, above: typedNumber(t.above), below: typedNumber(t.below), for: duration(t.for) });
    case 'time':
      return compact({ type: 'time', at: t.at, weekdays: weekdays(t.weekdays) });
    case 'sun':
      return compact({ type: 'sun', event: t.event, offset: offset(t.offset) });
    case 'mqtt':
      return compact({ type: 'mqtt', topic: t.topic.trim(), payload: t.payload });
    case 'offline':
      return compact({ type: 'offline', ...(t.of === 'device' ? { deviceId: t.deviceId } : { entityId: t.entityId }), for: duration(t.for) });
  }
}

export function conditionJson(c: ConditionForm): unknown {
  switch (c.type) {
    case 'json':
      return c.json;
    case 'state':
      return compact({ type: 'state', entityId: c.entityId, equals: trimmed(c.equals) });
    case 'numeric':
      return compact({ type: 'numeric', entityId: c.entityId, above: typedNumber(c.above), below: typedNumber(c.below) });
    case 'time':
      return compact({ type: 'time', after: c.after, before: c.before, weekdays: weekdays(c.weekdays) });
    case 'sun':
      return compact({
        type: 'sun',
        after: c.sunAfter,
        afterOffset: c.sunAfter ? offset(c.afterOffset) : undefined,
        before: c.sunBefore,
        beforeOffset: c.sunBefore ? offset(c.beforeOffset) : undefined,
      });
  }
}

export function actionJson(a: ActionForm): unknown {
  const keepGoing = a.continueOnError ? true : undefined;
  switch (a.type) {
    case 'json':
      return a.json;
    case 'command': {
      return compact({ type: 'command', entityId: a.entityId, command: commandJson(a.verb, a.settings, a.entityId), continueOnError: keepGoing });
    }
    case 'publish':
      // payload "" is a real payload (an empty message), so it is always sent.
      return { ...compact({ type: 'publish', topic: a.topic.trim() }), payload: a.payload, qos: a.qos, retain: a.retain, ...(keepGoing ? { continueOnError: true } : {}) };
    case 'notify':
      return compact({ type: 'notify', title: a.title, message: a.message, continueOnError: keepGoing });
    case 'log':
      return compact({ type: 'log', message: a.message, level: a.level });
    case 'delay':
      return compact({ type: 'delay', duration: duration(a.duration) });
  }
}

/** The body of `POST /api/rules` and `PUT /api/rules/:id`; lists in the form's order, so error paths match its items. */
export function ruleJson(form: RuleForm): Json {
  return {
    name: form.name.trim(),
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
    enabled: form.enabled,
    mode: form.mode,
    triggers: form.triggers.map(triggerJson),
    conditions: form.conditions.map(conditionJson),
    actions: form.actions.map(actionJson),
  };
}

// --- the hub's answer -------------------------------------------------------------------------------

/** One problem the hub found, where (`triggers[0].entityId`; '' is the rule itself) and what. */
export interface RuleProblem {
  path: string;
  message: string;
}

/** The problems of a 400 from `POST`/`PUT /api/rules`, or null for any other failure. */
export function ruleProblems(error: unknown): RuleProblem[] | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const errors = (error.body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return null;
  return errors.filter((e): e is RuleProblem => isObject(e) && text(e.path) && text(e.message));
}

/** `triggers[0].for` → `triggers[0]` → `triggers` → ''; undefined above the rule itself. */
export function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** The element id of the field or item at a path, so a problem can lead to it. */
export const fieldId = (path: string): string => `rule-${path.replace(/[^a-zA-Z0-9]+/g, '-') || 'top'}`;

/**
 * The form's fields of an item, as JSON paths below it: problems at one of these show at that field,
 * every other problem under the item shows on the item itself.
 */
export function itemFields(item: TriggerForm | ConditionForm | ActionForm, list: 'triggers' | 'conditions' | 'actions'): string[] {
  const fields: Record<string, string[]> = {
    'triggers.state': ['entityId', 'from', 'to', 'for'],
    'triggers.threshold': ['entityId', 'above', 'below', 'for'],
    'triggers.time': ['at', 'weekdays'],
    'triggers.sun': ['event', 'offset'],
    'triggers.mqtt': ['topic', 'payload'],
    'triggers.offline': ['deviceId', 'entityId', 'for'],
    'conditions.state': ['entityId', 'equals'],
    'conditions.numeric': ['entityId', 'above', 'below'],
    'conditions.time': ['after', 'before', 'weekdays'],
    'conditions.sun': ['after', 'afterOffset', 'before', 'beforeOffset'],
    'actions.command': ['entityId', ...('verb' in item ? commandPaths(item.verb) : [])],
    'actions.publish': ['topic', 'payload', 'qos'],
    'actions.notify': ['title', 'message'],
    'actions.log': ['message'],
    'actions.delay': ['duration'],
  };
  return fields[`${list}.${item.type}`] ?? [];
}
