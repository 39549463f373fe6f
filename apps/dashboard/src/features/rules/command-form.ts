import type { EntityCommand, EntityFeature } from '@hearth/api-types';
import { ENTITY_FEATURES, ENTITY_KINDS, KIND_FEATURES, type EntityKind } from '@hearth/entities/definition';

/**
 * A command action's command as the rule form offers it: one verb ("open", "turn on, at a brightness",
 * "set") and the values that verb asks for, as typed or picked. The table below drives both the form's
 * choices and the JSON: a command no verb can say exactly (rgb, on together with open...) is not read
 * into the form, so it stays as written.
 */

/** The values a verb may ask for; a light's brightness is 0-255 (shown in percent). */
export const COMMAND_SETTINGS = ['brightness', 'position', 'targetTemperature', 'hvacMode', 'percentage', 'preset', 'value'] as const;
export type CommandSetting = (typeof COMMAND_SETTINGS)[number];
export type CommandSettings = Record<CommandSetting, string>;

export type CommandVerb = 'on' | 'off' | 'dim' | 'open' | 'close' | 'stop' | 'lock' | 'unlock' | 'press' | 'set';

export interface VerbDefinition {
  verb: CommandVerb;
  /** As it reads in the form's choice. */
  label: string;
  /** Offered for an entity that takes any of these. */
  needs: readonly EntityFeature[];
  /** What the verb sets whatever else is filled in. */
  sets: EntityCommand;
  /** What it asks for: each one the entity takes, a blank one left out of the command. */
  asks: readonly CommandSetting[];
}

export const COMMAND_VERBS: readonly VerbDefinition[] = [
  { verb: 'on', label: 'Turn on', needs: ['on'], sets: { on: true }, asks: [] },
  { verb: 'off', label: 'Turn off', needs: ['on'], sets: { on: false }, asks: [] },
  { verb: 'dim', label: 'Turn on, at a brightness', needs: ['brightness'], sets: { on: true }, asks: ['brightness'] },
  { verb: 'open', label: 'Open', needs: ['open'], sets: { open: true }, asks: [] },
  { verb: 'close', label: 'Close', needs: ['open'], sets: { open: false }, asks: [] },
  { verb: 'stop', label: 'Stop', needs: ['stop'], sets: { stop: true }, asks: [] },
  { verb: 'lock', label: 'Lock', needs: ['locked'], sets: { locked: true }, asks: [] },
  { verb: 'unlock', label: 'Unlock', needs: ['locked'], sets: { locked: false }, asks: [] },
  { verb: 'press', label: 'Press', needs: ['press'], sets: { press: true }, asks: [] },
  {
    verb: 'set',
    label: 'Set',
    needs: ['position', 'targetTemperature', 'hvacMode', 'percentage', 'preset', 'value'],
    sets: {},
    asks: ['position', 'targetTemperature', 'hvacMode', 'percentage', 'preset', 'value'],
  },
];

export const verbDefinition = (verb: CommandVerb): VerbDefinition => COMMAND_VERBS.find((definition) => definition.verb === verb)!;

export const noSettings = (): CommandSettings => ({ brightness: '255', position: '', targetTemperature: '', hvacMode: '', percentage: '', preset: '', value: '' });

/** The kind an entity id names (`valve.garden`), as the hub's rule check reads it; undefined for an id that names none. */
export function kindOf(entityId: string): EntityKind | undefined {
  const kind = entityId.split('.')[0]!;
  return (ENTITY_KINDS as readonly string[]).includes(kind) ? (kind as EntityKind) : undefined;
}

/** What a command may carry for the kind an entity id names: everything when it names none (the hub says so then). */
export const kindFeatures = (entityId: string): readonly EntityFeature[] => {
  const kind = kindOf(entityId);
  return kind ? KIND_FEATURES[kind] : ENTITY_FEATURES;
};

