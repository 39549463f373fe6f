import { Inject, Injectable } from '@nestjs/common';
import type { RuleDefinition, RuleTrace } from '@hearth/rules';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';

export interface RuleRow {
  id: string;
  /** As stored: parsed again at start, so a rule is never trusted just because it is in the database. */
  definition: unknown;
  createdAt: number;
  updatedAt: number;
}

/** Traces kept per rule; older ones are deleted as new ones come. */
export const TRACES_KEPT = 50;

/** Rules and their run traces in SQLite (`rule`, `rule_run`); a deleted rule's traces go with it. */
@Injectable()
export class RulesRepository {
  private readonly sql: Record<'all' | 'insert' | 'update' | 'remove' | 'traces' | 'lastTraces', Statement>;
  private readonly addTrace: (ruleId: string, trace: RuleTrace) => void;

  constructor(@Inject(SQLITE) db: Database) {
    this.sql = {
      all: db.prepare('SELECT id, definition, created_at, updated_at FROM rule ORDER BY created_at, id'),
      insert: db.prepare('INSERT INTO rule (id, name, enabled, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE rule SET name = ?, enabled = ?, definition = ?, updated_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM rule WHERE id = ?'),
      traces: db.prepare('SELECT id, trace FROM rule_run WHERE rule_id = ? ORDER BY id DESC'),
      lastTraces: db.prepare('SELECT rule_id, trace FROM rule_run WHERE id IN (SELECT MAX(id) FROM rule_run GROUP BY rule_id)'),
    };
    const insertTrace = db.prepare('INSERT INTO rule_run (rule_id, time, trigger, result, trace) VALUES (?, ?, ?, ?, ?)');
    const prune = db.prepare('DELETE FROM rule_run WHERE rule_id = ? AND id <= (SELECT id FROM rule_run WHERE rule_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)');
    this.addTrace = db.transaction((ruleId: string, trace: RuleTrace) => {
      insertTrace.run(ruleId, Date.parse(trace.startedAt), trace.trigger.description, trace.result, JSON.stringify(trace));
      prune.run(ruleId, ruleId, TRACES_KEPT);
    });
  }

  all(): RuleRow[] {
    return (this.sql.all.all() as Array<{ id: string; definition: string; created_at: number; updated_at: number }>).map((row) => ({
      id: row.id,
      definition: JSON.parse(row.definition),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  insert(id: string, rule: RuleDefinition, now: number): void {
    this.sql.insert.run(id, rule.name, Number(rule.enabled), JSON.stringify(rule), now, now);
  }

  update(id: string, rule: RuleDefinition, now: number): void {
    this.sql.update.run(rule.name, Number(rule.enabled), JSON.stringify(rule), now, id);
  }

  remove(id: string): void {
    this.sql.remove.run(id);
  }

  saveTrace(ruleId: string, trace: RuleTrace): void {
    this.addTrace(ruleId, trace);
  }

  /** Each rule's newest trace, by rule id. */
  lastTraces(): Map<string, RuleTrace> {
    const rows = this.sql.lastTraces.all() as Array<{ rule_id: string; trace: string }>;
    return new Map(rows.map((row) => [row.rule_id, JSON.parse(row.trace) as RuleTrace]));
  }

  /** Newest first, with their row ids. */
  traces(ruleId: string): Array<RuleTrace & { id: number }> {
    return (this.sql.traces.all(ruleId) as Array<{ id: number; trace: string }>).map((row) => ({ id: row.id, ...(JSON.parse(row.trace) as RuleTrace) }));
  }
}
