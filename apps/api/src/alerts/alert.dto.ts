import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '@taperwatch/http';
import { ALERT_STATUSES, ALERT_TYPES, AlertStatus, AlertType } from '@taperwatch/persistence';

export class AlertListQueryDto extends PageQuery {
  @ApiPropertyOptional({ enum: ALERT_STATUSES })
  @IsOptional()
  @IsIn(ALERT_STATUSES)
  status?: AlertStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  unitId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  patientId?: string;

  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptional()
  @IsIn(ALERT_TYPES)
  type?: AlertType;
}

export class ResolveAlertDto {
  @ApiPropertyOptional({ description: 'What was done' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;
}
