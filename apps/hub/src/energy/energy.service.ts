import { Injectable } from '@nestjs/common';
import type { EntityDto } from '@hearth/entities';
import {
  alwaysOn,
  NotAMeter,
  energyReport,
  housePower,
  kwhPerSumUnit,
  monthComparison,
  PriceSchedule,
  type EnergyInsightsDto,
  type EnergyMeter,
  type EnergyPeriod,
  type EnergyReportDto,
  type EnergyTariffsDto,
  type HousePowerDto,
  type MeterDto,
  type MeterRole,
  type SeriesSpec,
} from '@hearth/statistics';
import type { AuthUser } from '../auth/sessions.service.js';
import { inAreas } from '../entities/areas.js';
import { EntitiesService } from '../entities/entities.service.js';
import { SettingsRepository } from '../settings/settings.repository.js';
import { StatisticsService } from '../statistics/statistics.service.js';
import { EnergySettingsRepository } from './energy-settings.repository.js';

interface Meter extends MeterDto {
  spec: SeriesSpec;
}

/**
 * Energy on the hub: which entities are meters (and where their kWh come from), their roles, the tariffs,
 * and the reports, answered from the statistics (@hearth/statistics). A person restricted to areas gets
 * the meters in them: their devices, and the house as far as its grid meters are theirs to see.
 */
@Injectable()
export class EnergyService {
  constructor(
    private readonly entities: EntitiesService,
    private readonly statistics: StatisticsService,
    private readonly settings: EnergySettingsRepository,
    private readonly place: SettingsRepository,
  ) {}

  /**
   * Every entity that measures energy, or power where its device has no energy counter: a device's counter and its
   * power are one meter, counted once, from the counter.
   */
  meters(user?: AuthUser): MeterDto[] {
    return this.allMeters(user).map(({ spec, ...meter }) => meter);
  }

  setRole(entityId: string, role: MeterRole): MeterDto {
    const meter = this.allMeters().find((m) => m.entityId === entityId);
    if (!meter) throw new NotAMeter(entityId);
    this.settings.setMeterRole(entityId, role);
    return { ...meter, role };
  }

  tariffs(): EnergyTariffsDto {
    return this.settings.tariffs();
  }

  setTariffs(tariffs: EnergyTariffsDto): EnergyTariffsDto {
    this.settings.setTariffs(tariffs);
    return this.settings.tariffs();
  }

  report(from: number, to: number, period: EnergyPeriod, user?: AuthUser): EnergyReportDto {
    const timeZone = this.place.timeZone();
    const meters = this.allMeters(user);
    const { currency, tariffs } = this.settings.tariffs();
    const schedule = tariffs.length > 0 ? new PriceSchedule(tariffs, timeZone) : null;
    const { buckets, total } = energyReport(this.statistics, this.energyMeters(meters), schedule, period, from, to, timeZone);
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      period,
      timeZone,
      currency: schedule ? currency : null,
      meters: meters.map(({ spec, ...meter }) => meter),
      buckets,
      total,
    };
  }

  insights(user?: AuthUser, now = Date.now()): EnergyInsightsDto {
    const timeZone = this.place.timeZone();
    const meters = this.energyMeters(this.allMeters(user));
    return { alwaysOn: alwaysOn(this.statistics, meters, now, timeZone), months: monthComparison(this.statistics, meters, now, timeZone) };
  }

  power(from: number, to: number, user?: AuthUser): HousePowerDto {
    const points = housePower(this.statistics, this.energyMeters(this.allMeters(user)), from, to);
    return { points: points.map(({ start, watts }) => ({ start: new Date(start).toISOString(), watts })) };
  }

  private allMeters(user?: AuthUser): Meter[] {
    const roles = this.settings.meterRoles();
    const { pipeline } = this.entities;
    const candidates: Array<{ entity: EntityDto; spec: SeriesSpec; source: MeterDto['source'] }> = [];
    for (const entity of pipeline.entities()) {
      if (!inAreas(user, entity.area)) continue;
      const series = pipeline.seriesOf(entity.id);
      const counter = [series.state, ...series.attributes.map((a) => a.spec)].find((spec) => spec && spec.kind !== 'power' && spec.kind !== 'measurement' && kwhPerSumUnit(spec) !== null);
      if (counter) candidates.push({ entity, spec: counter, source: 'counter' });
      else if (series.state?.kind === 'power') candidates.push({ entity, spec: series.state, source: 'power' });
    }
    const counted = new Set(candidates.filter((c) => c.source === 'counter' && c.entity.deviceId !== null).map((c) => c.entity.deviceId));
    return candidates
      .filter((c) => c.source === 'counter' || c.entity.deviceId === null || !counted.has(c.entity.deviceId))
      .map(({ entity, spec, source }) => ({ entityId: entity.id, name: entity.name, area: entity.area, role: roles.get(entity.id) ?? 'device', source, spec }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Meters with recorded readings, as the statistics know them. */
  private energyMeters(meters: Meter[]): EnergyMeter[] {
    return meters.flatMap(({ entityId, role, spec }) => {
      const series = this.statistics.series(spec.key);
      return series ? [{ entityId, role, series }] : [];
    });
  }
}
