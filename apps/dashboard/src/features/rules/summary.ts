import type { ActionDefinition, ConditionDefinition, EntityCommand, RuleDefinition, RuleDto, RuleStateValue, RunResult, SunEvent, TriggerDefinition, Weekday } from '@hearth/api-types';
import { durationParts } from '@hearth/rules/duration';
import { brightnessPercent, kelvin, rgbToHex } from '../../lib/format.js';

/**
 * Rules in words, for people who do not read JSON: "When binary_sensor.hall_motion turns on, if after
 * sunset: turn on light.hall". `name` turns an entity or device id into what the page calls it.
 */
export type NameOf = (id: string) => string;
/** The unit of an entity's numbers (a thermostat's `°C`), null when the page does not know it. */
export type UnitOf = (entityId: string) => string | null;

const asIs: NameOf = (id) => id;
const unknownUnit: UnitOf = () => null;

export const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DAY_NAMES: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** "5m" → "5 min", "1h30m" → "1 h 30 min"; the sign is left out (callers say before or after). */
export function durationText(text: string): string {
  const parts = durationParts(text, true);
  if (!parts) return text;
  const { days, hours, minutes, seconds } = parts;
  const words = [days && `${days} d`, hours && `${hours} h`, minutes && `${minutes} min`, seconds && `${seconds} s`].filter(Boolean);
  return words.length > 0 ? words.join(' ') : '0 s';
}

const negative = (offset: string | undefined): boolean => offset?.startsWith('-') ?? false;
const isZero = (offset: string | undefined): boolean => offset === undefined || /^[+-]?(0+[dhms])*$/.test(offset);

/** "sunset", "30 min before sunset", "1 h after sunrise". */
function sunMoment(event: SunEvent, offset: string | undefined): string {
  if (isZero(offset)) return event;
  return `${durationText(offset!)} ${negative(offset) ? 'before' : 'after'} ${event}`;
}

/** "", "on weekdays", "at weekends", "on Mon, Wed". */
function daysText(days: readonly Weekday[] | undefined): string {
  if (!days || days.length === 0 || days.length === 7) return '';
  const set = new Set(days);
  const is = (wanted: Weekday[]) => set.size === wanted.length && wanted.every((day) => set.has(day));
  if (is(['mon', 'tue', 'wed', 'thu', 'fri'])) return 'on weekdays';
  if (is(['sat', 'sun'])) return 'at weekends';
  return `on ${WEEK.filter((day) => set.has(day)).map((day) => DAY_NAMES[day]).join(', ')}`;
}

const quoted = (value: RuleStateValue): string => (typeof value === 'string' ? `"${value}"` : String(value));
const values = (value: RuleStateValue | RuleStateValue[]): string => (Array.isArray(value) ? value.map(quoted).join(' or ') : quoted(value));
const isOnOff = (value: unknown): value is 'on' | 'off' => value === 'on' || value === 'off';
const clip = (text: string, max = 40): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const forText = (duration: string | undefined): string => (duration ? ` for ${durationText(duration)}` : '');

function limits(above: number | undefined, below: number | undefined, [rise, fall, between]: [string, string, string]): string {
  if (above !== undefined && below !== undefined) return `${between} ${above} and ${below}`;
  return above !== undefined ? `${rise} ${above}` : `${fall} ${below}`;
}

const subject = (entityId: string, attribute: string | undefined, name: NameOf): string => (attribute ? `the ${attribute} of ${name(entityId)}` : name(entityId));

