import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
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
} from 'class-validator';
import { PageQuery } from '@taperwatch/http';
import { ActorRefDto } from '../common/actor-ref.dto';

export class DispensingDto {
  @ApiProperty({ example: 'baclofen', description: 'A catalogue drug code (GET /v1/drugs)' })
  @IsString()
  @Length(1, 100)
  drugCode!: string;

  @ApiProperty({ enum: ['tablet', 'liquid'] })
  @IsIn(['tablet', 'liquid'])
  form!: 'tablet' | 'liquid';

  @ApiPropertyOptional({ example: 10, description: 'Tablets: mg per tablet (required)' })
  @ValidateIf((d: DispensingDto) => d.form === 'tablet' || d.strengthMg !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(10000)
  strengthMg?: number;

  @ApiPropertyOptional({ example: 1, description: 'Liquids: mg per mL (required)' })
  @ValidateIf((d: DispensingDto) => d.form === 'liquid' || d.mgPerMl !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(10000)
  mgPerMl?: number;

  @ApiProperty({ example: 21, description: 'Tablets, or mL of a liquid' })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0.001)
  @Max(100000)
  quantity!: number;

  @ApiProperty({ example: '2027-03-01T09:00:00Z', description: 'When it was handed over' })
  @IsISO8601({ strict: true, strictSeparator: true })
  dispensedAt!: string;
}

/** The FHIR R4 MedicationDispense fields taperwatch reads (others are ignored). */
export class MedicationDispenseDto {
  @ApiProperty({ enum: ['MedicationDispense'] })
  resourceType!: 'MedicationDispense';

  @ApiPropertyOptional()
  id?: string;

  @ApiProperty({ enum: ['completed'], description: 'Only a completed dispense is supply' })
  status!: string;

  @ApiProperty({
    description:
      "The drug: a coding of urn:taperwatch:drug (the catalogue code) or a catalogue RxNorm code, else its name; `text` names the strength ('Baclofen 10 mg tablets', 'Baclofen 1 mg/mL oral liquid')",
    example: {
      coding: [{ system: 'urn:taperwatch:drug', code: 'baclofen' }],
      text: 'Baclofen 10 mg tablets',
    },
  })
  medicationCodeableConcept!: object;

  @ApiProperty({ example: { value: 21, unit: 'tablet' }, description: "unit: 'tablet' or 'mL'" })
  quantity!: object;

  @ApiProperty({ example: '2027-03-01T09:00:00Z' })
  whenHandedOver!: string;
}

export class DispensingViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) patientId!: string;
  @ApiProperty() drugCode!: string;
  @ApiProperty({ enum: ['tablet', 'liquid'] }) form!: string;
  @ApiPropertyOptional({ description: 'Tablets: mg per tablet' }) strengthMg?: number;
  @ApiPropertyOptional({ description: 'Liquids: mg per mL' }) mgPerMl?: number;
  @ApiProperty() quantity!: number;
  @ApiProperty({ enum: ['tablet', 'mL'] }) unit!: string;
  @ApiProperty({ format: 'date-time' }) dispensedAt!: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    description: 'The plan in force giving the drug, whose doses the supply is counted against',
  })
  planId!: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    description:
      "Due time of the first dose the drug's supply (every dispensing so far) cannot make; null: it lasts the plan (or no plan in force)",
  })
  runsOutAt!: string | null;
  @ApiProperty({ nullable: true, description: 'Whole days from this dispensing to runsOutAt' })
  daysSupply!: number | null;
  @ApiPropertyOptional({ description: "The MedicationDispense's id when it came as FHIR" })
  fhirId?: string;
  @ApiProperty({ type: ActorRefDto, description: 'Who recorded it' }) recordedBy!: ActorRefDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DispensingPageDto {
  @ApiProperty({ type: [DispensingViewDto] }) items!: DispensingViewDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DispensingListQueryDto extends PageQuery {}

export class PharmacyOrdersQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 365,
    description:
      "Order each step's first N days (a step shorter than N whole); absent: each whole step",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  periodDays?: number;
}

export class OrderLineDto {
  @ApiProperty() drugCode!: string;
  @ApiProperty({ enum: ['tablet', 'liquid'] }) form!: string;
  @ApiProperty({ description: 'mg per tablet, or mg per mL of a liquid' }) strengthMg!: number;
  @ApiProperty({ example: 'Baclofen 10 mg tablets: one at 08:00, 14:00 and 20:00' })
  directions!: string;
  @ApiProperty({
    description:
      "Whole tablets (a step's halves summed, then rounded up), or mL of a liquid, to dispense",
  })
  quantity!: number;
  @ApiProperty({ enum: ['tablet', 'mL'] }) unit!: string;
  @ApiProperty({ description: 'What the doses take before rounding up' }) exactQuantity!: number;
}

export class StepOrderDto {
  @ApiProperty() stepIndex!: number;
  @ApiProperty({ format: 'date' }) startDate!: string;
  @ApiProperty({ format: 'date' }) endDate!: string;
  @ApiProperty({ description: 'Calendar days the order covers' }) days!: number;
  @ApiProperty({ description: 'Days among them with doses (alternate-day steps: every other)' })
  dosingDays!: number;
  @ApiProperty({ type: [OrderLineDto] }) lines!: OrderLineDto[];
}

export class PharmacyOrdersDto {
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty({ format: 'uuid' }) patientId!: string;
  @ApiProperty({ nullable: true, type: Number }) periodDays!: number | null;
  @ApiProperty({ type: [StepOrderDto] }) steps!: StepOrderDto[];
}
