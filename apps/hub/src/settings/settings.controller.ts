import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { HubSettings } from '@hearth/api-types';
import { Access } from '../auth/auth.decorators.js';
import { SettingsDto } from './settings.dto.js';
import { SettingsRepository } from './settings.repository.js';

/** The house's location (sunrise and sunset, its time zone): everyone signed in reads it, admins change it. */
@ApiTags('settings')
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsRepository) {}

  @Get()
  @Access('user')
  get(): HubSettings {
    return this.settings.read();
  }

  @Put()
  @Access('admin')
  put(@Body() body: SettingsDto): HubSettings {
    return this.settings.write({ location: body.location });
  }
}
