import { compileTemplate, renderTemplate, toText, type EntityCommand } from '@hearth/entities';
import { topicMatches } from '@hearth/mqtt-topics';
import { cronDay, cronMinutes, parseCron } from './cron.js';
import type { ActionDefinition, ConditionDefinition, RuleStatus, RuleTrace, RuleStateValue, TriggerDefinition } from './format.js';
import { TEMPLATE_VARIABLES, type Rule } from './parse.js';
import { sunTimes } from './sun.js';
import { parseDuration } from './duration.js';
import { atLocal, inWindow, localTime, MINUTE, minuteOfDay, nextInstant, parseClock, SECOND, weekdayOf, WEEKDAYS, type LocalDate } from '@hearth/local-time';

/** What the engine knows of an entity. */
export type StartResult = 'started' | 'busy' | 'looping';

export interface EntitySnapshot {
  state: string | number | boolean | null;
  attributes: Readonly<Record<string, unknown>>;
  available: boolean;
}

export interface Location {
  latitude: number;
  longitude: number;
  /** IANA zone of the house; the engine's default zone when absent. */
  timezone?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Everything the engine does to or learns from the world; tests pass fakes (a fake clock among them). */
export interface RulePorts {
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  getState(entityId: string): EntitySnapshot | undefined;
  command(entityId: string, command: EntityCommand): Promise<void>;
  publish(topic: string, payload: string, options: { qos: 0 | 1 | 2; retain: boolean }): Promise<void>;
  notify(notification: { ruleId: string; rule: string; title?: string; message: string }): Promise<void>;
  log(level: LogLevel, message: string, fields: Record<string, unknown>): void;
  /** Null while the house has no location: sun triggers wait and sun conditions are false. */
  location(): Location | null;
  /** Every finished run, and every rule stopped by loop protection. */
  onTrace(trace: RuleTrace): void;
}

export interface EngineOptions {
  /** Zone of time triggers and conditions when the location names none; the process's own by default. */
  timeZone?: string;
  /** Loop protection: a rule starting more runs than this within `loopWindowMs` is stopped. */
  maxRuns?: number;
  loopWindowMs?: number;
  /** An action whose port call takes longer fails, so a stuck device cannot hold a rule forever. */
  actionTimeoutMs?: number;
}

/** Runs waiting (queued) or side by side (parallel) per rule. */
const MAX_RUNS_AT_ONCE = 10;
/** A schedule woken later than this after its time (the clock jumped) skips that occurrence. */
const MAX_LATE = MINUTE;
/**
 * Schedules wait in steps that re-read the clock: a Raspberry Pi has no real-time clock and its time jumps
 * when NTP catches up after boot. Steps shorter than MAX_LATE see a jump that lands before an occurrence
 * in time to run it; a longer step would wake past it and take it for skipped.
 */
const MAX_SLEEP = 30 * SECOND;
/** MQTT payloads up to this size are parsed as JSON for templates (`trigger.payload_json`). */
const MAX_JSON_PAYLOAD = 65_536;
const MAX_ERROR_LENGTH = 500;

interface Fired {
  index: number | null;
  type: RuleTrace['trigger']['type'];
  description: string;
  /** `trigger` in templates. */
  data: Record<string, unknown>;
  /** The entity or device the trigger saw change, for the trace. */
  subject?: Pick<RuleTrace['trigger'], 'entityId' | 'deviceId'>;
}

interface Run {
  fired: Fired;
  checkConditions: boolean;
  cancelled: boolean;
  /** Ends the delay the run is waiting in, if any. */
  wake?: () => void;
  trace: RuleTrace;
}

interface Entry {
  id: string;
  rule: Rule;
  stopped?: string;
  /** Per trigger index: its schedule (time, sun) or its pending `for`. */
  timers: Map<number, unknown>;
  runs: Set<Run>;
  queue: Run[];
  /** Start times within the loop window. */
  starts: number[];
}

type StateTrigger = Extract<TriggerDefinition, { type: 'state' }>;
type ThresholdTrigger = Extract<TriggerDefinition, { type: 'threshold' }>;
type Limits = { attribute?: string; above?: number; below?: number };

/**
 * Evaluates rules (see index.ts for the format): feed it entity state changes, MQTT messages and device
 * availability; it keeps its own timers for schedules, sun events and `for`, and acts through its ports.
 * Nothing a rule does — a failing action, a throwing port, a bad time zone — escapes into the caller or
 * into other rules; it ends up in that run's trace and the log.
 */
export class RuleEngine {
  private readonly entries = new Map<string, Entry>();
  /** The configured zone; without one, the machine's, looked up when a rule first needs it (see zone()). */
  private timeZone: string | undefined;
  private readonly maxRuns: number;
  private readonly loopWindowMs: number;
  private readonly actionTimeoutMs: number;
  /** Enabled MQTT triggers: with none, a message costs one comparison. */
  private mqttTriggers = 0;

