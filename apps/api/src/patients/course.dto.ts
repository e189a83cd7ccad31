import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CoursePhaseStepDto {
  @ApiProperty({ example: '2026-12-03' })
  startDate!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Null: open-ended (maintenance, until a revision)',
  })
  endDate!: string | null;

  @ApiProperty({ example: 15 })
  dailyDoseMg!: number;
}

export class CoursePhaseDto {
  @ApiProperty({
    example: { type: 'titrate', targetDailyDoseMg: 60 },
    description: 'The phase: titrate, maintain, reduce or discontinue',
  })
  goal!: Record<string, unknown>;

  @ApiProperty({ format: 'uuid' })
  planId!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty({ enum: ['proposed', 'active', 'paused', 'completed', 'cancelled', 'superseded'] })
  status!: string;

  @ApiProperty()
  startDate!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Null: open-ended' })
  endDate!: string | null;

  @ApiPropertyOptional({ format: 'date-time' })
  approvedAt?: string;

  @ApiPropertyOptional({ description: 'The first day of the version that replaced this one' })
  supersededFrom?: string;

  @ApiProperty({
    type: [CoursePhaseStepDto],
    description:
      "Daily dose per step as the phase ran or runs (a superseded version's steps end the day before its successor starts)",
  })
  steps!: CoursePhaseStepDto[];

  @ApiPropertyOptional({ description: "Daily doses are mg of this drug (a switch's equivalents)" })
  equivalentDrugCode?: string;
}

export class CourseDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The request that started the course; every revision shares it',
  })
  id!: string;

  @ApiProperty({ example: 'baclofen' })
  drugCode!: string;

  @ApiProperty({ example: 'Baclofen' })
  drugName!: string;

  @ApiProperty()
  startDate!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The version in force (active or paused)' })
  planIdInForce?: string;

  @ApiProperty({ type: [CoursePhaseDto], description: 'Plan versions in order' })
  phases!: CoursePhaseDto[];
}
