import type { SeriesKind, SeriesSpec } from '@hearth/statistics';
import type { EntityDefinition } from '../mapping/definition.js';
import { hasNumericState } from '../state/decode.js';

const ENERGY_UNITS = new Set(['Wh', 'kWh', 'MWh']);
const POWER_UNITS = new Set(['W', 'kW']);

/** The numeric series an entity's messages feed: its state, and attributes that count energy (a plug's `energy`). */
export interface RecordedSeries {
  state: SeriesSpec | null;
  attributes: Array<{ name: string; spec: SeriesSpec }>;
}

/** The key of an attribute's series beside its entity's. */
export const attributeSeriesKey = (entityId: string, attribute: string): string => `${entityId}#${attribute}`;

/**
 * How a numeric state is kept, as Home Assistant's state classes say: energy (by unit or device class) is a
 * counter, or a total when it may fall; power (W, kW, and every power meter) is integrated to energy; anything
 * else with a state class `total_increasing` or `total` counts up, and the rest is a measurement.
 */
function stateKind(def: EntityDefinition): { kind: SeriesKind; unit: string | null } {
  const unit = def.unit ?? null;
  const counting = def.stateClass === 'total' ? 'total' : 'counter';
  if ((unit !== null && ENERGY_UNITS.has(unit)) || def.deviceClass === 'energy') return { kind: counting, unit: unit ?? 'kWh' };
  if ((unit !== null && POWER_UNITS.has(unit)) || def.kind === 'power_meter' || def.deviceClass === 'power') return { kind: 'power', unit: unit ?? 'W' };
  if (def.stateClass === 'total' || def.stateClass === 'total_increasing') return { kind: counting, unit };
  return { kind: 'measurement', unit };
}

export function recordedSeries(entityId: string, def: EntityDefinition): RecordedSeries {
  return {
    state: hasNumericState(def) ? { key: entityId, ...stateKind(def) } : null,
    attributes: def.attributes.flatMap(({ name, unit }) => (unit && ENERGY_UNITS.has(unit) ? [{ name, spec: { key: attributeSeriesKey(entityId, name), kind: 'counter' as const, unit } }] : [])),
  };
}
