import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '@taperwatch/http';

export class AuditEventQueryDto extends PageQuery {
  @ApiPropertyOptional({ example: 'Plan', description: 'Patient, Plan, Dose, Alert, ApiKey...' })
  @IsOptional()
  @Matches(/^[A-Za-z]{1,64}$/, { message: 'must be a resource type name' })
  resourceType?: string;

  @ApiPropertyOptional({ description: 'The resource id (a UUID, or a unit id for policies)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  resourceId?: string;

  @ApiPropertyOptional({
    description: 'An API key id, a patient link id, or the person named in X-Actor',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'must be an ISO 8601 date-time' })
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this instant' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'must be an ISO 8601 date-time' })
  to?: Date;
}

class AuditActorDto {
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) apiKeyId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) patientLinkId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'As named in X-Actor' })
  person!: string | null;
}

class AuditResourceDto {
  @ApiProperty({ example: 'Plan' }) type!: string;
  @ApiProperty({ nullable: true, type: String }) id!: string | null;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Position in the hash chain', example: '42' }) seq!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({
    example: 'read',
    description:
      'read, search, create, update, delete, erase, or the act (approve, acknowledge...)',
  })
  action!: string;
  @ApiProperty({ type: AuditResourceDto }) resource!: AuditResourceDto;
  @ApiProperty({ example: 'GET' }) method!: string;
  @ApiProperty({ example: '/v1/plans/:id' }) route!: string;
  @ApiProperty({ description: 'The HTTP status answered', example: 200 }) outcome!: number;
  @ApiProperty({ nullable: true, type: String }) clientIp!: string | null;
  @ApiProperty() requestId!: string;
  @ApiProperty() prevHash!: string;
  @ApiProperty({ description: 'sha256 of prevHash and this row' }) hash!: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
