import { Controller, Get, Header, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Audited, AuditEventFilter, AuditEventsService, toFhirBundle } from '@taperwatch/audit';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { DEFAULT_PAGE_SIZE } from '@taperwatch/http';
import { AuditEventPageDto, AuditEventQueryDto } from './audit-event.dto';

function filterOf(query: AuditEventQueryDto): AuditEventFilter {
  return { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE };
}

/** The tenant's audit trail, oldest first, for admins; reading it is itself audited. */
@ApiTags('audit')
@Controller('v1/audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get()
  @Requires('audit:read')
  @Audited('AuditEvent', 'search', { idFrom: 'none' })
  @ApiOperation({ summary: 'Who did what to which resource, when, from where, and the outcome' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ description: 'A filter or the cursor is invalid (problem+json)' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: AuditEventQueryDto) {
    return this.events.list(principal.tenantId, filterOf(query));
  }

  @Get('fhir')
  @Requires('audit:read')
  @Audited('AuditEvent', 'search', { idFrom: 'none' })
  @ApiOperation({ summary: 'The same page as a FHIR R4 searchset Bundle of AuditEvent resources' })
  @ApiProduces('application/fhir+json')
  @Header('content-type', 'application/fhir+json; charset=utf-8')
  @ApiOkResponse({ description: 'FHIR R4 Bundle (searchset) of AuditEvent' })
  @ApiBadRequestResponse({ description: 'A filter or the cursor is invalid (problem+json)' })
  async fhir(@CurrentPrincipal() principal: Principal, @Query() query: AuditEventQueryDto) {
    const page = await this.events.list(principal.tenantId, filterOf(query));
    const next = page.nextCursor ? nextUrl(query, page.nextCursor) : null;
    return toFhirBundle(page, next);
  }
}

function nextUrl(query: AuditEventQueryDto, cursor: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, cursor })) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return `/v1/audit-events/fhir?${params.toString()}`;
}