export function triggerText(trigger: TriggerDefinition, name: NameOf = asIs): string {
  switch (trigger.type) {
    case 'state': {
      const { from, to } = trigger;
      let change = 'changes';
      if (to !== undefined && from === undefined) change = isOnOff(to) ? `turns ${to}` : `changes to ${values(to)}`;
      else if (to !== undefined) change = `changes from ${values(from!)} to ${values(to)}`;
      else if (from !== undefined) change = `changes from ${values(from)}`;
      return `when ${name(trigger.entityId)} ${change}${forText(trigger.for)}`;
    }
    case 'threshold':
      return `when ${subject(trigger.entityId, trigger.attribute, name)} ${limits(trigger.above, trigger.below, ['rises above', 'drops below', 'goes between'])}${forText(trigger.for)}`;
    case 'mqtt':
      return `when a message arrives on ${trigger.topic}${trigger.payload === undefined ? '' : ` saying "${clip(trigger.payload)}"`}`;
    case 'time':
      if ('cron' in trigger) return `on the schedule "${trigger.cron}"`;
      return daysText(trigger.weekdays) ? `at ${trigger.at} ${daysText(trigger.weekdays)}` : `every day at ${trigger.at}`;
    case 'sun':
      return isZero(trigger.offset) ? `at ${trigger.event}` : sunMoment(trigger.event, trigger.offset);
    case 'offline':
      if ('deviceId' in trigger) return `when device ${name(trigger.deviceId)} goes offline${forText(trigger.for)}`;
      return `when ${name(trigger.entityId)} becomes unavailable${forText(trigger.for)}`;
  }
}

export function conditionText(condition: ConditionDefinition, name: NameOf = asIs): string {
  switch (condition.type) {
    case 'state':
      return `${name(condition.entityId)} is ${'in' in condition ? values(condition.in) : isOnOff(condition.equals) ? condition.equals : quoted(condition.equals)}`;
    case 'numeric':
      return `${subject(condition.entityId, condition.attribute, name)} is ${limits(condition.above, condition.below, ['above', 'below', 'between'])}`;
    case 'time': {
      const { after, before } = condition;
      const window = after && before ? `between ${after} and ${before}` : after ? `after ${after}` : before ? `before ${before}` : '';
      return [window, daysText(condition.weekdays)].filter(Boolean).join(' ') || 'any time';
    }
    case 'sun': {
      const after = condition.after && `after ${sunMoment(condition.after, condition.afterOffset)}`;
      const before = condition.before && `before ${sunMoment(condition.before, condition.beforeOffset)}`;
      return [after, before].filter(Boolean).join(' and ');
    }
    case 'and':
    case 'or':
      return `(${condition.conditions.map((c) => conditionText(c, name)).join(` ${condition.type} `)})`;
    case 'not':
      return `not (${condition.conditions.map((c) => conditionText(c, name)).join(' or ')})`;
  }
}

export function actionText(action: ActionDefinition, name: NameOf = asIs, unit: UnitOf = unknownUnit): string {
  switch (action.type) {
    case 'command':
      return commandText(action.command, name(action.entityId), unit(action.entityId));
    case 'publish':
      return action.payload ? `publish "${clip(action.payload)}" to ${action.topic}` : `publish to ${action.topic}`;
    case 'notify':
      return `notify "${clip(action.title ? `${action.title}: ${action.message}` : action.message)}"`;
    case 'log':
      return `log "${clip(action.message)}"`;
    case 'delay':
      return `wait ${durationText(action.duration)}`;
    case 'if': {
      const otherwise = action.else?.length ? `; otherwise ${actionsText(action.else, name, unit)}` : '';
      return `(if ${conditionsText(action.conditions, name)}: ${actionsText(action.then, name, unit)}${otherwise})`;
    }
  }
}

const withUnit = (value: number | string, unit: string | null): string => (unit ? `${value} ${unit}` : String(value));

/**
 * A command in words: what it does ("open Garden valve", "turn on Lamp"), then what it sets ("at 50 %",
 * "set Thermostat to 21 °C, heat"). `unit` is the entity's, for a target temperature or a number's value.
 */
