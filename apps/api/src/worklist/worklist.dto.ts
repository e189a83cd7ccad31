import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PageQuery } from '@taperwatch/http';
import { WORKLIST_AHEAD_HOURS, WORKLIST_OVERDUE_HOURS } from '@taperwatch/doses';

export class WorklistQueryDto extends PageQuery {
  @ApiPropertyOptional({
    description: "One of the key's units; default every unit the key may see",
    example: 'ward-7',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  unitId?: string;

  @ApiPropertyOptional({
    description: 'Doses due up to this many hours from now',
    minimum: 1,
    maximum: WORKLIST_AHEAD_HOURS.max,
    default: WORKLIST_AHEAD_HOURS.default,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(WORKLIST_AHEAD_HOURS.max)
  aheadHours?: number;

  @ApiPropertyOptional({
    description: 'Unrecorded doses due up to this many hours ago (overdue, or marked missed)',
    minimum: 0,
    maximum: WORKLIST_OVERDUE_HOURS.max,
    default: WORKLIST_OVERDUE_HOURS.default,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(WORKLIST_OVERDUE_HOURS.max)
  overdueHours?: number;
}

class DoseUnitDto {
  @ApiProperty({ description: 'mg per tablet, or mg per mL of a liquid' })
  strengthMg!: number;

  @ApiProperty({ description: 'Tablets (0.5 for a scored half), or mL of a liquid' })
  count!: number;

  @ApiPropertyOptional({ enum: ['tablet', 'liquid'], default: 'tablet' })
  form?: string;
}

class WorklistPatientDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: "The ward's own identifier (MRN)", example: 'MRN-0042' })
  externalId!: string;

  @ApiProperty({ example: 'ward-7' })
  unitId!: string;

  @ApiProperty({
    example: 'Europe/London',
    description: "The patient's IANA zone: dose times are its",
  })
  timezone!: string;
}

class DoseWindowDto {
  @ApiProperty({
    enum: ['upcoming', 'due', 'late'],
    description:
      'The ISMP window now: upcoming before it opens; due inside it (recorded now: on time); late after it closes (recorded now: late)',
  })
  state!: string;

  @ApiProperty({ format: 'date-time' })
  opensAt!: string;

  @ApiProperty({ format: 'date-time' })
  closesAt!: string;
}

/** OpenAPI shape of a worklist dose (WorklistDoseView); documentation only. */
export class WorklistDoseDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The dose: record it at /v1/doses/{id}/administrations',
  })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  planId!: string;

  @ApiProperty({ type: WorklistPatientDto })
  patient!: WorklistPatientDto;

  @ApiProperty({ format: 'date-time' })
  dueAt!: string;

  @ApiProperty({ example: 'baclofen' })
  drugCode!: string;

  @ApiProperty({ example: 'Baclofen' })
  drugName!: string;

  @ApiProperty({ description: 'mg of drugCode to give (never an equivalent)', example: 15 })
  doseMg!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What to give, in words: "one 10 mg and one 5 mg tablet"',
  })
  tablets!: string | null;

  @ApiProperty({ type: [DoseUnitDto] })
  units!: DoseUnitDto[];

  @ApiProperty({
    enum: ['scheduled', 'missed'],
    description: 'missed: unrecorded past its grace (still recordable, late)',
  })
  status!: string;

  @ApiProperty({ type: DoseWindowDto })
  window!: DoseWindowDto;
}

export class WorklistPageDto {
  @ApiProperty({ type: [WorklistDoseDto] })
  items!: WorklistDoseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
