import { Body, Controller, Get, Header, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent } from '@taperwatch/http';
import { PatientsService } from '@taperwatch/patients';
import { CoursesService } from '@taperwatch/plans';
import { IdParam } from '../common/id-param';
import { CourseDto } from './course.dto';
import { CreatePatientDto, PatientViewDto, UpdatePatientDto } from './patient.dto';

@ApiTags('patients')
@Controller('v1/patients')
export class PatientsController {
  constructor(
    private readonly patients: PatientsService,
    private readonly courses: CoursesService,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @Requires('patients:write')
  @ApiCreatedResponse({ type: PatientViewDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePatientDto) {
    return this.patients.create(principal, dto);
  }

  @Get(':id')
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
  @Requires('clinical:read')
  @ApiOkResponse({ type: [CourseDto] })
  listCourses(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.courses.list(principal, id);
  }

  /** One course's whole curve (titration up, maintenance, taper down) as an SVG chart. */
  @Get(':id/courses/:courseId/chart')
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
  @Requires('patients:write')
  @ApiOkResponse({ type: PatientViewDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: UpdatePatientDto,
  ) {
    return this.patients.update(principal, id, dto);
  }
}
