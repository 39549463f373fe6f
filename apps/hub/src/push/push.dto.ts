import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PushSubscribeRequest } from '@hearth/api-types';
import { Type } from 'class-transformer';
import { IsNumber, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class PushKeysDto {
  @ApiProperty({ description: "the browser's P-256 public key, base64url" })
  @IsString()
  @MaxLength(200)
  p256dh!: string;

  @ApiProperty({ description: 'the auth secret, base64url' })
  @IsString()
  @MaxLength(100)
  auth!: string;
}

/** Body of `POST /api/push/subscriptions`: what `PushSubscription.toJSON()` gives in the browser. */
export class PushSubscribeDto implements PushSubscribeRequest {
  @ApiProperty({ description: "the browser's push service URL for this subscription" })
  @IsString()
  @MaxLength(2048)
  endpoint!: string;

  @ApiProperty({ type: PushKeysDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PushKeysDto)
  keys!: PushKeysDto;

  @ApiPropertyOptional({ nullable: true, description: 'as the browser gives it; not used' })
  @IsOptional()
  @IsNumber()
  expirationTime?: number | null;
}
