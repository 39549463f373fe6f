import { ApiPropertyOptional } from '@nestjs/swagger';
import type { RunRuleRequest } from '@hearth/api-types';
import { IsBoolean, IsOptional } from 'class-validator';

/** The rule JSON itself is checked by @hearth/rules' parseRule (every error with its path), not by decorators. */
export const RULE_BODY = {
  description: 'the rule JSON (docs/rules.md)',
  schema: {
    type: 'object',
    required: ['name', 'triggers', 'actions'],
    example: {
      name: 'Hall light on motion',
      mode: 'restart',
      triggers: [{ type: 'state', entityId: 'binary_sensor.hall_motion', to: 'on' }],
      conditions: [{ type: 'sun', after: 'sunset', afterOffset: '-30m' }],
      actions: [
        { type: 'command', entityId: 'light.hall', command: { on: true } },
        { type: 'delay', duration: '5m' },
        { type: 'command', entityId: 'light.hall', command: { on: false } },
      ],
    },
  },
};

export class RunRuleDto implements RunRuleRequest {
  @ApiPropertyOptional({ default: false, description: 'check the conditions first; by default only the actions run' })
  @IsOptional()
  @IsBoolean()
  conditions?: boolean;
}
