import type { EntityCommand, EntityDto } from '@hearth/api-types';
import { SvelteMap } from 'svelte/reactivity';
import { type Api, ApiError, entityPath } from '../api/http.js';
import type { ServerEvents } from './socket.svelte.js';

export interface CommandTiming {
  /** Quiet time before a debounced command (a slider being dragged) is sent. */
  debounceMs: number;
  /** How long the device has to confirm a command on its state topic before the UI reverts. */
  confirmMs: number;
}

const DEFAULT_TIMING: CommandTiming = { debounceMs: 250, confirmMs: 5000 };

/** Devices rescale brightness, mireds and colour; a confirmation within these steps counts. */
const TOLERANCE = { brightness: 3, colorTemp: 5, rgb: 8, percent: 1, temperature: 0.05 };

/** Commands with nothing to confirm (a button press, a stop): done once the hub accepted them. */
const MOMENTARY = ['press', 'stop'] as const;

/**
 * Every entity's state as the hub last confirmed it, plus what the user just asked for: a command shows
 * at once (optimistic), stays pending until the device's state topic confirms it, and is reverted with
 * the reason when the hub refuses it or no confirmation arrives in time.
 */
export class EntityStore {
  /** True once the first snapshot arrived; pages show a skeleton before. */
  loaded = $state(false);
  /** Why the last command of an entity failed, until the next command or dismissal. */
  readonly errors = new SvelteMap<string, string>();

  private readonly confirmed = new SvelteMap<string, EntityDto>();
  /** Fields asked for and not yet confirmed, per entity. */
  private readonly pending = new SvelteMap<string, EntityCommand>();
  /** Fields waiting for the debounce to end, not sent yet. */
  private readonly outbox = new Map<string, EntityCommand>();
  private readonly sendTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly confirmTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly api: Api,
    private readonly timing: CommandTiming = DEFAULT_TIMING,
  ) {}

  /** Socket handlers: a snapshot replaces everything (resync after a reconnect), deltas update one entity. */
  readonly handlers = {
    snapshot: ({ entities }: ServerEvents['snapshot']) => {
      const ids = new Set(entities.map((entity) => entity.id));
      for (const id of this.confirmed.keys()) if (!ids.has(id)) this.confirmed.delete(id);
      for (const entity of entities) this.confirm(entity);
      this.loaded = true;
    },
    state: ({ entity }: ServerEvents['state']) => this.confirm(entity),
    removed: ({ id }: ServerEvents['removed']) => {
      this.confirmed.delete(id);
      this.settle(id);
    },
  };

  /** The entity as the UI should show it: confirmed state with pending commands laid over it. */
  get(id: string): EntityDto | undefined {
    const entity = this.confirmed.get(id);
    const command = this.pending.get(id);
    return entity && command ? overlay(entity, command) : entity;
  }

  all(): EntityDto[] {
    return [...this.confirmed.keys()].map((id) => this.get(id)!);
  }

  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** Sends a command; `debounce` coalesces a burst (slider drags) into one command after a quiet moment. */
  command(id: string, command: EntityCommand, { debounce = false } = {}): void {
    this.errors.delete(id);
    const lasting: EntityCommand = { ...command };
    for (const feature of MOMENTARY) delete lasting[feature];
    if (Object.keys(lasting).length) this.pending.set(id, { ...this.pending.get(id), ...lasting });
    this.outbox.set(id, { ...this.outbox.get(id), ...command });
    clearTimeout(this.sendTimers.get(id));
    if (debounce) this.sendTimers.set(id, setTimeout(() => void this.send(id), this.timing.debounceMs));
    else void this.send(id);
  }

  dismissError(id: string): void {
    this.errors.delete(id);
  }

  private async send(id: string): Promise<void> {
    const command = this.outbox.get(id);
    this.outbox.delete(id);
    this.sendTimers.delete(id);
    if (!command) return;
    try {
      await this.api.post(entityPath(id, '/command'), command);
    } catch (error) {
      this.fail(id, error instanceof ApiError ? error.message : String(error));
      return;
    }
    if (!this.pending.has(id)) return; // confirmed while the request was in flight
    clearTimeout(this.confirmTimers.get(id));
    const seconds = Math.round(this.timing.confirmMs / 1000);
    this.confirmTimers.set(id, setTimeout(() => this.fail(id, `No confirmation from the device within ${seconds} s`), this.timing.confirmMs));
  }

  private confirm(entity: EntityDto): void {
    this.confirmed.set(entity.id, entity);
    const command = this.pending.get(entity.id);
    if (!command) return;
    const open = unconfirmed(entity, command);
    if (Object.keys(open).length === 0) this.settle(entity.id);
    else if (Object.keys(open).length < Object.keys(command).length) this.pending.set(entity.id, open);
  }

  private fail(id: string, reason: string): void {
    this.settle(id);
    this.outbox.delete(id);
    clearTimeout(this.sendTimers.get(id));
    this.errors.set(id, reason);
  }

  private settle(id: string): void {
    this.pending.delete(id);
    clearTimeout(this.confirmTimers.get(id));
    this.confirmTimers.delete(id);
  }
}

