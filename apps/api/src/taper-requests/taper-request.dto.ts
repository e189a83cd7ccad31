import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CLOCK_TIME, IsCalendarDate } from '../common/validators';

const STRATEGIES = ['linear', 'proportional', 'hyperbolic'] as const;
const finite = { allowNaN: false, allowInfinity: false };

const GOALS = ['discontinue', 'reduce', 'titrate', 'maintain'] as const;

export class GoalDto {
  @ApiProperty({
    enum: GOALS,
    description:
      "titrate: up along the drug's sourced titration schedule (only drugs with one: GET /v1/drugs `titration`); maintain: keep the doses taken now, open-ended, until a revision",
  })
  @IsIn(GOALS)
  type!: (typeof GOALS)[number];

  @ApiPropertyOptional({
    description:
      "Required when type is reduce; with titrate optional (absent: up to the drug's maximum daily dose)",
  })
  @ValidateIf((goal: GoalDto) => goal.type === 'reduce' || goal.targetDailyDoseMg !== undefined)
  @IsNumber(finite)
  @Min(0)
  targetDailyDoseMg?: number;
}

export class OverrideDto {
  @ApiProperty({ description: 'Why the prescriber goes outside the safe limits; recorded' })
  @IsString()
  @Length(3, 2000)
  reason!: string;
}

export class HyperbolicParametersDto {
  @ApiProperty({ description: 'Maximum occupancy (%), clinician-configured' })
  @IsNumber(finite)
  @Min(1)
  @Max(100)
  emaxPercent!: number;

  @ApiProperty({ description: 'Dose giving half of Emax (mg), clinician-configured' })
  @IsNumber(finite)
  @IsPositive()
  ed50Mg!: number;
}

export class CreateTaperRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  patientId!: string;

  @ApiProperty({ example: 'baclofen' })
  @IsString()
  @Length(1, 100)
  drugCode!: string;

  @ApiProperty({ example: 'oral' })
  @IsString()
  @Length(1, 50)
  route!: string;

  @ApiProperty({ type: [Number], example: [20, 20, 20], description: 'mg per administration time' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @IsNumber(finite, { each: true })
  @Min(0, { each: true })
  currentDosesMg!: number[];

  @ApiProperty({ type: [String], example: ['08:00', '14:00', '20:00'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @Matches(CLOCK_TIME, { each: true, message: 'each value in administrationTimes must be HH:mm' })
  administrationTimes!: string[];

  @ApiProperty({ example: '2026-12-01', description: 'First day of the first reduced step' })
  @IsCalendarDate()
  startDate!: string;

  @ApiProperty({ type: GoalDto })
  @ValidateNested()
  @Type(() => GoalDto)
  goal!: GoalDto;

  @ApiPropertyOptional({ enum: STRATEGIES })
  @IsOptional()
  @IsIn(STRATEGIES)
  strategy?: (typeof STRATEGIES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  stepDays?: number;

  @ApiPropertyOptional({ minimum: 0.1, maximum: 100 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0.1)
  @Max(100)
  maxStepReductionPercent?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(5200)
  durationOfUseWeeks?: number;

  @ApiPropertyOptional({ type: [String], example: ['alcohol', 'oxycodone'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  coMedications?: string[];

  @ApiProperty({ example: 'Spasticity resolved; stopping' })
  @IsString()
  @Length(1, 2000)
  reason!: string;

  @ApiPropertyOptional({ type: OverrideDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OverrideDto)
  override?: OverrideDto;

  @ApiPropertyOptional({ type: [Number], description: "The site's formulary strengths (mg)" })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsNumber(finite, { each: true })
  @IsPositive({ each: true })
  strengthsMg?: number[];

  @ApiPropertyOptional({ description: 'Allow liquid volumes where the drug has a liquid' })
  @IsOptional()
  @IsBoolean()
  allowLiquid?: boolean;

  @ApiPropertyOptional({ example: 'diazepam', description: 'Benzodiazepine crossover target' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  substituteWith?: string;

  @ApiPropertyOptional({ description: 'Liquid concentration (mg/mL) where the catalogue has none' })
  @IsOptional()
  @IsNumber(finite)
  @IsPositive()
  liquidMgPerMl?: number;

  @ApiPropertyOptional({ description: 'Smallest volume the ward measures (mL); default 1' })
  @IsOptional()
  @IsNumber(finite)
  @Min(0.1)
  @Max(100)
  liquidStepMl?: number;

  @ApiPropertyOptional({
    description: 'Crossover: diazepam mg per 1 mg of this drug (clinician-set)',
  })
  @IsOptional()
  @IsNumber(finite)
  @IsPositive()
  diazepamMgPerMg?: number;

  @ApiPropertyOptional({
    minimum: 0.01,
    maximum: 1,
    description:
      "Titration: the share of the usual titration doses given (replaces the renal default: baclofen's CKD bands, 2/3, 1/2 or 1/3 by CrCl [S6], configurable)",
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(0.01)
  @Max(1)
  renalDoseFraction?: number;

  @ApiPropertyOptional({
    enum: ['hold', 'step_back'],
    default: 'hold',
    description:
      "Titration: what a check-in with a sourced adverse effect proposes (clinician-set): keep the current dose, or go back to the previous step's dose, then rise again",
  })
  @IsOptional()
  @IsIn(['hold', 'step_back'])
  adverseEffectAction?: 'hold' | 'step_back';

  @ApiPropertyOptional({ type: HyperbolicParametersDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HyperbolicParametersDto)
  hyperbolic?: HyperbolicParametersDto;
}

class TaperRequestProblemDto {
  @ApiProperty({ example: 'planning_failed' })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional()
  field?: string;
}

/** A taper request as the API answers it (TaperRequestView); documentation only. */
export class TaperRequestViewDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['queued', 'planning', 'planned', 'rejected', 'failed'] })
  status!: string;

  @ApiProperty({ format: 'uuid' })
  patientId!: string;

  @ApiProperty({ example: 'lorazepam' })
  drugCode!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The proposed plan, once planned' })
  planId?: string;

  @ApiPropertyOptional({ type: [TaperRequestProblemDto], description: 'Why it was not planned' })
  problems?: TaperRequestProblemDto[];

  @ApiProperty({
    type: [String],
    example: ['alcohol', 'oxycodone'],
    description: 'What else the patient takes, as the request named it (empty: none named)',
  })
  coMedications!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
