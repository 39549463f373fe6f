import { BadRequestException, Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { tariffProblems, type EnergyInsightsDto, type EnergyPeriod, type EnergyReportDto, type EnergyTariffsDto, type HousePowerDto, type MeterDto } from '@hearth/statistics';
import { Access, CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { rangeOf, TimeRangeDto } from '../entities/history/history.dto.js';
import { EnergyQueryDto, EnergyTariffsBody, MeterRoleDto } from './energy.dto.js';
import { EnergyService } from './energy.service.js';

const HOUR = 60 * 60_000;
/** Shortest length of each period, to bound a report's buckets before computing them. */
const SHORTEST: Record<EnergyPeriod, number> = { hour: HOUR, day: 23 * HOUR, week: 7 * 23 * HOUR, month: 28 * 23 * HOUR, year: 365 * 23 * HOUR };
const MAX_BUCKETS = 1_000;

@ApiTags('energy')
@Controller('api/energy')
export class EnergyController {
  constructor(private readonly energy: EnergyService) {}

  /** kWh and cost of the house, its grid and solar, each device and what no device accounts for, per period (today by hour by default). */
  @Get()
  report(@Query() query: EnergyQueryDto, @CurrentUser() user?: AuthUser): EnergyReportDto {
    const { from, to } = rangeOf(query);
    const period = query.period ?? 'hour';
    if ((to - from) / SHORTEST[period] > MAX_BUCKETS) throw new BadRequestException(`period ${period} over this range gives more than ${MAX_BUCKETS} buckets: ask for a longer period or a shorter range`);
    return this.energy.report(from, to, period, user);
  }

  @Get('meters')
  meters(@CurrentUser() user?: AuthUser): MeterDto[] {
    return this.energy.meters(user);
  }

  @Put('meters/:entityId')
  @Access('admin')
  setRole(@Param('entityId') entityId: string, @Body() body: MeterRoleDto): MeterDto {
    return this.energy.setRole(entityId, body.role);
  }

  @Get('tariffs')
  tariffs(): EnergyTariffsDto {
    return this.energy.tariffs();
  }

  /** Replaces the tariffs: a list with a tariff per valid-from date, so a new price never rewrites the past. */
  @Put('tariffs')
  @Access('admin')
  setTariffs(@Body() body: EnergyTariffsBody): EnergyTariffsDto {
    const problems = tariffProblems(body);
    if (problems.length > 0) throw new BadRequestException(problems);
    return this.energy.setTariffs(body);
  }

  /** The house's always-on power and each device's part; each device's month against the month before and last year's. */
  @Get('insights')
  insights(@CurrentUser() user?: AuthUser): EnergyInsightsDto {
    return this.energy.insights(user);
  }

  /** The house's power, 5-minute averages (the last 6 hours by default). */
  @Get('power')
  power(@Query() query: TimeRangeDto, @CurrentUser() user?: AuthUser): HousePowerDto {
    const { from, to } = rangeOf(query, 6 * HOUR);
    if (to - from > 7 * 24 * HOUR) throw new BadRequestException('from and to may be at most 7 days apart: ask /api/energy or /api/history for longer ranges');
    return this.energy.power(from, to, user);
  }
}
