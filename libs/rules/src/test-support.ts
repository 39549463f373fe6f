import type { EntityCommand } from '@hearth/entities';
import { FakeClock, settle } from '@hearth/fake-clock';
import { RuleEngine, type EngineOptions, type EntitySnapshot, type Location, type LogLevel, type RulePorts } from './engine.js';
import type { RuleTrace } from './format.js';
import { parseRule } from './parse.js';

export interface HarnessOptions extends EngineOptions {
  /** ISO start time; default 2024-06-21T12:00:00Z. */
  start?: string;
  location?: Location | null;
  /** Ports that behave differently from the recording fakes. */
  ports?: Partial<RulePorts>;
}

/** An engine on fake ports that records what it was asked to do. */
export function harness(options: HarnessOptions = {}) {
  const clock = new FakeClock(Date.parse(options.start ?? '2024-06-21T12:00:00Z'));
  const states = new Map<string, EntitySnapshot>();
  const commands: Array<{ entityId: string; command: EntityCommand }> = [];
  const published: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  const notifications: Array<{ title?: string; message: string }> = [];
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const traces: RuleTrace[] = [];
  /** Entities whose commands fail. */
  const broken = new Set<string>();
  let location = options.location ?? null;
  const engine = new RuleEngine(
    {
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimeout(fn, ms),
      clearTimer: (handle) => clock.clearTimeout(handle),
      getState: (entityId) => states.get(entityId),
      command: async (entityId, command) => {
        if (broken.has(entityId)) throw new Error(`${entityId} does not answer`);
        commands.push({ entityId, command });
      },
      publish: async (topic, payload, { qos, retain }) => {
        published.push({ topic, payload, qos, retain });
      },
      notify: async ({ title, message }) => {
        notifications.push(title === undefined ? { message } : { title, message });
      },
      log: (level, message) => logs.push({ level, message }),
      location: () => location,
      onTrace: (trace) => traces.push(trace),
      ...options.ports,
    },
    { timeZone: 'UTC', ...options },
  );
  return {
    clock,
    engine,
    states,
    commands,
    published,
    notifications,
    logs,
    traces,
    broken,
    /** Parses and adds a rule; the rule JSON gets a name and a log action unless it has its own. */
    add(json: Record<string, unknown>, id = 'r1'): void {
      const parsed = parseRule({ name: id, actions: [{ type: 'log', message: 'ran' }], ...json });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      engine.setRule(id, parsed.rule);
    },
    /** Sets an entity's state and tells the engine; `feed` does so for each value, letting each run finish. */
    set(entityId: string, state: EntitySnapshot['state'], attributes: Record<string, unknown> = {}, available = true): void {
      const before = states.get(entityId) ?? null;
      const after = { state, attributes, available };
      states.set(entityId, after);
      engine.stateChanged(entityId, before, after);
    },
    async feed(entityId: string, values: Array<EntitySnapshot['state']>): Promise<void> {
      for (const value of values) {
        this.set(entityId, value);
        await settle();
      }
    },
    setLocation(next: Location | null): void {
      location = next;
      engine.reschedule();
    },
    /** Lets started runs get as far as they can without the clock moving. */
    settle,
  };
}
