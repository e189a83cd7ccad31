import { ApiProperty, ApiPropertyOptional, SchemaObject } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import {
  DOSE_IDENTIFIER_SYSTEM,
  FHIR_SEARCH_DEFAULT_COUNT,
  FHIR_SEARCH_MAX_COUNT,
} from '@taperwatch/doses';
import {
  EXTERNAL_ID_SYSTEM,
  NOT_GIVEN_REASON_SYSTEMS,
  RECORDED_FHIR_STATUSES,
} from '@taperwatch/domain';

const text = (example: string): SchemaObject => ({ type: 'string', example });
const concept: SchemaObject = {
  type: 'object',
  properties: {
    coding: {
      type: 'array',
      items: {
        type: 'object',
        properties: { system: { type: 'string' }, code: { type: 'string' } },
      },
    },
    text: { type: 'string' },
  },
};

/**
 * The parts of a FHIR R4 MedicationAdministration taperwatch reads (the whole resource is checked
 * against the official FHIR R4 schema; other elements are allowed and not kept).
 */
export const MEDICATION_ADMINISTRATION_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'A FHIR R4 MedicationAdministration naming a taperwatch dose. completed = given (effectiveDateTime is when); not-done with statusReason = refused (a reason saying "refused"), held (a reason saying "held per order") or not given (any other reason, such as the codes a None, b Away, c Asleep, d Vomit of ' +
    `${NOT_GIVEN_REASON_SYSTEMS[0]}); on-hold = held.`,
  required: ['resourceType', 'status', 'identifier', 'subject', 'effectiveDateTime'],
  properties: {
    resourceType: { type: 'string', enum: ['MedicationAdministration'] },
    status: { type: 'string', enum: [...RECORDED_FHIR_STATUSES] },
    identifier: {
      type: 'array',
      description: `The dose: system ${DOSE_IDENTIFIER_SYSTEM}, value the dose id (GET /v1/plans/{id}/doses). May be given as request.identifier instead.`,
      items: {
        type: 'object',
        properties: {
          system: { type: 'string', enum: [DOSE_IDENTIFIER_SYSTEM] },
          value: { type: 'string', format: 'uuid' },
        },
      },
    },
    subject: {
      type: 'object',
      description: `The dose's patient: reference Patient/{taperwatch patient id}, or identifier (system ${EXTERNAL_ID_SYSTEM}, value the patient's externalId)`,
      properties: {
        reference: text('Patient/3f1c9a52-8d7e-4b61-9a0e-2c5d7f8e1b34'),
        identifier: {
          type: 'object',
          properties: {
            system: { type: 'string', enum: [EXTERNAL_ID_SYSTEM] },
            value: text('MRN-1001'),
          },
        },
      },
    },
    statusReason: { type: 'array', items: concept },
    medicationCodeableConcept: {
      ...concept,
      description:
        "The drug given; when it names a catalogue drug (coding urn:taperwatch:drug, a catalogue RxNorm code, or its name) it must be the dose's drug",
    },
    effectiveDateTime: {
      type: 'string',
      format: 'date-time',
      description: 'When it was given, with a time zone (completed)',
    },
    dosage: {
      type: 'object',
      properties: {
        dose: {
          type: 'object',
          description: "The amount given, in mg of the dose's own drug, when it differs",
          properties: {
            value: { type: 'number', minimum: 0, maximum: 1000 },
            unit: { type: 'string', enum: ['mg'] },
            code: { type: 'string', enum: ['mg'] },
          },
        },
      },
    },
    note: {
      type: 'array',
      items: { type: 'object', properties: { text: { type: 'string' } } },
    },
  },
};

export class MedicationAdministrationSearchDto {
  @ApiProperty({
    description: 'The patient: a taperwatch patient id, or Patient/{id}',
    format: 'uuid',
  })
  @IsString()
  @MaxLength(100)
  patient!: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: FHIR_SEARCH_MAX_COUNT,
    default: FHIR_SEARCH_DEFAULT_COUNT,
    description: 'Resources per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FHIR_SEARCH_MAX_COUNT)
  _count?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the Bundle's next link" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
