import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { MONITORING_MODES, type MonitoringMode } from '@taperwatch/persistence';
import { IsCalendarDate, IsIanaTimeZone } from '../common/validators';

export class CreatePatientDto {
  @ApiProperty({
    description: "The hospital's patient identifier (unique per tenant); never logged",
  })
  @IsString()
  @Length(1, 200)
  externalId!: string;

  @ApiProperty({ example: 'ward-7' })
  @IsString()
  @Length(1, 100)
  unitId!: string;

  @ApiPropertyOptional({ example: 'Europe/London', default: 'UTC' })
  @IsOptional()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: '1950-04-02' })
  @IsOptional()
  @IsCalendarDate()
  birthDate?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 300 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(300)
  creatinineClearanceMlMin?: number;

  @ApiPropertyOptional({
    enum: MONITORING_MODES,
    default: 'supervised',
    description:
      'supervised: a ward or clinic charts each dose; outpatient: the patient takes them at home and reports them through a patient link',
  })
  @IsOptional()
  @IsIn(MONITORING_MODES)
  monitoring?: MonitoringMode;
}

/** Present-but-null is refused for fields that cannot be empty; birthDate and CrCl may be cleared. */
const present = (field: string) =>
  ValidateIf((dto: Record<string, unknown>) => dto[field] !== undefined);

export class UpdatePatientDto {
  @ApiPropertyOptional({ example: 'ward-7' })
  @present('unitId')
  @IsString()
  @Length(1, 100)
  unitId?: string;

  @ApiPropertyOptional({ example: 'Europe/London' })
  @present('timezone')
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: '1950-04-02', nullable: true })
  @IsOptional()
  @IsCalendarDate()
  birthDate?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 300, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(300)
  creatinineClearanceMlMin?: number | null;

  @ApiPropertyOptional({ enum: MONITORING_MODES })
  @present('monitoring')
  @IsIn(MONITORING_MODES)
  monitoring?: MonitoringMode;
}

export class PatientViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty({ example: 'ward-7' }) unitId!: string;
  @ApiProperty({ example: 'Europe/London' }) timezone!: string;
  @ApiProperty({ nullable: true, type: String, example: '1950-04-02' }) birthDate!: string | null;
  @ApiProperty({ nullable: true, type: Number }) creatinineClearanceMlMin!: number | null;
  @ApiProperty({ enum: MONITORING_MODES }) monitoring!: MonitoringMode;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
