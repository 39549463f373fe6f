import type { ActionDefinition, ConditionDefinition, RuleDefinition } from './format.js';

/** An entity or device a rule names, and where (`actions[0].then[1].entityId`). */
export interface RuleReference {
  kind: 'entity' | 'device';
  id: string;
  path: string;
}

/** Every entity and device a rule names (nested conditions and actions too), in the order of the rule JSON. */
export function referencesOf(rule: RuleDefinition): RuleReference[] {
  const found: RuleReference[] = [];
  const entity = (id: string, path: string) => found.push({ kind: 'entity', id, path: `${path}.entityId` });
  const conditions = (list: ConditionDefinition[], path: string): void => {
    list.forEach((condition, i) => {
      if ('entityId' in condition) entity(condition.entityId, `${path}[${i}]`);
      if ('conditions' in condition) conditions(condition.conditions, `${path}[${i}].conditions`);
    });
  };
  const actions = (list: ActionDefinition[], path: string): void => {
    list.forEach((action, i) => {
      const at = `${path}[${i}]`;
      if (action.type === 'command') entity(action.entityId, at);
      if (action.type === 'if') {
        conditions(action.conditions, `${at}.conditions`);
        actions(action.then, `${at}.then`);
        actions(action.else ?? [], `${at}.else`);
      }
    });
  };
  rule.triggers.forEach((trigger, i) => {
    if ('entityId' in trigger) entity(trigger.entityId, `triggers[${i}]`);
    if ('deviceId' in trigger) found.push({ kind: 'device', id: trigger.deviceId, path: `triggers[${i}].deviceId` });
  });
  conditions(rule.conditions, 'conditions');
  actions(rule.actions, 'actions');
  return found;
}

/** The entities and devices a rule names anywhere: what it reads and drives. */
export function ruleReferences(rule: RuleDefinition): { entityIds: Set<string>; deviceIds: Set<string> } {
  const references = referencesOf(rule);
  const ids = (kind: RuleReference['kind']) => new Set(references.filter((reference) => reference.kind === kind).map((reference) => reference.id));
  return { entityIds: ids('entity'), deviceIds: ids('device') };
}

/**
 * The entities and devices a rule names that do not exist (yet), each once, where the rule first names
 * it: what the rule waits for. A rule may be saved before its devices are announced; it then does
 * nothing with them until they appear.
 */
export function missingReferences(rule: RuleDefinition, exists: { entity(id: string): boolean; device(id: string): boolean }): RuleReference[] {
  const seen = new Set<string>();
  return referencesOf(rule).filter((reference) => {
    const key = `${reference.kind} ${reference.id}`;
    if (seen.has(key) || exists[reference.kind](reference.id)) return false;
    seen.add(key);
    return true;
  });
}
