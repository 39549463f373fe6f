import { once } from 'node:events';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HISTORY_RESOLUTIONS, type HistoryResolution } from '@hearth/entities';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString } from 'class-validator';
import type { Response } from 'express';
import { CurrentUser } from '../../auth/auth.decorators.js';
import type { AuthUser } from '../../auth/sessions.service.js';
import { SettingsRepository } from '../../settings/settings.repository.js';
import { EntitiesService } from '../entities.service.js';
import { rangeOf, TimeRangeDto } from './history.dto.js';

const EXPORT_RESOLUTIONS = HISTORY_RESOLUTIONS.filter((r): r is HistoryResolution => r !== 'auto');
const COLUMNS = ['entity_id', 'time', 'end', 'state', 'mean', 'min', 'max', 'change', 'unit'] as const;

export class ExportQueryDto extends TimeRangeDto {
  @ApiPropertyOptional({ description: 'comma-separated entity ids', example: 'sensor.mains_power,sensor.bed_moisture' })
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((id) => id.trim()).filter(Boolean) : value))
  @IsString({ each: true, message: 'entities must be comma-separated entity ids' })
  @ArrayMinSize(1, { message: 'entities must name at least one entity' })
  @ArrayMaxSize(100, { message: 'entities may name at most 100 entities' })
  entities!: string[];

  @ApiPropertyOptional({ enum: EXPORT_RESOLUTIONS, default: 'hour', description: 'entities whose state is not a number always give their changes' })
  @IsOptional()
  @IsIn(EXPORT_RESOLUTIONS, { message: `resolution must be one of ${EXPORT_RESOLUTIONS.join(', ')}` })
  resolution?: HistoryResolution;
}

/** A CSV field: quoted when it must be, and text that a spreadsheet would run as a formula made inert. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

@ApiTags('history')
@Controller('api')
export class ExportController {
  constructor(
    private readonly entities: EntitiesService,
    private readonly settings: SettingsRepository,
  ) {}

  /**
   * Readings, changes or statistics of entities as CSV, for spreadsheets: any range, streamed a page at a
   * time (a year of 5-minute statistics does not sit in memory). One row per point; a reading fills `time`
   * and `state`, a statistics bucket `time` (its start) to `change`.
   */
  @Get('export.csv')
  @ApiProduces('text/csv')
  async exportCsv(@Query() query: ExportQueryDto, @Res() res: Response, @CurrentUser() user?: AuthUser): Promise<void> {
    // Every entity is checked before the first byte: a 404 is still possible.
    const entities = query.entities.map((id) => this.entities.visible(id, user));
    const range = { ...rangeOf(query), resolution: query.resolution ?? 'hour', timeZone: this.settings.timeZone() };
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="hearth-${range.resolution}-${new Date(range.from).toISOString().slice(0, 10)}.csv"`);
    const write = async (line: string) => {
      if (!res.write(`${line}\r\n`)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    };
    await write(COLUMNS.join(','));
    for (const entity of entities) {
      for (const point of this.entities.pipeline.everyPointOf(entity.id, range)) {
        if (res.destroyed) return;
        const row = 'start' in point ? { time: point.start, end: point.end, mean: point.mean, min: point.min, max: point.max, change: point.change } : { time: point.time, state: point.state };
        await write([entity.id, ...COLUMNS.slice(1, -1).map((column) => field((row as Record<string, unknown>)[column])), field(entity.unit)].join(','));
      }
    }
    res.end();
  }
}
