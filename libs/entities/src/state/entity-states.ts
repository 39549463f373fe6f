import type { Buffer } from 'node:buffer';
import type { DeviceInfo } from '../mapping/definition.js';
import type { Entity } from '../mapping/registry.js';
import type { StateValue } from '../view.js';
import { decodeState, type StateUpdate } from './decode.js';

export interface EntityState {
  state: StateValue;
  attributes: Record<string, unknown>;
  available: boolean;
  /** Epoch ms: when the state value last changed, and when any update last arrived. */
  lastChanged: number | null;
  lastUpdated: number | null;
}

export interface Device extends DeviceInfo {
  available: boolean;
  lastSeen: number | null;
}

/** What a message did to an entity: what it said, the new state, and whether anyone watching would see a change. */
export type StateChange = { ok: true; update: StateUpdate; state: EntityState; changed: boolean } | { ok: false; reason: string };

/** What touching a device did: whether its availability flipped, and whether the durable copy is due. */
export interface DeviceTouch {
  device: Device;
  availabilityChanged: boolean;
  persist: boolean;
}

// last_seen is written at most every 30 s: it must not cost a write per message.
const DEVICE_TOUCH_INTERVAL = 30_000;

/**
 * The state stage: the one store of entity state and device availability, in memory. Messages are
 * decoded into the next state here; what is stored and announced is the pipeline's business.
 */
export class EntityStates {
  private readonly states = new Map<string, EntityState>();
  private readonly devices = new Map<string, Device & { persistedSeen: number }>();
  /** What each availability topic of an entity last said, for availability modes `all` and `any`. */
  private readonly availability = new Map<string, Map<string, boolean>>();

  load(devices: Device[], states: Iterable<[string, EntityState]>): void {
    for (const device of devices) this.devices.set(device.id, { ...device, persistedSeen: device.lastSeen ?? 0 });
    for (const [id, state] of states) this.states.set(id, state);
  }

  get(id: string): EntityState | undefined {
    return this.states.get(id);
  }

  device(id: string): Device | undefined {
    return this.devices.get(id);
  }

  allDevices(): IterableIterator<Device> {
    return this.devices.values();
  }

  /** Applies a device's message to an entity. */
  apply(entity: Entity, topic: string, payload: Buffer, now: number): StateChange {
    const known = this.availability.get(entity.id);
    const decoded = decodeState(entity.definition, topic, payload, known);
    if (!decoded.ok) return decoded;
    const previous = this.states.get(entity.id);
    const { update } = decoded;
    if (update.availabilityOf) {
      if (known) known.set(update.availabilityOf.topic, update.availabilityOf.available);
      else this.availability.set(entity.id, new Map([[update.availabilityOf.topic, update.availabilityOf.available]]));
    }
    const next: EntityState = {
      state: update.state !== undefined ? update.state : (previous?.state ?? null),
      attributes: update.attributes ? { ...previous?.attributes, ...update.attributes } : (previous?.attributes ?? {}),
      available: update.available ?? previous?.available ?? true,
      lastChanged: previous?.lastChanged ?? null,
      lastUpdated: now,
    };
    const changed = !previous || next.state !== previous.state || next.available !== previous.available || !sameAttributes(previous.attributes, next.attributes);
    if (!previous || next.state !== previous.state) next.lastChanged = now;
    this.states.set(entity.id, next);
    return { ok: true, update, state: next, changed };
  }

  /** Sets a state outright (what a command to a device without a state topic is assumed to do). */
  set(id: string, state: EntityState): void {
    this.states.set(id, state);
  }

  remove(id: string): void {
    this.states.delete(id);
    this.availability.delete(id);
  }

  /** A device as announced; true when it is new or its description changed (area is a person's, kept). */
  registerDevice(info: DeviceInfo): boolean {
    const known = this.devices.get(info.id);
    const { name, manufacturer, model, transport } = info;
    if (known && known.name === name && known.manufacturer === manufacturer && known.model === model && known.transport === transport) return false;
    this.devices.set(info.id, { ...info, area: known?.area ?? info.area, available: known?.available ?? false, lastSeen: known?.lastSeen ?? null, persistedSeen: known?.persistedSeen ?? 0 });
    return true;
  }

  /** A message reached one of the device's entities: it was seen, and is available if any of its entities is. */
  touchDevice(id: string, entityIds: Iterable<string>, available: boolean, now: number): DeviceTouch | undefined {
    const device = this.devices.get(id);
    if (!device) return undefined;
    const wasAvailable = device.available;
    device.lastSeen = now;
    device.available = available || [...entityIds].some((entityId) => this.states.get(entityId)?.available === true);
    const availabilityChanged = device.available !== wasAvailable;
    const persist = availabilityChanged || now - device.persistedSeen >= DEVICE_TOUCH_INTERVAL;
    if (persist) device.persistedSeen = now;
    return { device, availabilityChanged, persist };
  }
}

function sameAttributes(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key] || JSON.stringify(a[key]) === JSON.stringify(b[key]));
}
