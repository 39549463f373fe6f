import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeviceDto, EntityDto, UnmappedTopicDto } from '@hearth/entities';
import { Access, CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { inAreas } from './areas.js';
import { EntitiesService } from './entities.service.js';
import { EntityCommandDto, ManualEntityDto, RenameEntityDto } from './entities.dto.js';

@ApiTags('entities')
@Controller('api')
export class EntitiesController {
  constructor(private readonly entities: EntitiesService) {}

  @Get('entities')
  list(@CurrentUser() user?: AuthUser): EntityDto[] {
    return this.entities.pipeline.entities().filter((entity) => inAreas(user, entity.area));
  }

  @Get('entities/:id')
  get(@Param('id') id: string, @CurrentUser() user?: AuthUser): EntityDto {
    return this.entities.visible(id, user);
  }

  @Post('entities')
  create(@Body() body: ManualEntityDto): EntityDto {
    return this.entities.pipeline.createManual(body);
  }

  @Patch('entities/:id')
  rename(@Param('id') id: string, @Body() body: RenameEntityDto): EntityDto {
    return this.entities.pipeline.rename(id, body);
  }

  /** Using the house is for everyone signed in; areas still apply. */
  @Post('entities/:id/command')
  @Access('user')
  @HttpCode(202)
  async command(@Param('id') id: string, @Body() body: EntityCommandDto, @CurrentUser() user?: AuthUser): Promise<{ published: string[] }> {
    this.entities.visible(id, user);
    return { published: await this.entities.pipeline.command(id, body) };
  }

  @Get('devices')
  devices(@CurrentUser() user?: AuthUser): DeviceDto[] {
    const visible = new Set(this.list(user).map((entity) => entity.id));
    return this.entities.pipeline.devices().filter((device) => device.entityIds.some((id) => visible.has(id)));
  }

  @Get('topics/unmapped')
  @Access('admin')
  unmapped(): UnmappedTopicDto[] {
    return this.entities.pipeline.unmapped();
  }
}
