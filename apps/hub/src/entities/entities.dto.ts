import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MANUAL_KINDS, type EntityCommand, type ManualEntityRequest } from '@hearth/entities';
import { isValidTopicName } from '@hearth/mqtt-topics';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
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

  // The kinds beyond lights and switches; ranges and options are the device's, checked by the encoder (400 when refused).
  @ApiPropertyOptional({ description: "a climate's target temperature, in its unit" })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  targetTemperature?: number;

  @ApiPropertyOptional({ description: "a climate's HVAC mode, one of its modes" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  hvacMode?: string;

  @ApiPropertyOptional({ description: 'a cover or valve: open (true) or close (false)' })
  @IsOptional()
  @IsBoolean()
  open?: boolean;

  @ApiPropertyOptional({ description: 'a cover or valve: stop moving', enum: [true] })
  @IsOptional()
  @IsIn([true])
  stop?: true;

  @ApiPropertyOptional({ description: 'a cover or valve: 0 (closed) to 100 (open)', minimum: 0, maximum: 100 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  position?: number;

  @ApiPropertyOptional({ description: 'a lock: lock (true) or unlock (false)' })
  @IsOptional()
  @IsBoolean()
  locked?: boolean;

  @ApiPropertyOptional({ description: "a fan's speed, 0-100", minimum: 0, maximum: 100 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  percentage?: number;

  @ApiPropertyOptional({ description: "a fan's preset mode, one of its presets" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  preset?: string;

  @ApiPropertyOptional({ description: "a number's value (within its min/max) or a select's option", oneOf: [{ type: 'number' }, { type: 'string' }] })
  @IsOptional()
  @ValidateBy({
    name: 'isNumberOrOption',
    validator: { validate: (value) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length > 0 && value.length <= 100), defaultMessage: () => 'value must be a number or a text of 1-100 characters' },
  })
  value?: number | string;

  @ApiPropertyOptional({ description: 'a button: press it', enum: [true] })
  @IsOptional()
  @IsIn([true])
  press?: true;
}

export class ManualEntityDto implements ManualEntityRequest {
  @ApiProperty({ enum: MANUAL_KINDS })
  @IsIn(MANUAL_KINDS)
  kind!: ManualEntityRequest['kind'];

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
