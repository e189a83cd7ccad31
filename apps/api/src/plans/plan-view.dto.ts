import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLAN_STATUSES } from '@taperwatch/persistence';
import { ActorRefDto } from '../common/actor-ref.dto';

/** OpenAPI shapes of a plan as the API answers it (PlanView); documentation only. */

export class DoseUnitDto {
  @ApiProperty({ description: 'Strength of one tablet (or mg per mL of a liquid)' })
  strengthMg!: number;

  @ApiProperty({
    description: 'How many of that strength make the dose (halves for scored tablets)',
  })
  count!: number;
}

export class PlannedDoseDto {
  @ApiProperty({ example: '08:00', description: "Clock time in the patient's zone" })
  time!: string;

  @ApiProperty({
    example: 'lorazepam',
    description:
      "The drug given at this time: the plan's drug, or in a switch this dose's own drug",
  })
  drugCode!: string;

  @ApiProperty({ description: 'mg of drugCode itself, never an equivalent' })
  doseMg!: number;

  @ApiProperty({
    type: [DoseUnitDto],
    description: 'What makes doseMg, in real strengths of drugCode',
  })
  units!: DoseUnitDto[];

  @ApiPropertyOptional({
    description:
      "In a switch, on doses of a drug other than the plan's equivalentDrugCode: this dose in mg of equivalentDrugCode (diazepam-equivalent), for arithmetic only, never an amount to give",
  })
  equivalentMg?: number;
}

export class StepDrugDto {
  @ApiProperty({ example: 'diazepam' })
  drugCode!: string;

  @ApiProperty({
    description: "This drug's own mg per day in the step (its doses' doseMg added up)",
  })
  dailyDoseMg!: number;
}

export class PlanStepDto {
  @ApiProperty({ description: '1-based' })
  index!: number;

  @ApiProperty({ format: 'date' })
  startDate!: string;

  @ApiProperty({ format: 'date' })
  endDate!: string;

  @ApiProperty({
    description:
      "Total per day: mg of the plan's drug, or when the plan has equivalentDrugCode its diazepam-equivalent total over all drugs given (see drugs for each drug's own mg)",
  })
  dailyDoseMg!: number;

  @ApiProperty({ type: [PlannedDoseDto] })
  doses!: PlannedDoseDto[];

  @ApiPropertyOptional({
    description:
      'Absent: the doses are given every day. 2: alternate-day dosing (given on startDate and every second day after); dailyDoseMg is then the mean per day',
  })
  intervalDays?: number;

  @ApiProperty({
    type: [StepDrugDto],
    description: 'Each drug this step gives with its own mg per day (empty for a 0 mg step)',
  })
  drugs!: StepDrugDto[];
}

export class PlanDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  requestId!: string;

  @ApiProperty({ format: 'uuid' })
  patientId!: string;

  @ApiProperty({ description: 'The drug being tapered (the one a switch starts from)' })
  drugCode!: string;

  @ApiPropertyOptional({
    example: 'diazepam',
    description:
      "Present when startDailyDoseMg, targetDailyDoseMg and each step's dailyDoseMg are mg of this drug rather than of drugCode: a switch totals diazepam equivalents",
  })
  equivalentDrugCode?: string;

  @ApiProperty()
  version!: number;

  @ApiProperty({ enum: PLAN_STATUSES })
  status!: string;

  @ApiProperty()
  strategy!: string;

  @ApiProperty({ format: 'date' })
  startDate!: string;

  @ApiProperty({ format: 'date' })
  endDate!: string;

  @ApiProperty({ description: 'In mg of equivalentDrugCode when present, else of drugCode' })
  startDailyDoseMg!: number;

  @ApiProperty({ description: 'In mg of equivalentDrugCode when present, else of drugCode' })
  targetDailyDoseMg!: number;

  @ApiProperty({ type: [PlanStepDto] })
  steps!: PlanStepDto[];

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description:
      '{ code, severity, message, source?, stepIndex? }; cut_exceeds_source names a step (stepIndex) whose cut is above its sourced limit because the formulary makes no smaller step, and what would keep it',
  })
  warnings!: unknown[];

  @ApiProperty({ type: 'array', items: { type: 'object' } })
  rationale!: unknown[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiPropertyOptional({ format: 'date-time' })
  approvedAt?: string;

  @ApiPropertyOptional({ type: ActorRefDto, description: 'Who approved it' })
  approvedBy?: ActorRefDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'The version this one revises' })
  parentPlanId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  pausedAt?: string;

  @ApiPropertyOptional({
    format: 'date',
    description:
      'Present when the plan was approved after its start date: the start date it was planned for. Every step then moved reanchoredByDays later, so step 1 starts on the approval day and no step is skipped.',
  })
  reanchoredFrom?: string;

  @ApiPropertyOptional({
    description: 'With reanchoredFrom: the days every step moved later at approval',
  })
  reanchoredByDays?: number;
}

export class PlanPageDto {
  @ApiProperty({ type: [PlanDto] })
  items!: PlanDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