/** A mode or preset is a name, and a select's value one of its options: text; any other value is a number. */
export const isTextSetting = (setting: CommandSetting, entityId: string): boolean => setting === 'hvacMode' || setting === 'preset' || (setting === 'value' && kindOf(entityId) === 'select');

/** A number the form can hold as text and give back the same (`1e-7` cannot: it is not read back as a number). */
const NUMBER = /^-?\d+([.,]\d+)?$/;

/** A setting's value as text the form gives back unchanged, or undefined when it cannot. */
function settingText(setting: CommandSetting, value: unknown, entityId: string): string | undefined {
  if (isTextSetting(setting, entityId)) return typeof value === 'string' && value !== '' && value.trim() === value ? value : undefined;
  if (typeof value !== 'number' || !NUMBER.test(String(value))) return undefined;
  return setting === 'brightness' && !Number.isInteger(value) ? undefined : String(value);
}

/**
 * The verb and values for a command to `entityId`, or undefined when no verb says it exactly (every key
 * set by the verb, the rest asked by it) or the entity's kind does not take it all.
 */
export function readCommand(command: Record<string, unknown>, entityId: string): { verb: CommandVerb; settings: CommandSettings } | undefined {
  const given = Object.entries(command).filter(([, value]) => value !== undefined);
  const takes = kindFeatures(entityId);
  for (const { verb, sets, asks } of COMMAND_VERBS) {
    if (!Object.entries(sets).every(([key, value]) => command[key] === value)) continue;
    const rest = given.filter(([key]) => !(key in sets));
    if (asks.length > 0 && rest.length === 0) continue;
    if (!rest.every(([key]) => (asks as readonly string[]).includes(key))) continue;
    if (!given.every(([key]) => takes.includes(key as EntityFeature))) return undefined;
    const settings = noSettings();
    for (const [key, value] of rest) {
      const text = settingText(key as CommandSetting, value, entityId);
      if (text === undefined) return undefined;
      settings[key as CommandSetting] = text;
    }
    return { verb, settings };
  }
  return undefined;
}

/** A number as typed (a decimal comma too); anything else goes as typed, for the hub to name the problem. */
export function typedNumber(value: string): number | string | undefined {
  const typed = value.trim();
  if (typed === '') return undefined;
  return NUMBER.test(typed) ? Number(typed.replace(',', '.')) : typed;
}

/** The settings of a verb the kind takes: what the command may carry (a blank one is left out). */
export const verbSettings = (verb: CommandVerb, entityId: string): CommandSetting[] =>
  verbDefinition(verb).asks.filter((setting) => kindFeatures(entityId).includes(setting));

/** The command a verb and its values stand for. */
export function commandJson(verb: CommandVerb, settings: CommandSettings, entityId: string): Record<string, unknown> {
  const command: Record<string, unknown> = { ...verbDefinition(verb).sets };
  for (const setting of verbSettings(verb, entityId)) {
    const value = isTextSetting(setting, entityId) ? settings[setting].trim() || undefined : typedNumber(settings[setting]);
    if (value !== undefined) command[setting] = value;
  }
  return command;
}

/** JSON paths below a command action of the keys a verb sets or asks for: problems there show at its fields. */
export const commandPaths = (verb: CommandVerb): string[] => {
  const { sets, asks } = verbDefinition(verb);
  return [...Object.keys(sets), ...asks].map((key) => `command.${key}`);
};

/**
 * Whether a number as typed is outside an entity's limits (its range, on its steps from the minimum): the
 * hub checks a command's type, not a device's range, so the form says so. Text that is no number is the hub's to name.
 */
export function outsideLimits(typed: string, { min, max, step }: { min?: number; max?: number; step?: number }): boolean {
  const value = typedNumber(typed);
  if (typeof value !== 'number') return false;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return true;
  if (step === undefined || step <= 0) return false;
  const steps = (value - (min ?? 0)) / step;
  return Math.abs(steps - Math.round(steps)) > 1e-9;
}
