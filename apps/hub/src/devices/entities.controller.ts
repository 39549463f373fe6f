import { Body, Controller, Get, HttpCode, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeviceDto, EntityDto, HistoryPointDto, UnmappedTopicDto } from '@hearth/api-types';
import { Access, CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { inAreas } from './areas.js';
import { EntitiesService } from './entities.service.js';
import { EntityCommandDto, HistoryQueryDto, ManualEntityDto, RenameEntityDto } from './entities.dto.js';

const DAY = 24 * 60 * 60 * 1000;

@ApiTags('entities')
@Controller('api')
export class EntitiesController {
  constructor(private readonly entities: EntitiesService) {}

  @Get('entities')
  list(@CurrentUser() user?: AuthUser): EntityDto[] {
    return this.entities.listEntities().filter((entity) => inAreas(user, entity.area));
  }

  @Get('entities/:id')
  get(@Param('id') id: string, @CurrentUser() user?: AuthUser): EntityDto {
    return this.visible(id, user);
  }

  @Post('entities')
  create(@Body() body: ManualEntityDto): EntityDto {
    return this.entities.createManual(body);
  }

  @Patch('entities/:id')
  rename(@Param('id') id: string, @Body() body: RenameEntityDto): EntityDto {
    return this.entities.rename(id, body);
  }

  /** Using the house is for everyone signed in; areas still apply. */
  @Post('entities/:id/command')
  @Access('user')
  @HttpCode(202)
  async command(@Param('id') id: string, @Body() body: EntityCommandDto, @CurrentUser() user?: AuthUser): Promise<{ published: string[] }> {
    this.visible(id, user);
    return { published: await this.entities.command(id, body) };
  }

  @Get('devices')
  devices(@CurrentUser() user?: AuthUser): DeviceDto[] {
    const visible = new Set(this.list(user).map((entity) => entity.id));
    return this.entities.listDevices().filter((device) => device.entityIds.some((id) => visible.has(id)));
  }

  @Get('topics/unmapped')
  @Access('admin')
  unmapped(): UnmappedTopicDto[] {
    return this.entities.listUnmapped();
  }

  @Get('history/:id')
  history(@Param('id') id: string, @Query() query: HistoryQueryDto, @CurrentUser() user?: AuthUser): HistoryPointDto[] {
    this.visible(id, user);
    const to = query.to ? Date.parse(query.to) : Date.now();
    const from = query.from ? Date.parse(query.from) : to - DAY;
    return this.entities.history(id, from, to, query.limit ?? 10_000);
  }

  private visible(id: string, user: AuthUser | undefined): EntityDto {
    const entity = this.entities.getEntity(id);
    if (!inAreas(user, entity.area)) throw new NotFoundException(`no entity ${id}`);
    return entity;
  }
}
