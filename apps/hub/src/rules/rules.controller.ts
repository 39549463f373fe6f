import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { RuleDto, RuleTraceDto, SavedRuleDto } from '@hearth/api-types';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/sessions.service.js';
import { RULE_BODY, RunRuleDto } from './rules.dto.js';
import { RulesService } from './rules.service.js';

/**
 * Automation rules: everyone signed in reads them and their traces (people restricted to areas, those
 * within their areas); writing and running are for admins (the guard's default for writes).
 */
@ApiTags('rules')
@Controller('api/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  list(@CurrentUser() user?: AuthUser): RuleDto[] {
    return this.rules.list(user);
  }

  @Get(':id')
  get(@Param('id') id: string, @CurrentUser() user?: AuthUser): RuleDto {
    return this.rules.get(id, user);
  }

  @Post()
  @ApiBody(RULE_BODY)
  create(@Body() body: unknown): SavedRuleDto {
    return this.rules.create(body);
  }

  @Put(':id')
  @ApiBody(RULE_BODY)
  update(@Param('id') id: string, @Body() body: unknown): SavedRuleDto {
    return this.rules.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): void {
    this.rules.remove(id);
  }

  /** Runs the actions now (the conditions too with `conditions: true`), whatever the triggers; 202, the trace follows. */
  @Post(':id/run')
  @HttpCode(202)
  run(@Param('id') id: string, @Body() body: RunRuleDto): void {
    this.rules.run(id, body?.conditions ?? false);
  }

  /** The last runs, newest first. */
  @Get(':id/traces')
  traces(@Param('id') id: string, @CurrentUser() user?: AuthUser): RuleTraceDto[] {
    return this.rules.traces(id, user);
  }
}
