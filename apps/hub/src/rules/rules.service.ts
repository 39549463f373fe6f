import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityDto, RuleDto, RuleRunSummary, RuleTraceDto, SavedRuleDto } from '@hearth/api-types';
import { missingReferences, parseRule, ruleReferences, RuleEngine, type EntitySnapshot, type Location, type Rule, type RuleReference, type RuleTrace } from '@hearth/rules';
import type { AuthUser } from '../auth/sessions.service.js';
import { MqttBus } from '../broker/mqtt-bus.js';
import { inAreas } from '../entities/areas.js';
import { EntitiesService } from '../entities/entities.service.js';
import { HubEvents } from '../events/hub-events.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { PushService } from '../push/push.service.js';
import { SettingsRepository } from '../settings/settings.repository.js';
import { NotifyWebhooks } from './notify-webhooks.js';
import { InvalidRule, RuleNotFound, RunRefused } from './rule-errors.js';
import { RulesRepository } from './rules.repository.js';

/**
 * Where `notify` actions publish `{ rule, ruleId, title?, message }` (QoS 1) for bridges and apps to pick
 * up; they also go to people's phones by Web Push and to the webhooks of HEARTH_NOTIFY_WEBHOOKS.
 */
export const NOTIFY_TOPIC = 'hearth/notify';

interface StoredRule {
  rule: Rule;
  createdAt: number;
  updatedAt: number;
  lastRun: RuleRunSummary | null;
}

const snapshot = (entity: EntityDto): EntitySnapshot => ({ state: entity.state, attributes: entity.attributes, available: entity.available });
const runSummary = ({ startedAt, finishedAt, result, error }: RuleTrace): RuleRunSummary => (error === undefined ? { startedAt, finishedAt, result } : { startedAt, finishedAt, result, error });

/**
 * The hub's side of the rule engine (@hearth/rules): loads and stores rules, feeds the engine what the
 * event bus carries (entity states with what they were before, device availability, every MQTT message,
 * the house's location), and carries out its commands, publishes and notifications through the entity
 * pipeline and the MQTT bus. A saved rule takes effect at once.
 */
@Injectable()
export class RulesService {
  private readonly log: Logger;
  private readonly engine: RuleEngine;
  private readonly rules = new Map<string, StoredRule>();
  private location: Location | null = null;