/** The fields of `command` that `entity` does not show yet. */
function unconfirmed(entity: EntityDto, command: EntityCommand): EntityCommand {
  const open: EntityCommand = {};
  const attributes = entity.attributes;
  if (command.on !== undefined && (entity.state === 'on') !== command.on) open.on = command.on;
  if (command.brightness !== undefined && !near(attributes.brightness, command.brightness, TOLERANCE.brightness)) {
    open.brightness = command.brightness;
  }
  if (command.colorTemp !== undefined && !near(attributes.colorTemp, command.colorTemp, TOLERANCE.colorTemp)) {
    open.colorTemp = command.colorTemp;
  }
  if (command.rgb !== undefined) {
    const rgb = attributes.rgb;
    if (!Array.isArray(rgb) || !command.rgb.every((channel, i) => near(rgb[i], channel, TOLERANCE.rgb))) open.rgb = command.rgb;
  }
  if (command.open !== undefined && isOpen(entity.state) !== command.open) open.open = command.open;
  if (command.locked !== undefined && isLocked(entity.state) !== command.locked) open.locked = command.locked;
  if (command.position !== undefined && !near(attributes.position, command.position, TOLERANCE.percent)) open.position = command.position;
  // A fan set to 0 % switches off (the hub sends its off payload).
  const fanOff = command.percentage === 0 && entity.state === 'off';
  if (command.percentage !== undefined && !fanOff && !near(attributes.percentage, command.percentage, TOLERANCE.percent)) open.percentage = command.percentage;
  if (command.targetTemperature !== undefined && !near(attributes.targetTemperature, command.targetTemperature, TOLERANCE.temperature)) {
    open.targetTemperature = command.targetTemperature;
  }
  if (command.preset !== undefined && attributes.preset !== command.preset) open.preset = command.preset;
  if (command.hvacMode !== undefined && entity.state !== command.hvacMode) open.hvacMode = command.hvacMode;
  if (command.value !== undefined && entity.state !== command.value && !near(entity.state, Number(command.value), TOLERANCE.temperature)) open.value = command.value;
  return open;
}

/** A cover or valve open or on its way there. */
export const isOpen = (state: EntityDto['state']): boolean => state === 'open' || state === 'opening';
/** A lock locked or locking. */
export const isLocked = (state: EntityDto['state']): boolean => state === 'locked' || state === 'locking';

const near = (actual: unknown, wanted: number, tolerance: number): boolean =>
  typeof actual === 'number' && Math.abs(actual - wanted) <= tolerance;

function overlay(entity: EntityDto, command: EntityCommand): EntityDto {
  const attributes = { ...entity.attributes };
  if (command.brightness !== undefined) attributes.brightness = command.brightness;
  if (command.colorTemp !== undefined) attributes.colorTemp = command.colorTemp;
  if (command.rgb !== undefined) attributes.rgb = command.rgb;
  for (const feature of ['position', 'percentage', 'targetTemperature', 'preset'] as const) {
    if (command[feature] !== undefined) attributes[feature] = command[feature];
  }
  let state = entity.state;
  if (command.on !== undefined) state = command.on ? 'on' : 'off';
  if (command.open !== undefined) state = command.open ? 'open' : 'closed';
  if (command.locked !== undefined) state = command.locked ? 'locked' : 'unlocked';
  if (command.hvacMode !== undefined) state = command.hvacMode;
  if (command.value !== undefined) state = command.value;
  return { ...entity, state, attributes };
}
