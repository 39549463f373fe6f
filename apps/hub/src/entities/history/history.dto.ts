import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { HISTORY_RESOLUTIONS, type HistoryResolution } from '@hearth/entities';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

/** A range of time: `from` and `to` ISO times, the last 24 hours by default. */
export class TimeRangeDto {
  @ApiPropertyOptional({ description: 'ISO time; default 24 hours before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 time, e.g. 2026-03-01T00:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO time; default now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 time, e.g. 2026-03-02T00:00:00Z' })
  to?: string;
}

export class HistoryQueryDto extends TimeRangeDto {
  @ApiPropertyOptional({ enum: HISTORY_RESOLUTIONS, default: 'auto', description: 'auto: raw when the range holds 1,000 readings or fewer, else the finest statistics that give about 1,000 points or fewer' })
  @IsOptional()
  @IsIn(HISTORY_RESOLUTIONS, { message: `resolution must be one of ${HISTORY_RESOLUTIONS.join(', ')}` })
  resolution?: HistoryResolution | 'auto';
}

const DAY = 24 * 60 * 60_000;

/** The range a query asks for, in epoch ms; a 400 naming the parameter when it is backwards. */
export function rangeOf({ from, to }: TimeRangeDto, defaultSpan = DAY): { from: number; to: number } {
  const end = to ? Date.parse(to) : Date.now();
  const start = from ? Date.parse(from) : end - defaultSpan;
  if (start >= end) throw new BadRequestException(`from must be before to (from ${new Date(start).toISOString()}, to ${new Date(end).toISOString()})`);
  return { from: start, to: end };
}
