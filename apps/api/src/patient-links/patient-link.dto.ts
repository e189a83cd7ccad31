import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { PATIENT_LINK_DEFAULT_DAYS, PATIENT_LINK_MAX_DAYS } from '@taperwatch/auth';
import {
  PATIENT_REPORTS,
  PATIENT_SCHEDULE_DEFAULT_DAYS,
  PATIENT_SCHEDULE_MAX_DAYS,
  type PatientReport,
} from '@taperwatch/doses';
import { REPORTED_VIA } from '@taperwatch/persistence';
import { ActorRefDto } from '../common/actor-ref.dto';

export class CreatePatientLinkDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: PATIENT_LINK_MAX_DAYS,
    default: PATIENT_LINK_DEFAULT_DAYS,
    description: 'Days until the link stops working; every link expires',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PATIENT_LINK_MAX_DAYS)
  expiresInDays?: number;
}

export class PatientLinkDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) patientId!: string;
  @ApiProperty({ type: ActorRefDto, description: 'Who created it' }) createdBy!: ActorRefDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status!: string;
}

export class CreatedPatientLinkDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    description:
      'The link token (twp_…), shown only here; stored as a hash. Give it to the patient through url.',
  })
  token!: string;
  @ApiProperty({
    description:
      'The patient page with the token in its #fragment (a fragment never reaches a server or its logs)',
  })
  url!: string;
  @ApiProperty({
    description:
      'The iCalendar feed to subscribe to; calendar apps cannot send headers, so it carries ?token=',
  })
  calendarUrl!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class PatientLinkListDto {
  @ApiProperty({ type: [PatientLinkDto] }) items!: PatientLinkDto[];
}

export class ScheduleQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: PATIENT_SCHEDULE_MAX_DAYS,
    default: PATIENT_SCHEDULE_DEFAULT_DAYS,
    description: 'Days from today (in the patient’s zone) to include',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PATIENT_SCHEDULE_MAX_DAYS)
  days?: number;
}

export class CalendarQueryDto {
  @ApiPropertyOptional({
    description:
      'The link token, for calendar apps that cannot send Authorization (prefer the header)',
  })
  @IsOptional()
  @IsString()
  token?: string;
}

export class PatientReportDto {
  @ApiProperty({
    enum: PATIENT_REPORTS,
    description: 'taken, or skipped (counted exactly as a dose not given)',
  })
  @IsIn(PATIENT_REPORTS)
  outcome!: PatientReport;

  @ApiPropertyOptional({
    description: 'When it was taken, with an offset (taken only); default now',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  takenAt?: string;
}

export class PatientDoseUnitDto {
  @ApiProperty() strengthMg!: number;
  @ApiProperty({ description: 'Tablets (0.5 a scored half) or mL of liquid' }) count!: number;
  @ApiPropertyOptional({ enum: ['tablet', 'liquid'] }) form?: string;
}

export class PatientDoseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ example: '2027-03-28', description: "The date in the patient's zone" })
  localDate!: string;
  @ApiProperty({ example: '08:00', description: "The clock time in the patient's zone" })
  localTime!: string;
  @ApiProperty({ example: 'baclofen' }) drugCode!: string;
  @ApiProperty({ example: 'Baclofen' }) drugName!: string;
  @ApiProperty() doseMg!: number;
  @ApiProperty({ nullable: true, type: String, example: 'one 10 mg and one 5 mg tablet' })
  tablets!: string | null;
  @ApiProperty({ type: [PatientDoseUnitDto] }) units!: PatientDoseUnitDto[];
  @ApiProperty({ example: 'scheduled' }) status!: string;
  @ApiPropertyOptional({ example: 'given' }) outcome?: string;
  @ApiPropertyOptional({ enum: REPORTED_VIA }) reportedVia?: string;
}

export class PatientScheduleDto {
  @ApiProperty({ example: 'Europe/London' }) timezone!: string;
  @ApiProperty({ example: '2027-03-28' }) today!: string;
  @ApiProperty() days!: number;
  @ApiProperty({ type: [PatientDoseDto] }) doses!: PatientDoseDto[];
}
