import type { EntityCommand, StateValue } from '@hearth/entities';
import type { Weekday } from '@hearth/local-time';

/** The rule JSON, as people write it and as `GET /api/rules` gives it back (docs/rules.md). */

/** An entity's state value as a trigger or condition names it (any but "no state"); compared as text, so `21` matches `"21"`. */
export type RuleStateValue = NonNullable<StateValue>;
export type { Weekday };
export type SunEvent = 'sunrise' | 'sunset';

/**
 * How a rule treats a trigger while it is still running: `single` ignores it, `restart` cancels the run
 * and starts again, `queued` runs it afterwards (up to 10 waiting), `parallel` runs it alongside (up to 10).
 */
export type RuleMode = 'single' | 'restart' | 'queued' | 'parallel';

export interface RuleDefinition {
  name: string;
  description?: string;
  /** Default true; a disabled rule never triggers but can still be run by hand. */
  enabled: boolean;
  mode: RuleMode;
  /** Any one of them starts a run. */
  triggers: TriggerDefinition[];
  /** All must hold when a trigger fires, or the run stops there. */
  conditions: ConditionDefinition[];
  actions: ActionDefinition[];
}

// Durations are text: "90s", "5m", "1h30m", "2d"; offsets may start with "-" or "+".

export type TriggerDefinition =
  /** The entity's state changed (attributes alone do not count), optionally from/to given values and held `for` a while. */
  | { type: 'state'; entityId: string; from?: RuleStateValue | RuleStateValue[]; to?: RuleStateValue | RuleStateValue[]; for?: string }
  /** The state (or an attribute) became a number above and/or below the limits, optionally staying there `for` a while. */
  | { type: 'threshold'; entityId: string; attribute?: string; above?: number; below?: number; for?: string }
  /** A message on a topic filter (`+`, `#`), optionally with exactly this payload. */
  | { type: 'mqtt'; topic: string; payload?: string }
  /** Every day (or the given weekdays) at a local time "HH:MM", or on a 5-field cron schedule. */
  | { type: 'time'; at: string; weekdays?: Weekday[] }
  | { type: 'time'; cron: string }
  /** Sunrise or sunset at the house's location, shifted by an offset ("-30m"). */
  | { type: 'sun'; event: SunEvent; offset?: string }
  /** A device or an entity became unavailable, optionally staying so `for` a while. */
  | { type: 'offline'; deviceId: string; for?: string }
  | { type: 'offline'; entityId: string; for?: string };

export type ConditionDefinition =
  | { type: 'state'; entityId: string; equals: RuleStateValue }
  | { type: 'state'; entityId: string; in: RuleStateValue[] }
  | { type: 'numeric'; entityId: string; attribute?: string; above?: number; below?: number }
  /** Local time in [after, before); a window that wraps midnight ("22:00" to "06:00") works. */
  | { type: 'time'; after?: string; before?: string; weekdays?: Weekday[] }
  /** Like `time`, with today's sunrise and sunset (each with an optional offset). */
  | { type: 'sun'; after?: SunEvent; afterOffset?: string; before?: SunEvent; beforeOffset?: string }
  | { type: 'and' | 'or'; conditions: ConditionDefinition[] }
  /** True when none of its conditions holds. */
  | { type: 'not'; conditions: ConditionDefinition[] };

/** Templates (`{{ trigger.to }}`) are allowed in publish payloads, notify and log messages. */
export type ActionDefinition =
  | { type: 'command'; entityId: string; command: EntityCommand; continueOnError?: boolean }
  | { type: 'publish'; topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean; continueOnError?: boolean }
  | { type: 'notify'; message: string; title?: string; continueOnError?: boolean }
  | { type: 'log'; message: string; level: 'info' | 'warn' | 'error' }
  | { type: 'delay'; duration: string }
  | { type: 'if'; conditions: ConditionDefinition[]; then: ActionDefinition[]; else?: ActionDefinition[] };

/** `disabled`: enabled false; `stopped` by loop protection until the rule is saved again. */
export type RuleStatus = 'active' | 'disabled' | 'stopped';

export type RunResult = 'done' | 'conditions-failed' | 'error' | 'cancelled' | 'stopped';

/** What one run did, step by step; paths are those of the rule JSON (`actions[1].then[0]`). */
export interface RuleTrace {
  ruleId: string;
  startedAt: string;
  finishedAt: string;
  /** `index` null: run by hand. `entityId` or `deviceId`: what the trigger saw change. */
  trigger: { index: number | null; type: TriggerDefinition['type'] | 'manual'; description: string; entityId?: string; deviceId?: string };
  /** `entityId`: the entity a state or numeric condition read. */
  conditions: Array<{ path: string; type: ConditionDefinition['type']; result: boolean; detail: string; entityId?: string }>;
  /** `entityId` and `command`: what a command action sent where. */
  actions: Array<{
    path: string;
    type: ActionDefinition['type'];
    result: 'ok' | 'error' | 'cancelled';
    startedAt: string;
    durationMs: number;
    detail?: string;
    error?: string;
    entityId?: string;
    command?: EntityCommand;
  }>;
  result: RunResult;
  error?: string;
}