  constructor(
    private readonly entities: EntitiesService,
    private readonly bus: MqttBus,
    private readonly settings: SettingsRepository,
    private readonly repository: RulesRepository,
    private readonly push: PushService,
    private readonly webhooks: NotifyWebhooks,
    private readonly events: HubEvents,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'rules' });
    this.engine = new RuleEngine({
      now: () => Date.now(),
      setTimer: (ms, fn) => setTimeout(fn, ms).unref(),
      clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
      getState: (entityId) => {
        const entity = this.entities.pipeline.find(entityId);
        return entity && snapshot(entity);
      },
      command: async (entityId, command) => {
        await this.entities.pipeline.command(entityId, command);
      },
      publish: (topic, payload, options) => this.bus.publish(topic, payload, options),
      notify: async ({ ruleId, rule, title, message }) => {
        this.log.info({ ruleId, rule, title }, message);
        await this.bus.publish(NOTIFY_TOPIC, JSON.stringify({ rule, ruleId, title, message }), { qos: 1 });
        this.pushNotification(ruleId, title ?? rule, message);
        // Not awaited either: a slow webhook must not hold up the rule.
        void this.webhooks.send({ rule, ruleId, title, message, url: `/rules/${ruleId}` });
      },
      log: (level, message, fields) => this.log[level](fields, message),
      location: () => this.location,
      onTrace: (trace) => this.saveTrace(trace),
    });
  }

  async start(): Promise<void> {
    this.location = this.settings.read().location;
    const { events, engine } = this;
    events.on(this, 'entityState', ({ before, after }) => engine.stateChanged(after.id, before && snapshot(before), snapshot(after)));
    events.on(this, 'entityRemoved', ({ id }) => engine.entityRemoved(id));
    events.on(this, 'availability', ({ deviceId, available }) => engine.availabilityChanged(deviceId, available));
    events.on(this, 'mqttMessage', ({ topic, payload }) => engine.mqttMessage(topic, payload));
    events.on(this, 'settingsChanged', ({ location }) => {
      this.location = location;
      engine.reschedule();
    });
    const lastTraces = this.repository.lastTraces();
    for (const row of this.repository.all()) {
      const parsed = parseRule(row.definition);
      if (!parsed.ok) {
        this.log.error({ ruleId: row.id, errors: parsed.errors }, 'a stored rule does not parse; left out (it stays in the database)');
        continue;
      }
      const last = lastTraces.get(row.id);
      this.rules.set(row.id, { rule: parsed.rule, createdAt: row.createdAt, updatedAt: row.updatedAt, lastRun: last ? runSummary(last) : null });
      this.engine.setRule(row.id, parsed.rule);
    }
    this.log.info({ rules: this.rules.size }, 'rules loaded');
  }

  stop(): void {
    this.events.release(this);
    this.engine.close();
  }

  list(user?: AuthUser): RuleDto[] {
    const visible = this.visibility(user);
    const missing = this.missing();
    return [...this.rules.keys()].filter((id) => visible(this.rules.get(id)!.rule)).map((id) => this.toDto(id, missing));
  }

  get(id: string, user?: AuthUser): RuleDto {
    this.requireVisible(id, user);
    return this.toDto(id);
  }

  create(body: unknown): SavedRuleDto {
    const rule = parse(body);
    const id = randomUUID();
    const now = Date.now();
    this.repository.insert(id, rule, now);
    this.rules.set(id, { rule, createdAt: now, updatedAt: now, lastRun: null });
    this.engine.setRule(id, rule);
    this.log.info({ ruleId: id, rule: rule.name }, 'rule created');
    return this.saved(id);
  }

  update(id: string, body: unknown): SavedRuleDto {
    const stored = this.require(id);
    const rule = parse(body);
    const now = Date.now();
    this.repository.update(id, rule, now);
    this.rules.set(id, { ...stored, rule, updatedAt: now });
    this.engine.setRule(id, rule);
    this.log.info({ ruleId: id, rule: rule.name }, 'rule updated');
    return this.saved(id);
  }

  remove(id: string): void {
    this.require(id);
    this.rules.delete(id);
    this.engine.removeRule(id);
    this.repository.remove(id);
    this.log.info({ ruleId: id }, 'rule deleted');
  }

  /** Starts a run by hand; the trace shows up in `traces` when it ends. */
  run(id: string, checkConditions: boolean): void {
    this.require(id);
    const result = this.engine.run(id, checkConditions);
    if (result === 'looping') throw new RunRefused(`loop protection ${this.engine.status(id)!.stoppedReason}`);
    if (result === 'busy') throw new RunRefused(`the rule is running and its mode (${this.rules.get(id)!.rule.mode}) refuses another run now`);
  }

  traces(id: string, user?: AuthUser): RuleTraceDto[] {
    this.requireVisible(id, user);
    return this.repository.traces(id);
  }

  /**
   * A person restricted to areas sees a rule only when every entity and device it names is in them: a
   * rule's JSON and traces would otherwise show entities the areas hide.
   */
  private visibility(user: AuthUser | undefined): (rule: Rule) => boolean {
    if (!user?.areas) return () => true;
    const entityAreas = new Map(this.entities.pipeline.entities().map((entity) => [entity.id, entity.area]));
    const deviceAreas = new Map(this.entities.pipeline.devices().map((device) => [device.id, device.area]));
    const seen = (areas: Map<string, string | null>, id: string) => areas.has(id) && inAreas(user, areas.get(id)!);
    return (rule) => {
      const { entityIds, deviceIds } = ruleReferences(rule);
      return [...entityIds].every((id) => seen(entityAreas, id)) && [...deviceIds].every((id) => seen(deviceAreas, id));
    };
  }

  /**
   * Web Push to the phones of everyone who may see the rule; not awaited, so a slow push service never
   * holds up the rule's next action. Tapping it opens the rule, its last runs on top.
   */
  private pushNotification(ruleId: string, title: string, body: string): void {
    const stored = this.rules.get(ruleId);
    if (!stored) return;
    this.push.send({ title, body, url: `/rules/${ruleId}`, tag: ruleId }, (user) => this.visibility(user)(stored.rule)).then(
      (outcome) => {
        if (outcome.sent + outcome.removed + outcome.failed > 0) this.log.info({ ruleId, ...outcome }, 'rule notification pushed');
      },
      (error: unknown) => this.log.error({ ruleId, err: error }, 'could not push a rule notification'),
    );
  }

  private requireVisible(id: string, user: AuthUser | undefined): void {
    if (!this.visibility(user)(this.require(id).rule)) throw new RuleNotFound(id);
  }

  private saveTrace(trace: RuleTrace): void {
    // A run cancelled because its rule was deleted ends after the rule is gone: nothing to keep.
    const stored = this.rules.get(trace.ruleId);
    if (!stored) return;
    stored.lastRun = runSummary(trace);
    try {
      this.repository.saveTrace(trace.ruleId, trace);
    } catch (error) {
      this.log.error({ err: error, ruleId: trace.ruleId }, 'could not store a rule trace');
    }
  }

  private require(id: string): StoredRule {
    const stored = this.rules.get(id);
    if (!stored) throw new RuleNotFound(id);
    return stored;
  }

  /**
   * What a rule names that the hub does not know now: entities and devices come and go (announced,
   * removed), so this is asked when a rule is shown, never stored.
   */
  private missing(): (rule: Rule) => RuleReference[] {
    let devices: Set<string> | undefined;
    const exists = {
      entity: (id: string) => this.entities.pipeline.find(id) !== undefined,
      device: (id: string) => (devices ??= new Set(this.entities.pipeline.devices().map((device) => device.id))).has(id),
    };
    return (rule) => missingReferences(rule, exists);
  }

  /** The answer to a save: the rule, and a warning per entity or device it names that is not there. */
  private saved(id: string): SavedRuleDto {
    const missing = this.missing()(this.rules.get(id)!.rule);
    const warnings = missing.map(({ kind, id: name, path }) => ({ path, message: `${kind} ${name} does not exist (yet): the rule waits for it` }));
    return { ...this.toDto(id, () => missing), warnings };
  }

  private toDto(id: string, missing = this.missing()): RuleDto {
    const { rule, createdAt, updatedAt, lastRun } = this.rules.get(id)!;
    return {
      id,
      definition: rule,
      ...this.engine.status(id)!,
      running: this.engine.running(id),
      lastRun,
      waitingFor: missing(rule).map((reference) => reference.id),
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
    };
  }
}

/** The rule JSON checked, or InvalidRule listing every problem. */
function parse(body: unknown): Rule {
  const parsed = parseRule(body);
  if (parsed.ok) return parsed.rule;
  throw new InvalidRule(parsed.errors);
}
