import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EntityDto, HubSettings, RuleDto, RuleRunSummary, RuleTraceDto } from '@hearth/api-types';
import { parseRule, ruleReferences, RuleEngine, type EntitySnapshot, type Location, type Rule, type RuleTrace } from '@hearth/rules';
import type { AuthUser } from '../auth/sessions.service.js';
import { MqttBus } from '../broker/mqtt-bus.js';
import { inAreas } from '../devices/areas.js';
import { EntitiesService } from '../devices/entities.service.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { SettingsRepository } from '../settings/settings.repository.js';
import { RulesRepository } from './rules.repository.js';

/** Where `notify` actions publish `{ rule, ruleId, title?, message }` (QoS 1) for phones and bridges to pick up. */
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
 * The hub's side of the rule engine (@hearth/rules): loads and stores rules, feeds the engine entity
 * states, device availability and every MQTT message, and carries out its commands, publishes and
 * notifications through EntitiesService and the bus. A saved rule takes effect at once.
 */
@Injectable()
export class RulesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private readonly engine: RuleEngine;
  private readonly rules = new Map<string, StoredRule>();
  /** Each entity's last known state, the `before` of the next change. */
  private readonly snapshots = new Map<string, EntitySnapshot>();
  private location: Location | null = null;
  private untap?: () => void;

  private readonly onState = (entity: EntityDto): void => {
    const after = snapshot(entity);
    const before = this.snapshots.get(entity.id) ?? null;
    this.snapshots.set(entity.id, after);
    this.engine.stateChanged(entity.id, before, after);
  };
  private readonly onRemoved = (id: string): void => {
    this.snapshots.delete(id);
    this.engine.entityRemoved(id);
  };
  private readonly onAvailability = (deviceId: string, available: boolean): void => this.engine.availabilityChanged(deviceId, available);
  private readonly onSettings = (settings: HubSettings): void => {
    this.location = settings.location;
    this.engine.reschedule();
  };

  constructor(
    private readonly entities: EntitiesService,
    private readonly bus: MqttBus,
    private readonly settings: SettingsRepository,
    private readonly repository: RulesRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ module: 'rules' });
    this.engine = new RuleEngine({
      now: () => Date.now(),
      setTimer: (ms, fn) => setTimeout(fn, ms).unref(),
      clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
      getState: (entityId) => this.snapshots.get(entityId),
      command: async (entityId, command) => {
        await this.entities.command(entityId, command);
      },
      publish: (topic, payload, options) => this.bus.publish(topic, payload, options),
      notify: async ({ ruleId, rule, title, message }) => {
        this.log.info({ ruleId, rule, title }, message);
        await this.bus.publish(NOTIFY_TOPIC, JSON.stringify({ rule, ruleId, title, message }), { qos: 1 });
      },
      log: (level, message, fields) => this.log[level](fields, message),
      location: () => this.location,
      onTrace: (trace) => this.saveTrace(trace),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.location = this.settings.read().location;
    for (const entity of this.entities.listEntities()) this.snapshots.set(entity.id, snapshot(entity));
    this.entities.events.on('state', this.onState);
    this.entities.events.on('removed', this.onRemoved);
    this.entities.events.on('availability', this.onAvailability);
    this.settings.changed.on('changed', this.onSettings);
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
    this.untap = await this.bus.tap((message) => this.engine.mqttMessage(message.topic, message.payload));
    this.log.info({ rules: this.rules.size }, 'rules loaded');
  }

  onModuleDestroy(): void {
    this.untap?.();
    this.entities.events.off('state', this.onState);
    this.entities.events.off('removed', this.onRemoved);
    this.entities.events.off('availability', this.onAvailability);
    this.settings.changed.off('changed', this.onSettings);
    this.engine.close();
  }

  list(user?: AuthUser): RuleDto[] {
    const visible = this.visibility(user);
    return [...this.rules.keys()].filter((id) => visible(this.rules.get(id)!.rule)).map((id) => this.toDto(id));
  }

  get(id: string, user?: AuthUser): RuleDto {
    this.requireVisible(id, user);
    return this.toDto(id);
  }

  create(body: unknown): RuleDto {
    const rule = parse(body);
    const id = randomUUID();
    const now = Date.now();
    this.repository.insert(id, rule, now);
    this.rules.set(id, { rule, createdAt: now, updatedAt: now, lastRun: null });
    this.engine.setRule(id, rule);
    this.log.info({ ruleId: id, rule: rule.name }, 'rule created');
    return this.toDto(id);
  }

  update(id: string, body: unknown): RuleDto {
    const stored = this.require(id);
    const rule = parse(body);
    const now = Date.now();
    this.repository.update(id, rule, now);
    this.rules.set(id, { ...stored, rule, updatedAt: now });
    this.engine.setRule(id, rule);
    this.log.info({ ruleId: id, rule: rule.name }, 'rule updated');
    return this.toDto(id);
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
    if (result === 'looping') throw new ConflictException(`loop protection ${this.engine.status(id)!.stoppedReason}`);
    if (result === 'busy') throw new ConflictException(`the rule is running and its mode (${this.rules.get(id)!.rule.mode}) refuses another run now`);
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
    const entityAreas = new Map(this.entities.listEntities().map((entity) => [entity.id, entity.area]));
    const deviceAreas = new Map(this.entities.listDevices().map((device) => [device.id, device.area]));
    const seen = (areas: Map<string, string | null>, id: string) => areas.has(id) && inAreas(user, areas.get(id)!);
    return (rule) => {
      const { entityIds, deviceIds } = ruleReferences(rule);
      return [...entityIds].every((id) => seen(entityAreas, id)) && [...deviceIds].every((id) => seen(deviceAreas, id));
    };
  }

  private requireVisible(id: string, user: AuthUser | undefined): void {
    if (!this.visibility(user)(this.require(id).rule)) throw new NotFoundException(`no rule ${id}`);
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
    if (!stored) throw new NotFoundException(`no rule ${id}`);
    return stored;
  }

  private toDto(id: string): RuleDto {
    const { rule, createdAt, updatedAt, lastRun } = this.rules.get(id)!;
    return {
      id,
      definition: rule,
      ...this.engine.status(id)!,
      running: this.engine.running(id),
      lastRun,
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
    };
  }
}

/** The rule JSON checked, or a 400 listing every problem as "path: message" (and as `errors`, structured). */
function parse(body: unknown): Rule {
  const parsed = parseRule(body);
  if (parsed.ok) return parsed.rule;
  const message = parsed.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : `the rule ${e.message}`));
  throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message, errors: parsed.errors });
}
