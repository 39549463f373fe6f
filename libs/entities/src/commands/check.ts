import { isJsonObject } from '@hearth/field-reader';
import { ENTITY_FEATURES, ENTITY_KINDS, KIND_FEATURES, type EntityFeature, type EntityKind } from '../mapping/definition.js';

/** What the hub asks of an entity (see ENTITY_FEATURES for what each feature means and its unit). */
export interface EntityCommand {
  on?: boolean;
  brightness?: number;
  colorTemp?: number;
  rgb?: readonly [number, number, number];
  targetTemperature?: number;
  hvacMode?: string;
  open?: boolean;
  stop?: true;
  position?: number;
  locked?: boolean;
  percentage?: number;
  preset?: string;
  value?: number | string;
  press?: true;
}

/** A problem with one feature of a command (`feature` absent: the command as a whole). */
export interface CommandProblem {
  feature?: string;
  message: string;
  /** The feature is a real one that this kind does not take. */
  unsupported?: boolean;
}

const MAX_TEXT = 100;

const isWhole = (value: unknown, min: number, max: number): boolean => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= MAX_TEXT;

/** Each feature's value check, with what to say when it fails. */
const VALUE_CHECKS: Record<EntityFeature, { ok: (value: unknown) => boolean; expected: string }> = {
  on: { ok: (v) => typeof v === 'boolean', expected: 'must be true or false' },
  brightness: { ok: (v) => isWhole(v, 0, 255), expected: 'must be a whole number from 0 to 255' },
  colorTemp: { ok: (v) => isWhole(v, 50, 1000), expected: 'must be a whole number of mireds from 50 to 1000' },
  rgb: { ok: (v) => Array.isArray(v) && v.length === 3 && v.every((c) => isWhole(c, 0, 255)), expected: 'must be [red, green, blue], whole numbers from 0 to 255' },
  targetTemperature: { ok: isNumber, expected: 'must be a number (degrees)' },
  hvacMode: { ok: isText, expected: `must be a mode name (1-${MAX_TEXT} characters)` },
  open: { ok: (v) => typeof v === 'boolean', expected: 'must be true (open) or false (close)' },
  stop: { ok: (v) => v === true, expected: 'must be true' },
  position: { ok: (v) => isNumber(v) && v >= 0 && v <= 100, expected: 'must be a number from 0 (closed) to 100 (open)' },
  locked: { ok: (v) => typeof v === 'boolean', expected: 'must be true (lock) or false (unlock)' },
  percentage: { ok: (v) => isNumber(v) && v >= 0 && v <= 100, expected: 'must be a number from 0 to 100' },
  preset: { ok: isText, expected: `must be a preset name (1-${MAX_TEXT} characters)` },
  value: { ok: (v) => isNumber(v) || isText(v), expected: `must be a number or a text of 1-${MAX_TEXT} characters` },
  press: { ok: (v) => v === true, expected: 'must be true' },
};

const LIGHT_EXTRAS = ['brightness', 'colorTemp', 'rgb'] as const;

export function isEntityKind(kind: string): kind is EntityKind {
  return (ENTITY_KINDS as readonly string[]).includes(kind);
}

/** The features a kind takes, as `a, b or c`. */
export function describeFeatures(kind: EntityKind): string {
  const features = KIND_FEATURES[kind];
  return features.length <= 1 ? (features[0] ?? 'nothing') : `${features.slice(0, -1).join(', ')} or ${features[features.length - 1]}`;
}

/**
 * What is wrong with a command for an entity of `kind` (undefined: any kind), before any device is asked:
 * unknown features, features the kind does not take, values of the wrong type or range. Used by the encoder
 * and by the rule parser, which knows the kind from the entity id. Never throws.
 */
export function commandProblems(command: unknown, kind: EntityKind | undefined): CommandProblem[] {
  if (!isJsonObject(command)) return [{ message: 'a command must be an object' }];
  const problems: CommandProblem[] = [];
  // A key holding undefined was not given (a DTO instance has every declared key).
  const keys = Object.keys(command).filter((key) => command[key] !== undefined);
  const allowed: readonly string[] = kind ? KIND_FEATURES[kind] : ENTITY_FEATURES;
  for (const key of keys) {
    if (!(ENTITY_FEATURES as readonly string[]).includes(key)) {
      problems.push({ feature: key, message: `is not a command; give ${kind ? describeFeatures(kind) : ENTITY_FEATURES.join(', ')}` });
    } else if (!allowed.includes(key)) {
      problems.push({ feature: key, message: `a ${kind} takes ${describeFeatures(kind!)}, not ${key}`, unsupported: true });
    } else if (!VALUE_CHECKS[key as EntityFeature].ok(command[key])) {
      problems.push({ feature: key, message: VALUE_CHECKS[key as EntityFeature].expected });
    }
  }
  if (keys.length === 0) problems.push({ message: `sets nothing: give ${kind ? describeFeatures(kind) : 'on, brightness, colorTemp or rgb'}` });
  if (command.on === false && LIGHT_EXTRAS.some((feature) => command[feature] !== undefined)) {
    problems.push({ message: 'on: false cannot go with brightness or colour' });
  }
  return problems;
}