function commandText(command: EntityCommand, who: string, unit: string | null): string {
  const { on, open, stop, locked, press } = command;
  const does = [
    on !== undefined && `turn ${on ? 'on' : 'off'} ${who}`,
    open !== undefined && `${open ? 'open' : 'close'} ${who}`,
    stop && `stop ${who}`,
    locked !== undefined && `${locked ? 'lock' : 'unlock'} ${who}`,
    press && `press ${who}`,
  ].filter((part): part is string => typeof part === 'string');
  const sets = [
    command.brightness !== undefined && `${brightnessPercent(command.brightness)} %`,
    command.colorTemp !== undefined && `${kelvin(command.colorTemp)} K`,
    command.rgb !== undefined && rgbToHex(command.rgb),
    command.position !== undefined && `${command.position} % open`,
    command.targetTemperature !== undefined && (unit ? `${command.targetTemperature} ${unit}` : `${command.targetTemperature}°`),
    command.hvacMode !== undefined && command.hvacMode,
    command.percentage !== undefined && `${command.percentage} % speed`,
    command.preset !== undefined && `preset ${command.preset}`,
    command.value !== undefined && withUnit(command.value, unit),
  ].filter((part): part is string => typeof part === 'string');
  if (sets.length === 0) return does.join(', ') || `command ${who}`;
  // "turn on Lamp at 50 %" reads better than "turn on Lamp, set Lamp to 50 %".
  if (does.length === 1 && on === true) return `${does[0]} at ${sets.join(', ')}`;
  return [...does, `set ${who} to ${sets.join(', ')}`].join(', ');
}

const conditionsText = (conditions: ConditionDefinition[], name: NameOf): string => conditions.map((c) => conditionText(c, name)).join(' and ');
const actionsText = (actions: ActionDefinition[], name: NameOf, unit: UnitOf): string => actions.map((a) => actionText(a, name, unit)).join(', ');

/** The whole rule in one sentence: "When …, if …: do …". */
export function ruleSummary(rule: Pick<RuleDefinition, 'triggers' | 'conditions' | 'actions'>, name: NameOf = asIs, unit: UnitOf = unknownUnit): string {
  const when = rule.triggers.map((t) => triggerText(t, name)).join(' or ');
  const only = rule.conditions.length > 0 ? `, if ${conditionsText(rule.conditions, name)}` : '';
  return sentence(`${when}${only}: ${actionsText(rule.actions, name, unit)}`);
}

/** First letter up, for a part shown on its own ("When …"). */
export const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * What a rule is doing, in a few words and a tone: stopped (by loop protection) before running, before
 * waiting for what it names that does not exist (yet), before on/off.
 */
export function ruleState(rule: Pick<RuleDto, 'status' | 'running' | 'waitingFor'>): { text: string; tone: 'ok' | 'on' | 'muted' | 'bad' } {
  if (rule.status === 'stopped') return { text: 'Stopped', tone: 'bad' };
  if (rule.running > 0) return { text: rule.running === 1 ? 'Running' : `Running ×${rule.running}`, tone: 'on' };
  if (rule.status !== 'active') return { text: 'Off', tone: 'muted' };
  const [first, ...more] = rule.waitingFor;
  if (first === undefined) return { text: 'Active', tone: 'ok' };
  return { text: `Waiting for ${first}${more.length > 0 ? ` and ${more.length} more` : ''}`, tone: 'muted' };
}

export const RESULT_TEXT: Record<RunResult, string> = {
  done: 'Done',
  'conditions-failed': 'Conditions not met',
  error: 'Failed',
  cancelled: 'Cancelled',
  stopped: 'Stopped (loop)',
};

/** The colour a result or status is shown in: good, neutral or a problem. */
export const RESULT_TONE: Record<RunResult, 'ok' | 'muted' | 'bad'> = {
  done: 'ok',
  'conditions-failed': 'muted',
  error: 'bad',
  cancelled: 'muted',
  stopped: 'bad',
};

/** `/api/rules/<id>/traces`: ids are UUIDs, but encode them anyway. */
export const rulePath = (id: string, suffix = ''): string => `/api/rules/${encodeURIComponent(id)}${suffix}`;
