import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { EntityHistoryDto } from '@hearth/entities';
import { CurrentUser } from '../../auth/auth.decorators.js';
import type { AuthUser } from '../../auth/sessions.service.js';
import { SettingsRepository } from '../../settings/settings.repository.js';
import { EntitiesService } from '../entities.service.js';
import { HistoryQueryDto, rangeOf } from './history.dto.js';

@ApiTags('history')
@Controller('api/history')
export class HistoryController {
  constructor(
    private readonly entities: EntitiesService,
    private readonly settings: SettingsRepository,
  ) {}

  /** An entity's readings or changes, or its statistics, between `from` and `to` (the last 24 hours by default). */
  @Get(':id')
  history(@Param('id') id: string, @Query() query: HistoryQueryDto, @CurrentUser() user?: AuthUser): EntityHistoryDto {
    this.entities.visible(id, user);
    return this.entities.pipeline.historyOf(id, { ...rangeOf(query), resolution: query.resolution ?? 'auto', timeZone: this.settings.timeZone() });
  }
}
