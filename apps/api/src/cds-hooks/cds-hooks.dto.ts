import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { CDS_HOOKS, CardFeedback, CdsHook, HookRequest } from '@taperwatch/cds-hooks';

/** order-sign and order-select context (CDS Hooks 2.0); FHIR resources are checked by the service. */
export class HookContextDto {
  @ApiProperty({ description: 'The prescriber, as a FHIR reference (Practitioner/123)' })
  @IsString()
  @Length(1, 256)
  userId!: string;

  @ApiProperty({ description: 'The FHIR id of the patient in the EHR' })
  @IsString()
  @Length(1, 256)
  patientId!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 256)
  encounterId?: string;

  @ApiPropertyOptional({
    description: 'order-select: the draftOrders entries selected (MedicationRequest/{id})',
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  selections?: string[];

  @ApiProperty({
    description: 'A FHIR R4 Bundle of the orders being signed or selected (MedicationRequests)',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  draftOrders!: Record<string, unknown>;
}

/** A CDS Hooks 2.0 service request. */
export class HookRequestDto implements HookRequest {
  @ApiProperty({ enum: CDS_HOOKS })
  @IsIn(CDS_HOOKS)
  hook!: CdsHook;

  @ApiProperty({ description: 'UUID of this hook call; a repeat is answered the same cards' })
  @IsUUID()
  hookInstance!: string;

  @ApiPropertyOptional({ description: 'The EHR FHIR server (taperwatch does not call it)' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  fhirServer?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  fhirAuthorization?: Record<string, unknown>;

  @ApiProperty({ type: HookContextDto })
  @ValidateNested()
  @Type(() => HookContextDto)
  context!: HookContextDto;

  @ApiPropertyOptional({
    description:
      'patient: the FHIR Patient; medications: a Bundle of its active MedicationRequests',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  prefetch?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  extension?: Record<string, unknown>;
}

export class CodingDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 512)
  system?: string;

  @ApiProperty()
  @IsString()
  @Length(1, 256)
  code!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 512)
  display?: string;
}

export class OverrideReasonDto {
  @ApiPropertyOptional({ type: CodingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CodingDto)
  reason?: CodingDto;

  @ApiPropertyOptional({ description: "The prescriber's own words" })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  userComment?: string;
}

export class AcceptedSuggestionDto {
  @ApiProperty({ description: 'The suggestion uuid' })
  @IsUUID()
  id!: string;
}

const OUTCOMES = ['accepted', 'overridden'] as const;

export class CardFeedbackDto implements CardFeedback {
  @ApiProperty({ description: 'The card uuid' })
  @IsUUID()
  card!: string;

  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome!: (typeof OUTCOMES)[number];

  @ApiPropertyOptional({ type: [AcceptedSuggestionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AcceptedSuggestionDto)
  acceptedSuggestions?: AcceptedSuggestionDto[];

  @ApiPropertyOptional({ type: OverrideReasonDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OverrideReasonDto)
  overrideReason?: OverrideReasonDto;

  @ApiProperty({ description: 'When the prescriber acted (ISO 8601)' })
  @IsDateString({ strict: true })
  outcomeTimestamp!: string;
}

export class FeedbackDto {
  @ApiProperty({ type: [CardFeedbackDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CardFeedbackDto)
  feedback!: CardFeedbackDto[];
}
