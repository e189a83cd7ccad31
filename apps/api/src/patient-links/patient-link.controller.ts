import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPatientLink, PatientLinkPrincipal, PatientLinkRoute } from '@taperwatch/auth';
import {
  PATIENT_SCHEDULE_DEFAULT_DAYS,
  PATIENT_SCHEDULE_MAX_DAYS,
  DoseRecordingService,
  PatientScheduleService,
} from '@taperwatch/doses';
import { IdParam } from '../common/id-param';
import { DoseDto } from '../doses/dose-view.dto';
import {
  CalendarQueryDto,
  PatientReportDto,
  PatientScheduleDto,
  ScheduleQueryDto,
} from './patient-link.dto';
import { Audited } from '@taperwatch/audit';

/**
 * What a patient's own link may do, and nothing else: read that patient's schedule and report
 * that patient's doses taken or skipped. Another patient's dose is a 404; an API key is a 401
 * here, and a link on any staff route a 403.
 */
@ApiTags('patient-link')
@Controller('v1/patient-link')
export class PatientLinkController {
  constructor(
    private readonly schedules: PatientScheduleService,
    private readonly recording: DoseRecordingService,
  ) {}

  @Get('schedule')
  @Audited('Patient', 'read', { idFrom: 'patient-link' })
  @PatientLinkRoute()
  @ApiOkResponse({ type: PatientScheduleDto, description: "From today, in the patient's zone" })
  schedule(@CurrentPatientLink() link: PatientLinkPrincipal, @Query() query: ScheduleQueryDto) {
    return this.schedules.schedule(link, query.days ?? PATIENT_SCHEDULE_DEFAULT_DAYS);
  }

  /** Once per dose (a second report, or one after a nurse's recording, is 409). */
  @Post('doses/:id/reports')
  @Audited('Dose', 'report')
  @HttpCode(201)
  @PatientLinkRoute()
  @ApiCreatedResponse({ type: DoseDto, description: 'The dose as recorded (reportedVia patient)' })
  @ApiNotFoundResponse({ description: "No such dose of this link's patient" })
  @ApiConflictResponse({ description: 'Already recorded or reported, or cancelled' })
  @ApiUnprocessableEntityResponse({ description: 'The dose is due on a later day' })
  report(
    @CurrentPatientLink() link: PatientLinkPrincipal,
    @IdParam() id: string,
    @Body() dto: PatientReportDto,
  ) {
    return this.recording.report(link, id, dto);
  }

  /** The next PATIENT_SCHEDULE_MAX_DAYS days as iCalendar (RFC 5545), one event per dose. */
  @Get('calendar.ics')
  @Audited('Patient', 'read', { idFrom: 'patient-link' })
  @PatientLinkRoute({ tokenInQuery: true })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ description: 'text/calendar; one VEVENT per dose, times in UTC' })
  async calendar(
    @CurrentPatientLink() link: PatientLinkPrincipal,
    @Query() _query: CalendarQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-disposition', 'inline; filename="medication-schedule.ics"');
    return this.schedules.calendar(link, PATIENT_SCHEDULE_MAX_DAYS);
  }
}