  constructor(
    private readonly ports: RulePorts,
    options: EngineOptions = {},
  ) {
    this.timeZone = options.timeZone;
    this.maxRuns = options.maxRuns ?? 20;
    this.loopWindowMs = options.loopWindowMs ?? SECOND;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 30 * SECOND;
  }

  // --- rules ------------------------------------------------------------------------------------------

  /** Adds or replaces a rule; a replaced rule's runs are cancelled and its timers cleared. */
  setRule(id: string, rule: Rule): void {
    this.removeRule(id);
    const entry: Entry = { id, rule, timers: new Map(), runs: new Set(), queue: [], starts: [] };
    this.entries.set(id, entry);
    if (rule.enabled) this.schedule(entry);
    this.countMqttTriggers();
  }

  removeRule(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.halt(entry);
    this.entries.delete(id);
    this.countMqttTriggers();
  }

  status(id: string): { status: RuleStatus; stoppedReason: string | null } | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.stopped !== undefined) return { status: 'stopped', stoppedReason: entry.stopped };
    return { status: entry.rule.enabled ? 'active' : 'disabled', stoppedReason: null };
  }

  /** Runs of the rule in progress now (in an action or a delay); queued ones not counted. 0 for an unknown rule. */
  running(id: string): number {
    return this.entries.get(id)?.runs.size ?? 0;
  }

  /** Recomputes every schedule, e.g. after the location or time zone changed. */
  reschedule(): void {
    for (const entry of this.active()) this.schedule(entry);
  }

  /** Stops everything: timers cleared, runs cancelled, rules forgotten. */
  close(): void {
    for (const id of [...this.entries.keys()]) this.removeRule(id);
  }

  /**
   * Runs a rule's actions now, skipping its triggers and, unless `checkConditions`, its conditions. Works on
   * disabled and stopped rules too. Says whether it started, or why not: the rule is unknown, its mode
   * refuses another run now (`busy`), or loop protection stopped it (`looping`).
   */
  run(id: string, checkConditions: boolean): StartResult | 'unknown' {
    const entry = this.entries.get(id);
    if (!entry) return 'unknown';
    const data = { type: 'manual', time: new Date(this.ports.now()).toISOString() };
    return this.start(entry, { index: null, type: 'manual', description: 'run by hand', data }, checkConditions);
  }

  // --- inputs -----------------------------------------------------------------------------------------

  /** An entity's state, attributes or availability changed; `before` null when it was unknown. */
  stateChanged(entityId: string, before: EntitySnapshot | null, after: EntitySnapshot): void {
    for (const entry of this.active()) {
      entry.rule.triggers.forEach((trigger, index) => {
        if (!('entityId' in trigger) || trigger.entityId !== entityId) return;
        this.guard(entry, `handling ${entityId}`, () => {
          if (trigger.type === 'state') this.onState(entry, index, trigger, before, after);
          else if (trigger.type === 'threshold') this.onThreshold(entry, index, trigger, before, after);
          else if (trigger.type === 'offline' && before?.available !== after.available) this.onAvailability(entry, index, trigger.for, { entityId }, before?.available === true, after.available);
        });
      });
    }
  }

  /** An entity is gone: a `for` waiting on it can no longer hold, so it ends. */
  entityRemoved(entityId: string): void {
    for (const entry of this.active()) {
      entry.rule.triggers.forEach((trigger, index) => {
        if ('entityId' in trigger && trigger.entityId === entityId) this.cancelTimer(entry, index);
      });
    }
  }

  /** A device's availability changed (reported on changes only). */
  availabilityChanged(deviceId: string, available: boolean): void {
    for (const entry of this.active()) {
      entry.rule.triggers.forEach((trigger, index) => {
        if (trigger.type !== 'offline' || !('deviceId' in trigger) || trigger.deviceId !== deviceId) return;
        this.guard(entry, `handling ${deviceId}`, () => this.onAvailability(entry, index, trigger.for, { deviceId }, !available, available));
      });
    }
  }

  /** Every MQTT message; the payload is decoded only for a matching trigger. */
  mqttMessage(topic: string, payload: string | Uint8Array): void {
    if (this.mqttTriggers === 0) return;
    let text: string | undefined;
    for (const entry of this.active()) {
      entry.rule.triggers.forEach((trigger, index) => {
        if (trigger.type !== 'mqtt' || !topicMatches(trigger.topic, topic)) return;
        this.guard(entry, `handling a message on ${topic}`, () => {
          text ??= typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
          if (trigger.payload !== undefined && trigger.payload !== text) return;
          this.fire(entry, { index, type: 'mqtt', description: `message on ${topic}`, data: { type: 'mqtt', topic, payload: text, payload_json: parseJson(text) } });
        });
      });
    }
  }

  // --- triggers ---------------------------------------------------------------------------------------

  private onState(entry: Entry, index: number, trigger: StateTrigger, before: EntitySnapshot | null, after: EntitySnapshot): void {
    const from = before?.state ?? null;
    const to = after.state;
    if (from === to || (from !== null && to !== null && String(from) === String(to))) return;
    // Any change ends a pending `for`: the state it waited on did not hold.
    this.cancelTimer(entry, index);
    if (!matches(trigger.from, from) || !matches(trigger.to, to)) return;
    const fired = {
      index,
      type: 'state' as const,
      description: `${trigger.entityId} changed from ${show(from)} to ${show(to)}`,
      data: { type: 'state', entityId: trigger.entityId, from, to },
      subject: { entityId: trigger.entityId },
    };
    this.fireAfter(entry, trigger.for, fired);
  }

  private onThreshold(entry: Entry, index: number, trigger: ThresholdTrigger, before: EntitySnapshot | null, after: EntitySnapshot): void {
    const was = before !== null && withinLimits(valueOf(before, trigger.attribute), trigger);
    const value = valueOf(after, trigger.attribute);
    const is = withinLimits(value, trigger);
    if (was === is) return;
    this.cancelTimer(entry, index);
    if (!is) return;
    const what = trigger.attribute ? `${trigger.entityId} ${trigger.attribute}` : trigger.entityId;
    this.fireAfter(entry, trigger.for, { index, type: 'threshold', description: `${what} is ${show(value)}`, data: { type: 'threshold', entityId: trigger.entityId, value }, subject: { entityId: trigger.entityId } });
  }

  private onAvailability(entry: Entry, index: number, forText: string | undefined, subject: { entityId: string } | { deviceId: string }, was: boolean, is: boolean): void {
    this.cancelTimer(entry, index);
    const id = 'entityId' in subject ? subject.entityId : subject.deviceId;
    if (was && !is) this.fireAfter(entry, forText, { index, type: 'offline', description: `${id} went offline`, data: { type: 'offline', id }, subject });
  }

  /** Fires now, or once `forText` has passed with nothing cancelling it. */
  private fireAfter(entry: Entry, forText: string | undefined, fired: Fired): void {
    if (forText === undefined) return this.fire(entry, fired);
    this.setTimer(entry, fired.index!, parseDuration(forText)!, () => this.fire(entry, { ...fired, description: `${fired.description} for ${forText}` }));
  }

  private fire(entry: Entry, fired: Fired): void {
    // Loop protection may have stopped the rule on an earlier trigger of this same event.
    if (entry.stopped !== undefined) return;
    fired.data.time = new Date(this.ports.now()).toISOString();
    this.start(entry, fired, true);
  }

  /** Schedules the time and sun triggers of an enabled rule. */
  private schedule(entry: Entry): void {
    entry.rule.triggers.forEach((trigger, index) => {
      if (trigger.type === 'time' || trigger.type === 'sun') this.guard(entry, 'scheduling', () => this.arm(entry, index));
    });
  }

  private arm(entry: Entry, index: number): void {
    const trigger = entry.rule.triggers[index] as Extract<TriggerDefinition, { type: 'time' | 'sun' }>;
    const due = this.nextDue(trigger, this.ports.now());
    if (due === null) return this.cancelTimer(entry, index);
    this.wait(entry, index, trigger, due);
  }

  /** Waits for `due` step by step (MAX_SLEEP), fires unless the clock jumped past it, then arms the next. */
  private wait(entry: Entry, index: number, trigger: Extract<TriggerDefinition, { type: 'time' | 'sun' }>, due: number): void {
    const now = this.ports.now();
    this.setTimer(entry, index, Math.min(due - now, MAX_SLEEP), () => {
      const woken = this.ports.now();
      // Not yet: a step costs no recomputing, unless the clock was set back and an earlier occurrence may come first.
      if (woken < due) return woken >= now ? this.wait(entry, index, trigger, due) : this.arm(entry, index);
      if (woken - due <= MAX_LATE) {
        const description = trigger.type === 'sun' ? `${trigger.event}${trigger.offset ? ` ${trigger.offset}` : ''}` : 'at' in trigger ? `time ${trigger.at}` : `cron ${trigger.cron}`;
        this.fire(entry, { index, type: trigger.type, description, data: { type: trigger.type } });
      }
      this.arm(entry, index);
    });
  }

  /** The next time a schedule fires after `now`, or null (no location yet, or never). */
  private nextDue(trigger: Extract<TriggerDefinition, { type: 'time' | 'sun' }>, now: number): number | null {
    if (trigger.type === 'sun') {
      const location = this.ports.location();
      if (!location) return null;
      const offset = trigger.offset ? parseDuration(trigger.offset, true)! : 0;
      // The sun may not rise or set for months near the poles; a year is always enough.
      return nextInstant(now, this.zone(location), 370, (date) => {
        const at = sunTimes(date, location.latitude, location.longitude)[trigger.event];
        return at === null ? [] : [at + offset];
      });
    }
    const zone = this.zone(this.ports.location());
    if ('at' in trigger) {
      const minute = parseClock(trigger.at)!;
      return nextInstant(now, zone, 8, (date) => (trigger.weekdays === undefined || trigger.weekdays.includes(WEEKDAYS[weekdayOf(date)]) ? [atLocal(date, minute, zone)] : []));
    }
    const parsed = parseCron(trigger.cron);
    if (!parsed.ok) return null;
    const { cron } = parsed;
    // February 29th on a given weekday can be years away; four years and a day cover a leap day.
    return nextInstant(now, zone, 4 * 366 + 1, (date, fromMinute) => (cronDay(cron, date) ? instants(date, cronMinutes(cron, fromMinute), zone) : []));
  }

  // --- runs -------------------------------------------------------------------------------------------

  /** Starts or queues a run as the rule's mode says; false when refused. */
  private start(entry: Entry, fired: Fired, checkConditions: boolean): StartResult {
    const mode = entry.rule.mode;
    const busy = entry.runs.size > 0;
    const refused = mode === 'single' ? busy : mode === 'queued' ? entry.queue.length >= MAX_RUNS_AT_ONCE : mode === 'parallel' && entry.runs.size >= MAX_RUNS_AT_ONCE;
    if (refused) {
      // Expected of a single-mode rule (a motion sensor during the rule's delay); a full queue is not.
      this.ports.log(mode === 'single' ? 'debug' : 'warn', `rule still running (mode ${mode}); trigger ignored`, { ruleId: entry.id, trigger: fired.description });
      return 'busy';
    }
    if (this.looping(entry, fired)) return 'looping';
    const now = new Date(this.ports.now()).toISOString();
    const trace: RuleTrace = {
      ruleId: entry.id,
      startedAt: now,
      finishedAt: now,
      trigger: { index: fired.index, type: fired.type, description: fired.description, ...fired.subject },
      conditions: [],
      actions: [],
      result: 'done',
    };
    const run: Run = { fired, checkConditions, cancelled: false, trace };
    if (mode === 'restart') for (const running of entry.runs) cancel(running);
    if (mode === 'queued' && busy) entry.queue.push(run);
    else void this.execute(entry, run);
    return 'started';
  }

  /** Loop protection: counts this start, and stops the rule when there were too many of late. */
  private looping(entry: Entry, fired: Fired): boolean {
    const now = this.ports.now();
    while (entry.starts.length > 0 && now - entry.starts[0] >= this.loopWindowMs) entry.starts.shift();
    entry.starts.push(now);
    if (entry.starts.length <= this.maxRuns) return false;
    const reason = `stopped: more than ${this.maxRuns} runs within ${this.loopWindowMs} ms, likely a loop (do its actions trigger it again?); save or re-enable the rule to start it again`;
    this.halt(entry);
    entry.stopped = reason;
    this.countMqttTriggers();
    this.ports.log('error', reason, { ruleId: entry.id, rule: entry.rule.name, trigger: fired.description });
    const time = new Date(now).toISOString();
    this.emit({ ruleId: entry.id, startedAt: time, finishedAt: time, trigger: { index: fired.index, type: fired.type, description: fired.description, ...fired.subject }, conditions: [], actions: [], result: 'stopped', error: reason });
    return true;
  }

  private async execute(entry: Entry, run: Run): Promise<void> {
    entry.runs.add(run);
    const { trace } = run;
    try {
      // Off the caller's stack: that may be the broker delivering a message, or another rule's action.
      await Promise.resolve();
      if (run.checkConditions && !this.holds(entry.rule.conditions, 'conditions', run, 'all')) trace.result = 'conditions-failed';
      else trace.result = await this.perform(entry, entry.rule.actions, 'actions', run);
    } catch (error) {
      trace.result = 'error';
      trace.error = describeError(error);
    } finally {
      entry.runs.delete(run);
      trace.finishedAt = new Date(this.ports.now()).toISOString();
      this.emit(trace);
      const next = entry.queue.shift();
      if (next) void this.execute(entry, next);
    }
  }

  private async perform(entry: Entry, actions: readonly ActionDefinition[], path: string, run: Run): Promise<'done' | 'error' | 'cancelled'> {
    for (let i = 0; i < actions.length; i++) {
      if (run.cancelled) return 'cancelled';
      const action = actions[i];
      const at = `${path}[${i}]`;
      const started = this.ports.now();
      const step: RuleTrace['actions'][number] = { path: at, type: action.type, result: 'ok', startedAt: new Date(started).toISOString(), durationMs: 0 };
      if (action.type === 'command') Object.assign(step, { entityId: action.entityId, command: action.command });
      run.trace.actions.push(step);
      if (action.type === 'if') {
        const holds = this.holds(action.conditions, `${at}.conditions`, run, 'all');
        const branch = holds ? 'then' : 'else';
        step.detail = holds || action.else ? branch : 'conditions false, no else';
        const outcome = action[branch] ? await this.perform(entry, action[branch], `${at}.${branch}`, run) : 'done';
        if (outcome !== 'done') return outcome;
        continue;
      }
      try {
        step.detail = await this.act(entry, action, run);
        if (run.cancelled) step.result = 'cancelled';
      } catch (error) {
        step.result = 'error';
        step.error = describeError(error);
        if (!('continueOnError' in action && action.continueOnError)) {
          run.trace.error = `${at}: ${step.error}`;
          return 'error';
        }
      } finally {
        step.durationMs = this.ports.now() - started;
      }
    }
    return run.cancelled ? 'cancelled' : 'done';
  }

  /** Does one action; answers what the trace should say about it. */
  private async act(entry: Entry, action: Exclude<ActionDefinition, { type: 'if' }>, run: Run): Promise<string | undefined> {
    switch (action.type) {
      case 'command':
        await this.timed(this.ports.command(action.entityId, action.command));
        return undefined;
      case 'publish': {
        const payload = render(action.payload, run);
        await this.timed(this.ports.publish(action.topic, payload, { qos: action.qos, retain: action.retain }));
        return brief(payload);
      }
      case 'notify': {
        const message = render(action.message, run);
        const title = action.title === undefined ? undefined : render(action.title, run);
        await this.timed(this.ports.notify({ ruleId: entry.id, rule: entry.rule.name, title, message }));
        return brief(message);
      }
      case 'log': {
        const message = render(action.message, run);
        this.ports.log(action.level, message, { ruleId: entry.id, rule: entry.rule.name });
        return brief(message);
      }
      case 'delay':
        await new Promise<void>((resolve) => {
          const timer = this.ports.setTimer(parseDuration(action.duration)!, resolve);
          run.wake = () => {
            this.ports.clearTimer(timer);
            resolve();
          };
        });
        run.wake = undefined;
        return undefined;
    }
  }

  /** A port call that has not answered within the action timeout fails. */
  private timed(call: Promise<void>): Promise<void> {
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.ports.setTimer(this.actionTimeoutMs, () => reject(new Error(`no answer within ${this.actionTimeoutMs / SECOND} s`)));
    });
    return Promise.race([call, timeout]).finally(() => this.ports.clearTimer(timer));
  }

  private emit(trace: RuleTrace): void {
    try {
      this.ports.onTrace(trace);
    } catch (error) {
      this.ports.log('error', 'could not hand on a rule trace', { ruleId: trace.ruleId, err: describeError(error) });
    }
  }

  // --- conditions -------------------------------------------------------------------------------------

  /** `all`, `any` or `none` of the conditions hold, each recorded in the trace (stopping once decided). */
  private holds(conditions: readonly ConditionDefinition[], path: string, run: Run, need: 'all' | 'any' | 'none'): boolean {
    for (let i = 0; i < conditions.length; i++) {
      const result = this.check(conditions[i], `${path}[${i}]`, run);
      if (need === 'all' && !result) return false;
      if (need !== 'all' && result) return need === 'any';
    }
    return need !== 'any';
  }

  private check(condition: ConditionDefinition, path: string, run: Run): boolean {
    const step: RuleTrace['conditions'][number] = { path, type: condition.type, result: false, detail: '', ...('entityId' in condition && { entityId: condition.entityId }) };
    run.trace.conditions.push(step);
    [step.result, step.detail] = this.evaluate(condition, path, run);
    return step.result;
  }

  private evaluate(condition: ConditionDefinition, path: string, run: Run): [boolean, string] {
    switch (condition.type) {
      case 'state': {
        const state = this.ports.getState(condition.entityId);
        if (!state) return [false, `${condition.entityId} is unknown`];
        const result = 'equals' in condition ? sameState(state.state, condition.equals) : condition.in.some((v) => sameState(state.state, v));
        return [result, `${condition.entityId} is ${show(state.state)}`];
      }
      case 'numeric': {
        const state = this.ports.getState(condition.entityId);
        if (!state) return [false, `${condition.entityId} is unknown`];
        const value = valueOf(state, condition.attribute);
        const what = condition.attribute ? `${condition.entityId} ${condition.attribute}` : condition.entityId;
        return [withinLimits(value, condition), `${what} is ${show(value)}`];
      }
      case 'time': {
        const zone = this.zone(this.ports.location());
        const now = localTime(this.ports.now(), zone);
        const weekday = WEEKDAYS[weekdayOf(now)];
        const from = condition.after === undefined ? undefined : parseClock(condition.after);
        const to = condition.before === undefined ? undefined : parseClock(condition.before);
        const result = (condition.weekdays?.includes(weekday) ?? true) && inWindow(minuteOfDay(now), from, to);
        return [result, `it is ${weekday} ${clock(now.hour * 60 + now.minute)}`];
      }
      case 'sun': {
        const location = this.ports.location();
        if (!location) return [false, 'the house has no location (settings)'];
        const zone = this.zone(location);
        const now = this.ports.now();
        const times = sunTimes(localTime(now, zone), location.latitude, location.longitude);
        if (times.sunrise === null || times.sunset === null) return [false, times.allDay ? 'the sun does not set today' : 'the sun does not rise today'];
        const edge = (event: 'sunrise' | 'sunset' | undefined, offset: string | undefined) => (event === undefined ? undefined : times[event]! + (offset ? parseDuration(offset, true)! : 0));
        const from = edge(condition.after, condition.afterOffset);
        const to = edge(condition.before, condition.beforeOffset);
        // Only "after sunset, before sunrise" spans midnight; a window that offsets turn inside out (a
        // daytime window on a short winter day) is empty, not the rest of the day and night.
        const inverted = from !== undefined && to !== undefined && from > to && !(condition.after === 'sunset' && condition.before === 'sunrise');
        const result = !inverted && inWindow(now, from, to);
        const at = (ms: number) => {
          const t = localTime(ms, zone);
          return clock(t.hour * 60 + t.minute);
        };
        return [result, `sunrise ${at(times.sunrise)}, sunset ${at(times.sunset)}`];
      }
      case 'and':
      case 'or':
      case 'not': {
        const need = condition.type === 'and' ? 'all' : condition.type === 'or' ? 'any' : 'none';
        return [this.holds(condition.conditions, `${path}.conditions`, run, need), ''];
      }
    }
  }

  // --- bookkeeping ------------------------------------------------------------------------------------

  private *active(): Generator<Entry> {
    for (const entry of this.entries.values()) if (entry.rule.enabled && entry.stopped === undefined) yield entry;
  }

  private zone(location: Location | null): string {
    // Asked on first use, not at construction: any Intl.DateTimeFormat maps ~8 MB of ICU data that a hub
    // without time-based rules never needs.
    return location?.timezone ?? (this.timeZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
  }

  private setTimer(entry: Entry, index: number, ms: number, fn: () => void): void {
    this.cancelTimer(entry, index);
    // A stopped rule waits on nothing: a `for` or the next occurrence set after halt() would start it again.
    if (entry.stopped !== undefined) return;
    const handle = this.ports.setTimer(ms, () => {
      entry.timers.delete(index);
      this.guard(entry, 'on a timer', fn);
    });
    entry.timers.set(index, handle);
  }

  private cancelTimer(entry: Entry, index: number): void {
    if (!entry.timers.has(index)) return;
    this.ports.clearTimer(entry.timers.get(index));
    entry.timers.delete(index);
  }

  /** Clears a rule's timers and cancels its runs and queue. */
  private halt(entry: Entry): void {
    for (const handle of entry.timers.values()) this.ports.clearTimer(handle);
    entry.timers.clear();
    entry.queue.length = 0;
    for (const run of entry.runs) cancel(run);
  }

  private countMqttTriggers(): void {
    let count = 0;
    for (const entry of this.active()) for (const trigger of entry.rule.triggers) if (trigger.type === 'mqtt') count++;
    this.mqttTriggers = count;
  }

  /** One rule's failure is logged and stays its own. */
  private guard(entry: Entry, what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.ports.log('error', `rule failed ${what}`, { ruleId: entry.id, err: describeError(error) });
    }
  }
}

