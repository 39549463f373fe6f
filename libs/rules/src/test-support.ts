import type { EntityCommand } from '@hearth/entities';
import { RuleEngine, type EngineOptions, type EntitySnapshot, type Location, type LogLevel, type RulePorts } from './engine.js';
import type { RuleTrace } from './format.js';
import { parseRule } from './parse.js';

/** Timers on a clock that moves only when told to; `advance` runs what falls due, in order, letting promises settle. */
export class FakeClock {
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(public now: number) {}

  setTimer(ms: number, fn: () => void): number {
    const seq = ++this.seq;
    this.timers.push({ at: this.now + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.seq !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = end;
  }

  /**
   * Moves the wall clock without running timers, as NTP does to a Raspberry Pi after boot; timers keep
   * their durations (they run on a monotonic clock), so they come due that much later on the wall clock.
   */
  jump(ms: number): void {
    this.now += ms;
    for (const timer of this.timers) timer.at += ms;
  }
}

export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
      now: () => clock.now,
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
      clearTimer: (handle) => clock.clearTimer(handle),
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
