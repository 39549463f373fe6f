import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENTITY_KINDS, type EntityCommand, type EntityKind, type ManualEntityRequest } from '@hearth/entities';
import { isValidTopicName } from '@hearth/mqtt-topics';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  ValidateBy,
  Min,
} from 'class-validator';

/** An MQTT topic name a device publishes to (no wildcards, not empty). */
const IsTopicName = (property: string) =>
  ValidateBy({ name: 'isTopicName', validator: { validate: (value) => typeof value === 'string' && isValidTopicName(value), defaultMessage: () => `${property} must be a topic name without wildcards` } });

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
  @ApiProperty({ enum: ENTITY_KINDS })
  @IsIn(ENTITY_KINDS)
  kind!: EntityKind;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: 'garden/bed1/moisture' })
  @IsString()
  @IsTopicName('stateTopic')
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
  @IsTopicName('commandTopic')
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
