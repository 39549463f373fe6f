import type { Weekday } from '@hearth/local-time';

/** One statistics bucket of a numeric entity. */
export interface StatisticPointDto {
  start: string;
  end: string;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** For meters: what was used in the bucket, in kWh for a power or energy entity, else in the entity's unit. */
  change: number | null;
}

/** How a meter counts in the house: nothing is counted twice. */
export const METER_ROLES = ['grid_import', 'grid_export', 'solar', 'device'] as const;
export type MeterRole = (typeof METER_ROLES)[number];

/** A power or energy entity, and what its energy counts as. */
export interface MeterDto {
  entityId: string;
  name: string;
  area: string | null;
  role: MeterRole;
  /** Where its kWh come from: its own energy counter, or its power integrated over time. */
  source: 'counter' | 'power';
}

/** `PUT /api/energy/meters/:entityId` */
export interface MeterRoleRequest {
  role: MeterRole;
}

/** A time-of-use price: on these weekdays, from `from` up to `to` (local `HH:MM`; wraps past midnight when `to` <= `from`). */
export interface TimeOfUseWindowDto {
  days: Weekday[];
  from: string;
  to: string;
  price: number;
}

/** Prices from a local date on, until the next tariff's `validFrom`: `price` per kWh outside the windows. */
export interface TariffDto {
  validFrom: string;
  price: number;
  windows: TimeOfUseWindowDto[];
  /** What a kWh sent to the grid earns. */
  exportPrice: number;
}

/** `GET`/`PUT /api/energy/tariffs` */
export interface EnergyTariffsDto {
  /** ISO 4217 code, e.g. `EUR`. */
  currency: string;
  tariffs: TariffDto[];
}

export const ENERGY_PERIODS = ['hour', 'day', 'week', 'month', 'year'] as const;
export type EnergyPeriod = (typeof ENERGY_PERIODS)[number];

/** Energy and its cost; `cost` is null where no tariff was in force. */
export interface EnergyAmountDto {
  kwh: number;
  cost: number | null;
}

export interface EnergyFlowsDto {
  /** What the house used: grid import - grid export + solar production. */
  house: EnergyAmountDto;
  gridImport: EnergyAmountDto;
  /** Its cost is what the export earned. */
  gridExport: EnergyAmountDto;
  solar: EnergyAmountDto;
  /** House minus the devices' meters. */
  untracked: EnergyAmountDto;
  /** Per device meter (entity id). */
  devices: Record<string, EnergyAmountDto>;
}

export interface EnergyBucketDto extends EnergyFlowsDto {
  start: string;
  end: string;
}

/** `GET /api/energy?from&to&period=` */
export interface EnergyReportDto {
  from: string;
  to: string;
  period: EnergyPeriod;
  timeZone: string;
  currency: string | null;
  meters: MeterDto[];
  buckets: EnergyBucketDto[];
  total: EnergyFlowsDto;
}

/** `GET /api/energy/insights` */
export interface EnergyInsightsDto {
  /** The house's lowest sustained draw over recent nights, and each device's part of it; null without data. */
  alwaysOn: { watts: number; devices: Array<{ entityId: string; watts: number }> } | null;
  /** Each device's energy this month so far, against the same days of the month before and of the same month a year before. */
  months: Array<{ entityId: string; month: string; kwh: number; previousMonthKwh: number | null; lastYearKwh: number | null }>;
}

/** `GET /api/energy/power?from&to`: the house's power, 5-minute means. */
export interface HousePowerDto {
  points: Array<{ start: string; watts: number | null }>;
}