function cancel(run: Run): void {
  run.cancelled = true;
  run.wake?.();
}

function* instants(date: LocalDate, minutes: Iterable<number>, zone: string): Generator<number> {
  for (const minute of minutes) yield atLocal(date, minute, zone);
}

/** States compare as text, so a rule's `21` matches a sensor's "21" and `true` matches "true". */
function sameState(state: EntitySnapshot['state'], value: RuleStateValue): boolean {
  return state !== null && String(state) === String(value);
}

function matches(spec: RuleStateValue | RuleStateValue[] | undefined, state: EntitySnapshot['state']): boolean {
  if (spec === undefined) return true;
  return Array.isArray(spec) ? spec.some((v) => sameState(state, v)) : sameState(state, spec);
}

function valueOf(snapshot: EntitySnapshot, attribute: string | undefined): unknown {
  return attribute === undefined ? snapshot.state : Object.hasOwn(snapshot.attributes, attribute) ? snapshot.attributes[attribute] : undefined;
}

/** A number (or numeric text) within above/below; anything else is not. */
function withinLimits(value: unknown, limits: Limits): boolean {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return false;
  return (limits.above === undefined || n > limits.above) && (limits.below === undefined || n < limits.below);
}

function render(source: string, run: Run): string {
  const compiled = compileTemplate(source, TEMPLATE_VARIABLES);
  if (!compiled.ok) throw new Error(`template: ${compiled.error.message}`);
  const rendered = renderTemplate(compiled.template, { trigger: run.fired.data });
  if (!rendered.ok) throw new Error(`template: ${rendered.reason}`);
  return toText(rendered.value);
}

function parseJson(text: string): unknown {
  if (text.length > MAX_JSON_PAYLOAD) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a trace keeps of a rendered payload or message: a template can make it as long as an MQTT message. */
const brief = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value) : String(value));
const clock = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
