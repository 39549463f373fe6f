import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HubSettings, LocationSettings } from '@hearth/api-types';
import { Type } from 'class-transformer';
import { IsDefined, IsNumber, IsObject, IsOptional, IsTimeZone, Max, Min, ValidateIf, ValidateNested } from 'class-validator';

export class LocationDto implements LocationSettings {
  @ApiProperty({ minimum: -90, maximum: 90, example: 52.37 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 4.9 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  longitude!: number;

  @ApiPropertyOptional({ description: "an IANA time zone; the hub's own when absent", example: 'Europe/Amsterdam' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;
}

/** Body of `PUT /api/settings`: every key, each an object or null ("not set"). Tariffs are the energy API's (`/api/energy/tariffs`). */
export class SettingsDto implements HubSettings {
  @ApiProperty({ type: LocationDto, nullable: true })
  @IsDefined({ message: 'location must be given (null when not set)' })
  @ValidateIf((_, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => LocationDto)
  location!: LocationDto | null;
}
