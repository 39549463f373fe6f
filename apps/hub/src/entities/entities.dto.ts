import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { EntityCommand, EntityKind, ManualEntityRequest } from '@hearth/api-types';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const KINDS: EntityKind[] = ['light', 'switch', 'power_meter', 'sensor', 'binary_sensor'];
// An MQTT topic name a device publishes to: no wildcards, not empty, at most MQTT's length.
const TOPIC = /^[^#+\u0000]+$/;

export class EntityCommandDto implements EntityCommand {
  @ApiPropertyOptional({ description: 'switch on (true) or off (false)' })
  @IsOptional()
  @IsBoolean()
  on?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 255 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(255)
  brightness?: number;

  @ApiPropertyOptional({ description: 'colour temperature in mireds', minimum: 50, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(1000)
  colorTemp?: number;

  @ApiPropertyOptional({ type: [Number], minItems: 3, maxItems: 3, description: '[red, green, blue], 0-255 each' })
  @IsOptional()
  @ArrayMinSize(3)
  @ArrayMaxSize(3)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(255, { each: true })
  rgb?: [number, number, number];
}

export class ManualEntityDto implements ManualEntityRequest {
  @ApiProperty({ enum: KINDS })
  @IsIn(KINDS)
  kind!: EntityKind;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: 'garden/bed1/moisture' })
  @IsString()
  @Matches(TOPIC, { message: 'stateTopic must be a topic name without wildcards' })
  @MaxLength(65_535)
  stateTopic!: string;

  @ApiPropertyOptional({ description: 'a JSON path (ENERGY.Power) or a template ({{ value_json.t | float }}); the raw payload when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  value?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(20)
  unit?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  deviceClass?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  area?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(TOPIC, { message: 'commandTopic must be a topic name without wildcards' })
  commandTopic?: string;

  @ApiPropertyOptional({ default: 'ON' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  payloadOn?: string;

  @ApiPropertyOptional({ default: 'OFF' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  payloadOff?: string;
}

export class RenameEntityDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ nullable: true, description: 'null clears the area' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  area?: string | null;
}
