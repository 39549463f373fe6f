import { randomUUID } from 'node:crypto';
import type { ManualEntityRequest } from '../view.js';
import { ON_OFF_KINDS, type EntityDefinition, type ValueExtractor } from './definition.js';

/** `{{ ... }}` is a template of the safe subset; anything else a JSON path; nothing, the raw payload. */
export function valueExtractor(value: string | undefined): ValueExtractor {
  if (!value?.trim()) return { kind: 'raw' };
  return value.includes('{{') ? { kind: 'template', template: value } : { kind: 'jsonPath', path: value.trim() };
}

/** The definition of an entity a person mapped by hand: one state topic, optionally a command topic. */
export function manualDefinition(request: ManualEntityRequest): EntityDefinition {
  const onOff = ON_OFF_KINDS.has(request.kind);
  const payloadOn = request.payloadOn ?? 'ON';
  const payloadOff = request.payloadOff ?? 'OFF';
  return {
    uniqueId: `manual:${randomUUID()}`,
    kind: request.kind,
    objectId: request.name,
    name: request.name,
    deviceClass: request.deviceClass,
    unit: request.unit,
    state: { topic: request.stateTopic, value: valueExtractor(request.value), ...(onOff ? { payloadOn, payloadOff } : {}) },
    attributes: [],
    command: request.commandTopic ? { format: 'plain', topic: request.commandTopic, payloadOn, payloadOff } : undefined,
    supports: {},
    source: 'manual',
    origin: request.stateTopic,
  };
}
