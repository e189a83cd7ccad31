import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Audited, auditResourceNamed } from '@taperwatch/audit';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { FHIR_CONTENT_TYPE, FhirSchema, Idempotent, ProblemException } from '@taperwatch/http';
import {
  FHIR_SEARCH_DEFAULT_COUNT,
  MedicationAdministrationsService,
  fromMedicationAdministration,
  toSearchBundle,
} from '@taperwatch/doses';
import { IdParam } from '../common/id-param';
import {
  MEDICATION_ADMINISTRATION_SCHEMA,
  MedicationAdministrationSearchDto,
} from './medication-administration.dto';

const PATH = '/fhir/MedicationAdministration';
const FHIR_JSON = `${FHIR_CONTENT_TYPE}; charset=utf-8`;
const OUTCOME = 'An OperationOutcome (application/fhir+json) with one issue per problem';

/**
 * An eMAR charts doses as FHIR R4 MedicationAdministrations: recorded exactly as
 * POST /v1/doses/:id/administrations records them (same permission, once-only rule, idempotency
 * and watcher), and read back per patient. Every error under /fhir is an OperationOutcome.
 */
@ApiTags('fhir')
@Controller('fhir/MedicationAdministration')
export class MedicationAdministrationsController {
  constructor(
    private readonly administrations: MedicationAdministrationsService,
    private readonly schema: FhirSchema,
  ) {}

  @Post()
  @Audited('Dose', 'record', { idFrom: 'response' })
  @HttpCode(201)
  @ApiOperation({ summary: "Record a dose from an eMAR's MedicationAdministration" })
  @ApiConsumes(FHIR_CONTENT_TYPE, 'application/json')
  @ApiProduces(FHIR_CONTENT_TYPE)
  @ApiBody({ schema: MEDICATION_ADMINISTRATION_SCHEMA })
  @ApiCreatedResponse({
    description:
      "The MedicationAdministration as recorded (id = the dose id; the dose's own drug and mg), with Location",
  })
  @ApiBadRequestResponse({
    description: `Not valid FHIR R4, or not a recordable status. ${OUTCOME}`,
  })
  @ApiNotFoundResponse({ description: `No such dose in the caller's units. ${OUTCOME}` })
  @ApiConflictResponse({ description: `The dose is already recorded. ${OUTCOME}` })
  @ApiUnprocessableEntityResponse({
    description: `The subject or drug is not the dose's, or the time is in the future. ${OUTCOME}`,
  })
  @Idempotent()
  @Requires('clinical:record')
  @Header('content-type', FHIR_JSON)
  async record(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const errors = this.schema.validate('MedicationAdministration', body);
    if (errors.length > 0) throw ProblemException.validation(errors);
    const recording = fromMedicationAdministration(body as Record<string, unknown>);
    auditResourceNamed(request, recording.doseId);
    const resource = await this.administrations.record(principal, recording);
    reply.header('location', `${PATH}/${resource.id}`);
    return resource;
  }

  @Get()
  @Audited('Dose', 'search', { idFrom: 'none' })
  @ApiOperation({ summary: 'What was recorded for a patient, as a FHIR R4 searchset Bundle' })
  @ApiProduces(FHIR_CONTENT_TYPE)
  @ApiOkResponse({ description: 'A searchset Bundle of MedicationAdministration, newest first' })
  @ApiBadRequestResponse({ description: `A parameter is invalid. ${OUTCOME}` })
  @ApiNotFoundResponse({ description: `No such patient in the caller's units. ${OUTCOME}` })
  @Requires('clinical:read')
  @Header('content-type', FHIR_JSON)
  async search(
    @CurrentPrincipal() principal: Principal,
    @Query() query: MedicationAdministrationSearchDto,
  ) {
    const count = query._count ?? FHIR_SEARCH_DEFAULT_COUNT;
    const page = await this.administrations.search(principal, {
      patient: query.patient,
      count,
      cursor: query.cursor,
    });
    const next = page.next
      ? `${PATH}?${new URLSearchParams({ patient: query.patient, _count: String(count), cursor: page.next })}`
      : null;
    return toSearchBundle(page.administrations, next);
  }

  @Get(':id')
  @Audited('Dose', 'read')
  @ApiOperation({ summary: 'One recorded administration (its id is the dose id)' })
  @ApiProduces(FHIR_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The MedicationAdministration' })
  @ApiNotFoundResponse({ description: `Not recorded, or not in the caller's units. ${OUTCOME}` })
  @Requires('clinical:read')
  @Header('content-type', FHIR_JSON)
  read(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.administrations.read(principal, id);
  }
}
