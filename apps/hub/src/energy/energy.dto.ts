import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Weekday } from '@hearth/local-time';
import { ENERGY_PERIODS, METER_ROLES, type EnergyPeriod, type EnergyTariffsDto, type MeterRole, type TariffDto, type TimeOfUseWindowDto } from '@hearth/statistics';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { TimeRangeDto } from '../entities/history/history.dto.js';

export class EnergyQueryDto extends TimeRangeDto {
  @ApiPropertyOptional({ enum: ENERGY_PERIODS, default: 'hour' })
  @IsOptional()
  @IsIn(ENERGY_PERIODS, { message: `period must be one of ${ENERGY_PERIODS.join(', ')}` })
  period?: EnergyPeriod;
}

export class MeterRoleDto {
  @ApiProperty({ enum: METER_ROLES })
  @IsIn(METER_ROLES, { message: `role must be one of ${METER_ROLES.join(', ')}` })
  role!: MeterRole;
}

const finite = { allowNaN: false, allowInfinity: false };

// The shapes are checked here; what the values mean (dates, times on 5 minutes, weekdays) by tariffProblems.
export class TimeOfUseWindowBody implements TimeOfUseWindowDto {
  @ApiProperty({ example: ['mon', 'tue', 'wed', 'thu', 'fri'] })
  @IsArray()
  @IsString({ each: true })
  days!: Weekday[];

  @ApiProperty({ example: '22:00' })
  @IsString()
  from!: string;

  @ApiProperty({ example: '07:00', description: 'a window whose `to` is not after its `from` runs past midnight' })
  @IsString()
  to!: string;

  @ApiProperty({ example: 0.21 })
  @IsNumber(finite)
  price!: number;
}

export class TariffBody implements TariffDto {
  @ApiProperty({ example: '2026-01-01', description: 'local date from which the tariff holds, until the next one' })
  @IsString()
  validFrom!: string;

  @ApiProperty({ example: 0.32, description: 'per kWh, outside the windows' })
  @IsNumber(finite)
  price!: number;

  @ApiProperty({ type: [TimeOfUseWindowBody] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TimeOfUseWindowBody)
  windows!: TimeOfUseWindowBody[];

  @ApiProperty({ example: 0.08, description: 'what a kWh sent to the grid earns' })
  @IsNumber(finite)
  exportPrice!: number;
}

export class EnergyTariffsBody implements EnergyTariffsDto {
  @ApiProperty({ example: 'EUR' })
  @IsString()
  currency!: string;

  @ApiProperty({ type: [TariffBody] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TariffBody)
  tariffs!: TariffBody[];
}
