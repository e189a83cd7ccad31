import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import {
  BACLOFEN_CHECKLIST_ITEMS,
  SYMPTOM_SCALES,
  type BaclofenChecklistItem,
  type SymptomScale,
} from '@taperwatch/domain';
import { PageQuery } from '@taperwatch/http';
import { DOSE_STATUSES, type DoseStatus } from '@taperwatch/persistence';
import { IsCalendarDate } from '../common/validators';
import { GoalDto } from '../taper-requests/taper-request.dto';

const STRATEGIES = ['linear', 'proportional', 'hyperbolic'] as const;
const CHECKLIST = 'baclofen-checklist';

export class ReasonDto {
  @ApiProperty({ example: 'Patient admitted for surgery' })
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

export class OptionalReasonDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class RevisionDto extends ReasonDto {
  @ApiProperty({ example: '2026-12-10', description: 'First day of the new version' })
  @IsCalendarDate()
  fromDate!: string;

  @ApiPropertyOptional({
    type: GoalDto,
    description:
      "The course's next phase (titrate, maintain, then reduce or discontinue); absent, the plan's own goal",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GoalDto)
  goal?: GoalDto;

  @ApiPropertyOptional({
    description:
      "A titration only: start from the previous step's dose (step back one level), held for holdDays, then rise again",
  })
  @IsOptional()
  @IsBoolean()
  stepBack?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  stepDays?: number;

  @ApiPropertyOptional({ enum: STRATEGIES })
  @IsOptional()
  @IsIn(STRATEGIES)
  strategy?: (typeof STRATEGIES)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 365, description: 'Keep the current dose first' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365)
  holdDays?: number;
}

export class SymptomCheckDto {
  @ApiProperty({ enum: SYMPTOM_SCALES })
  @IsIn(SYMPTOM_SCALES)
  scale!: SymptomScale;

  @ApiPropertyOptional({
    description:
      'COWS 0-48; NEWS2 the total; CIWA-B and generic as the site scores them. Not sent with baclofen-checklist.',
  })
  @ValidateIf((o: SymptomCheckDto) => o.scale !== CHECKLIST || o.score !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1000)
  score?: number;

  @ApiPropertyOptional({
    enum: BACLOFEN_CHECKLIST_ITEMS,
    isArray: true,
    description:
      'baclofen-checklist only: the items present (an empty list: none). Hallucinations, seizure, confusion or fever raise a critical alert at once.',
  })
  @ValidateIf((o: SymptomCheckDto) => o.scale === CHECKLIST || o.items !== undefined)
  @IsArray()
  @ArrayMaxSize(BACLOFEN_CHECKLIST_ITEMS.length)
  @IsIn(BACLOFEN_CHECKLIST_ITEMS, {
    each: true,
    message: `each of items must be one of: ${BACLOFEN_CHECKLIST_ITEMS.join(', ')}`,
  })
  items?: BaclofenChecklistItem[];

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 3,
    description:
      'NEWS2 only: the highest score any one parameter got (default 0); 3 asks for the medical team.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3)
  highestParameterScore?: number;

  @ApiProperty({ example: '2026-12-03T09:30:00Z' })
  @IsISO8601({ strict: true })
  observedAt!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class DoseListQueryDto extends PageQuery {
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-08T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: DOSE_STATUSES })
  @IsOptional()
  @IsIn(DOSE_STATUSES)
  status?: DoseStatus;
}
