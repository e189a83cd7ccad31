import { Body, Controller, Delete, Get, Header, HttpCode, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent } from '@taperwatch/http';
import { PatientErasureService, PatientsService } from '@taperwatch/patients';
import { CoursesService } from '@taperwatch/plans';
import { IdParam } from '../common/id-param';
import { CourseDto } from './course.dto';
import { CreatePatientDto, PatientViewDto, UpdatePatientDto } from './patient.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('patients')
@Controller('v1/patients')
export class PatientsController {
  constructor(
    private readonly patients: PatientsService,
    private readonly courses: CoursesService,
    private readonly erasure: PatientErasureService,
  ) {}

  @Post()
  @Audited('Patient', 'create', { idFrom: 'response' })
  @HttpCode(201)
  @Idempotent()
  @Requires('patients:write')
  @ApiCreatedResponse({ type: PatientViewDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePatientDto) {
    return this.patients.create(principal, dto);
  }

  @Get(':id')
  @Audited('Patient', 'read')
  @Requires('clinical:read')
  @ApiOkResponse({ type: PatientViewDto })
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.patients.get(principal, id);
  }

  /**
   * The patient's courses: per drug, the phases (titration, maintenance, taper) in order with
   * their daily doses per step, so a chart can draw the whole curve up and down.
   */
  @Get(':id/courses')
  @Audited('Patient', 'read')
  @Requires('clinical:read')
  @ApiOkResponse({ type: [CourseDto] })
  listCourses(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.courses.list(principal, id);
  }

  /** One course's whole curve (titration up, maintenance, taper down) as an SVG chart. */
  @Get(':id/courses/:courseId/chart')
  @Audited('Patient', 'read')
  @Requires('clinical:read')
  @ApiProduces('image/svg+xml')
  @Header('content-type', 'image/svg+xml; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'")
  courseChart(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @IdParam('courseId') courseId: string,
  ) {
    return this.courses.chart(principal, id, courseId);
  }

  @Patch(':id')
  @Audited('Patient', 'update')
  @Requires('patients:write')
  @ApiOkResponse({ type: PatientViewDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: UpdatePatientDto,
  ) {
    return this.patients.update(principal, id, dto);
  }

  /**
   * Erasure: the patient's identifiers are removed everywhere they are stored; clinical records
   * stay under the patient id as a pseudonym, or go, as ERASURE_CLINICAL_RECORDS says.
   */
  @Delete(':id')
  @HttpCode(204)
  @Requires('patients:erase')
  @Audited('Patient', 'erase')
  @ApiOperation({ summary: "Erase a patient's identifiers (idempotent: 204 again once erased)" })
  @ApiNoContentResponse({ description: 'Erased (or erased before)' })
  @ApiNotFoundResponse({ description: 'No such patient (problem+json)' })
  @ApiConflictResponse({
    description:
      'The patient has a proposed, active or paused plan: cancel it first (problem+json)',
  })
  async erase(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.erasure.erase(principal, id);
  }
}
