import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { ROLES, Role } from '@taperwatch/persistence';
import { ActorRefDto } from '../common/actor-ref.dto';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Ward 7 eMAR' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    enum: ROLES,
    description:
      'A unit-scoped admin may not issue a role ranked above its own (service > admin > prescriber > nurse, pharmacist)',
  })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Required for nurse keys (422 without); absent or empty: every unit. A unit-scoped admin may only name its own units.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  unitIds?: string[];

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'The key is refused (401) from this instant on; absent, it never expires',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ROLES })
  role!: Role;

  @ApiProperty({ type: [String], description: 'Empty: every unit of the tenant' })
  unitIds!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    type: ActorRefDto,
    nullable: true,
    description: 'Who issued it (null: the bootstrap admin key)',
  })
  createdBy!: ActorRefDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Coarse: each API process writes it at most once a minute per key',
  })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The secret: shown in this response only, stored as a hash' })
  key!: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] })
  items!: ApiKeyDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
