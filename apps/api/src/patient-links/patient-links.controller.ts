import { Body, Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  CurrentPrincipal,
  PATIENT_LINK_DEFAULT_DAYS,
  PatientLinks,
  Principal,
  Requires,
} from '@taperwatch/auth';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { Idempotent, ProblemException } from '@taperwatch/http';
import { PatientsService } from '@taperwatch/patients';
import { IdParam } from '../common/id-param';
import {
  CreatePatientLinkDto,
  CreatedPatientLinkDto,
  PatientLinkListDto,
} from './patient-link.dto';
import { Audited } from '@taperwatch/audit';

/** The calendar feed's path under the API's origin. */
export const CALENDAR_PATH = '/v1/patient-link/calendar.ics';

/**
 * Staff hand a patient their own link (any role that writes patients or records doses, within
 * its units): the token is shown once, expires, and is revoked at once.
 */
@ApiTags('patient-links')
@Controller('v1/patients/:id/links')
export class PatientLinksController {
  private readonly pageUrl: string;
  private readonly calendarBase: string;

  constructor(
    private readonly patients: PatientsService,
    private readonly links: PatientLinks,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pageUrl = config.PATIENT_PAGE_URL;
    this.calendarBase = new URL(CALENDAR_PATH, config.PATIENT_PAGE_URL).toString();
  }

  @Post()
  @Audited('Patient', 'create-link')
  @HttpCode(201)
  // The token is shown once: a retry is told the link exists, never given the token again.
  @Idempotent({ holdsSecret: true })
  @Requires('patient-links:manage')
  @ApiCreatedResponse({ type: CreatedPatientLinkDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: CreatePatientLinkDto,
  ): Promise<CreatedPatientLinkDto> {
    const patient = await this.patients.findVisible(principal, id);
    const { view, token } = await this.links.create(
      principal.tenantId,
      patient.id,
      principal,
      dto.expiresInDays ?? PATIENT_LINK_DEFAULT_DAYS,
    );
    return {
      id: view.id,
      token,
      url: `${this.pageUrl}#${token}`,
      calendarUrl: `${this.calendarBase}?token=${token}`,
      expiresAt: view.expiresAt,
    };
  }

  @Get()
  @Audited('Patient', 'read-links')
  @Requires('patient-links:manage')
  @ApiOkResponse({ type: PatientLinkListDto, description: 'Newest first; tokens are never shown' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
  ): Promise<PatientLinkListDto> {
    const patient = await this.patients.findVisible(principal, id);
    return { items: await this.links.list(principal.tenantId, patient.id) };
  }

  @Delete(':linkId')
  @Audited('PatientLink', 'revoke', { param: 'linkId' })
  @HttpCode(204)
  @Requires('patient-links:manage')
  @ApiNoContentResponse({ description: 'Revoked: the link stops working on its next request' })
  @ApiNotFoundResponse({ description: 'No such live link of this patient for this caller' })
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @IdParam('linkId') linkId: string,
  ): Promise<void> {
    const patient = await this.patients.findVisible(principal, id);
    if (!(await this.links.revoke(principal.tenantId, patient.id, linkId))) {
      throw ProblemException.notFound('Patient link');
    }
  }
}
