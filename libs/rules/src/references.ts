import type { ActionDefinition, ConditionDefinition, RuleDefinition } from './format.js';

/** The entities and devices a rule names anywhere (nested conditions and actions too): what it reads and drives. */
export function ruleReferences(rule: RuleDefinition): { entityIds: Set<string>; deviceIds: Set<string> } {
  const entityIds = new Set<string>();
  const deviceIds = new Set<string>();
  const conditions = (list: ConditionDefinition[]): void => {
    for (const condition of list) {
      if ('entityId' in condition) entityIds.add(condition.entityId);
      if ('conditions' in condition) conditions(condition.conditions);
    }
  };
  const actions = (list: ActionDefinition[]): void => {
    for (const action of list) {
      if (action.type === 'command') entityIds.add(action.entityId);
      if (action.type === 'if') {
        conditions(action.conditions);
        actions(action.then);
        actions(action.else ?? []);
      }
    }
  };
  for (const trigger of rule.triggers) {
    if ('entityId' in trigger) entityIds.add(trigger.entityId);
    if ('deviceId' in trigger) deviceIds.add(trigger.deviceId);
  }
  conditions(rule.conditions);
  actions(rule.actions);
  return { entityIds, deviceIds };
}
