import type { StatisticPointDto } from '@hearth/statistics';
import type { CommandLimits, DefinitionSource, EntityFeature, EntityKind, MANUAL_KINDS } from './mapping/definition.js';

/**
 * How entities, devices and topics look from outside the pipeline: what the REST API and the `/ws`
 * socket send (`@hearth/api-types` re-exports these), and what the `entityState` event carries.
 */

/** `on`/`off` for lights, switches and binary sensors; a number or text for sensors and meters. */
export type StateValue = string | number | boolean | null;

export interface EntityDto {
  /** Stable slug `<kind>.<object>`, e.g. `light.kitchen`. */
  id: string;
  uniqueId: string;
  kind: EntityKind;
  name: string;
  deviceId: string | null;
  area: string | null;
  state: StateValue;
  attributes: Record<string, unknown>;
  available: boolean;
  /** ISO times: when the state value last changed, and when any update last arrived. */
  lastChanged: string | null;
  lastUpdated: string | null;
  unit: string | null;
  deviceClass: string | null;
  /** Home Assistant's state class: how the value's history is summed up (`measurement`, `total`, `total_increasing`). */
  stateClass: 'measurement' | 'total' | 'total_increasing' | null;
  /** What a command may carry for this entity; empty when it cannot be commanded. */
  commands: EntityFeature[];
  /** Ranges and choices of those commands: a number's min/max/step, a select's options, a climate's modes. */
  limits: CommandLimits;
  source: DefinitionSource;
}

export interface DeviceDto {
  id: string;
  name: string;
  manufacturer: string | null;
  model: string | null;
  area: string | null;
  transport: 'mqtt' | 'mqtt-sn';
  available: boolean;
  lastSeen: string | null;
  entityIds: string[];
}

export interface UnmappedTopicDto {
  topic: string;
  /** The last payload as text (cut at 256 characters). */
  lastPayload: string;
  count: number;
  lastSeen: string;
  /** The known device this topic sits beside (its own telemetry no entity maps, not a new device); null for none. */
  deviceId: string | null;
}

/** One recorded reading (numeric entities) or state change (the others). */
export interface HistoryPointDto {
  time: string;
  state: StateValue;
  /** Changes only: the attributes and availability then (numeric entities record their value alone). */
  attributes?: Record<string, unknown>;
  available?: boolean;
}

/** What `GET /api/history/:entityId` answers with; `auto` picks the coarsest that gives about 1,000 points or fewer. */
export const HISTORY_RESOLUTIONS = ['raw', '5m', 'hour', 'day', 'week', 'month', 'auto'] as const;
export type HistoryResolution = Exclude<(typeof HISTORY_RESOLUTIONS)[number], 'auto'>;

/** `GET /api/history/:entityId?from&to&resolution=` */
export interface EntityHistoryDto {
  entityId: string;
  from: string;
  to: string;
  resolution: HistoryResolution;
  unit: string | null;
  /** `raw`: readings or changes, oldest first; the one in force at `from` comes first. */
  points: HistoryPointDto[];
  /** Any other resolution (numeric entities only): buckets with data, oldest first. */
  statistics: StatisticPointDto[];
  /** There was more than a response holds: narrow the range or ask for a coarser resolution. */
  truncated: boolean;
}

/** Body of `POST /api/entities`: map a topic to an entity by hand (e.g. adopt an unmapped topic). */
export interface ManualEntityRequest {
  kind: (typeof MANUAL_KINDS)[number];
  name: string;
  stateTopic: string;
  /** A JSON path (`ENERGY.Power`) or a template (`{{ value_json.t | float }}`); the raw payload when absent. */
  value?: string;
  unit?: string;
  deviceClass?: string;
  area?: string;
  commandTopic?: string;
  payloadOn?: string;
  payloadOff?: string;
}
