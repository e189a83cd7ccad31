import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Subscription, filter } from 'rxjs';
import { AlertEvent, AlertEvents, AlertStreamLog, AlertsService, Resume } from '@taperwatch/alerts';
import { AuditTrail, Audited, auditHijackedReply } from '@taperwatch/audit';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { DEFAULT_PAGE_SIZE, ProblemException } from '@taperwatch/http';
import { DeliveryQueryService } from '@taperwatch/notifications';
import { IdParam } from '../common/id-param';
import { AlertListQueryDto, ResolveAlertDto } from './alert.dto';
import { AlertStreams } from './alert-streams';
import { AlertStreamResponse } from './alert-stream-response';
import { LiveEventGate } from './live-event-gate';
import { parseLastEventId } from './sse';

/** How long a new stream waits for this process's Redis subscription before answering 503. */
const SUBSCRIBE_WAIT_MS = 3_000;

@ApiTags('alerts')
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly events: AlertEvents,
    private readonly streams: AlertStreams,
    private readonly log: AlertStreamLog,
    private readonly deliveries: DeliveryQueryService,
    private readonly trail: AuditTrail,
  ) {}

  @Get()
  @Audited('Alert', 'search', { idFrom: 'none' })
  @Requires('clinical:read')
  list(@CurrentPrincipal() principal: Principal, @Query() query: AlertListQueryDto) {
    return this.alerts.list(principal, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  /**
   * Server-Sent Events of the caller's units: alert.created, .escalated, .acknowledged,
   * .resolved, .reopened, .transferred (to the unit it left as well, with `transferredFrom`).
   * Every event has an `id`; a client that reconnects with Last-Event-ID is first sent what it
   * missed, or `stream.reset` when that cannot be done (too long away, too many): reload the lists.
   */
  @Get('stream')
  @Audited('Alert', 'subscribe', { idFrom: 'none' })
  @Requires('clinical:read')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: the stream starts with the events after it',
  })
  @ApiOkResponse({ description: 'The event stream (text/event-stream), held open' })
  @ApiResponse({ status: 400, description: 'Last-Event-ID is not an id this stream sent' })
  @ApiResponse({
    status: 429,
    description: 'This API key already has ALERT_STREAMS_PER_KEY open streams (Retry-After)',
  })
  @ApiResponse({ status: 503, description: 'Redis or Postgres is unavailable (Retry-After)' })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const lastEventId = parseLastEventId(request.headers['last-event-id']);
    const visible = (event: AlertEvent) =>
      principal.canSeeUnit(event.alert.unitId) ||
      (event.fromUnitId !== undefined && principal.canSeeUnit(event.fromUnitId));
    // Until the stream is open, an end (revocation, shutdown) only marks it to be refused.
    let closedEarly = false;
    let endStream = (): void => void (closedEarly = true);
    const forget = this.streams.add(principal.keyId, { end: () => endStream() });
    const gate = new LiveEventGate();
    let subscription: Subscription | undefined;
    let resume: Resume | undefined;
    try {
      if (!(await this.events.ready(SUBSCRIBE_WAIT_MS))) {
        throw ProblemException.of(503, 'The alert stream is unavailable; try again shortly');
      }
      subscription = this.events
        .stream(principal.tenantId)
        .pipe(filter(visible))
        .subscribe((event) => gate.push(event));
      if (lastEventId) resume = await this.log.after(principal.tenantId, lastEventId);
      if (closedEarly) throw ProblemException.of(503, 'The alert stream was closed; try again');
    } catch (error) {
      subscription?.unsubscribe();
      forget();
      throw error;
    }

    reply.hijack();
    const response = new AlertStreamResponse(reply.raw, request.id);
    auditHijackedReply(this.trail, request, 200);
    let floor: string | undefined;
    if (resume?.reset) response.sendReset();
    else if (resume) {
      resume.events.filter(visible).forEach((event) => response.send(event));
      floor = resume.events.at(-1)?.id ?? lastEventId;
    }
    gate.open((event) => response.send(event), floor);
    endStream = () => response.end();
    response.onClose(() => {
      subscription?.unsubscribe();
      forget();
    });
  }

  @Get(':id')
  @Audited('Alert', 'read')
  @Requires('clinical:read')
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.alerts.get(principal, id);
  }

  /** Every notification of the alert with every attempt (same unit scope as the alert). */
  @Get(':id/deliveries')
  @Audited('Alert', 'read')
  @Requires('clinical:read')
  listDeliveries(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.deliveries.list(principal, id);
  }

  @Post(':id/acknowledge')
  @Audited('Alert', 'acknowledge')
  @HttpCode(200)
  @Requires('clinical:record')
  acknowledge(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.alerts.acknowledge(principal, id);
  }

  @Post(':id/resolve')
  @Audited('Alert', 'resolve')
  @HttpCode(200)
  @Requires('clinical:record')
  resolve(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: ResolveAlertDto,
  ) {
    return this.alerts.resolve(principal, id, dto.note);
  }
}
