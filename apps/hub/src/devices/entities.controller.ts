import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeviceDto, EntityDto, HistoryPointDto, UnmappedTopicDto } from '@hearth/api-types';
import { EntitiesService } from './entities.service.js';
import { EntityCommandDto, HistoryQueryDto, ManualEntityDto, RenameEntityDto } from './entities.dto.js';

const DAY = 24 * 60 * 60 * 1000;

@ApiTags('entities')
@Controller('api')
export class EntitiesController {
  constructor(private readonly entities: EntitiesService) {}

  @Get('entities')
  list(): EntityDto[] {
    return this.entities.listEntities();
  }

  @Get('entities/:id')
  get(@Param('id') id: string): EntityDto {
    return this.entities.getEntity(id);
  }

  @Post('entities')
  create(@Body() body: ManualEntityDto): EntityDto {
    return this.entities.createManual(body);
  }

  @Patch('entities/:id')
  rename(@Param('id') id: string, @Body() body: RenameEntityDto): EntityDto {
    return this.entities.rename(id, body);
  }

  @Post('entities/:id/command')
  @HttpCode(202)
  async command(@Param('id') id: string, @Body() body: EntityCommandDto): Promise<{ published: string[] }> {
    return { published: await this.entities.command(id, body) };
  }

  @Get('devices')
  devices(): DeviceDto[] {
    return this.entities.listDevices();
  }

  @Get('topics/unmapped')
  unmapped(): UnmappedTopicDto[] {
    return this.entities.listUnmapped();
  }

  @Get('history/:id')
  history(@Param('id') id: string, @Query() query: HistoryQueryDto): HistoryPointDto[] {
    const to = query.to ? Date.parse(query.to) : Date.now();
    const from = query.from ? Date.parse(query.from) : to - DAY;
    return this.entities.history(id, from, to, query.limit ?? 10_000);
  }
}
