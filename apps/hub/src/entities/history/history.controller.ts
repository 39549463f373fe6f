import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { HistoryPointDto } from '@hearth/entities';
import { CurrentUser } from '../../auth/auth.decorators.js';
import type { AuthUser } from '../../auth/sessions.service.js';
import { EntitiesService } from '../entities.service.js';
import { HistoryQueryDto } from './history.dto.js';

const DAY = 24 * 60 * 60 * 1000;

@ApiTags('history')
@Controller('api/history')
export class HistoryController {
  constructor(private readonly entities: EntitiesService) {}

  /** An entity's recorded states between `from` and `to` (the last 24 hours by default). */
  @Get(':id')
  history(@Param('id') id: string, @Query() query: HistoryQueryDto, @CurrentUser() user?: AuthUser): HistoryPointDto[] {
    this.entities.visible(id, user);
    const to = query.to ? Date.parse(query.to) : Date.now();
    const from = query.from ? Date.parse(query.from) : to - DAY;
    return this.entities.pipeline.historyOf(id, from, to, query.limit ?? 10_000);
  }
}
