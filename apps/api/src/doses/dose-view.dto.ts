import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DOSE_OUTCOMES, DOSE_STATUSES, REPORTED_VIA } from '@taperwatch/persistence';
import { ActorRefDto } from '../common/actor-ref.dto';

/** OpenAPI shape of a dose as the API answers it (DoseView); documentation only. */
export class DoseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  planId!: string;

  @ApiProperty({ format: 'uuid' })
  patientId!: string;

  @ApiProperty({ format: 'date-time' })
  dueAt!: string;

  @ApiProperty({
    example: 'diazepam',
    description: "The drug to give: the plan's drug, or in a switch this dose's own drug",
  })
  drugCode!: string;

  @ApiProperty({ description: 'mg of drugCode to give' })
  doseMg!: number;

  @ApiPropertyOptional({
    description:
      'Doses of a plan whose totals are counted in another drug (a switch): this dose in mg of equivalentDrugCode, for arithmetic only, never an amount to give',
  })
  equivalentMg?: number;

  @ApiPropertyOptional({ example: 'diazepam', description: 'The drug equivalentMg is counted in' })
  equivalentDrugCode?: string;

  @ApiProperty()
  stepIndex!: number;

  @ApiProperty({ enum: DOSE_STATUSES })
  status!: string;

  @ApiPropertyOptional({ format: 'date-time' })
  administeredAt?: string;

  @ApiPropertyOptional({ type: ActorRefDto, description: 'Who recorded it' })
  recordedBy?: ActorRefDto;

  @ApiPropertyOptional({
    enum: REPORTED_VIA,
    description:
      "Recorded doses: staff (recordedBy an API key, person or system) or patient (the patient's own link: recordedBy type patient)",
  })
  reportedVia?: string;

  @ApiPropertyOptional()
  note?: string;

  @ApiPropertyOptional({ enum: DOSE_OUTCOMES })
  outcome?: string;

  @ApiPropertyOptional({ description: 'mg of drugCode given' })
  givenMg?: number;

  @ApiPropertyOptional({ enum: ['on_time', 'early', 'late'] })
  timeliness?: string;

  @ApiPropertyOptional()
  minutesFromDue?: number;

  @ApiPropertyOptional({ format: 'date-time' })
  missedAt?: string;
}

export class DosePageDto {
  @ApiProperty({ type: [DoseDto] })
  items!: DoseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
