import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { filter } from 'rxjs';
import { AlertEvents, AlertsService } from '@taperwatch/alerts';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { DEFAULT_PAGE_SIZE } from '@taperwatch/http';
import { DeliveryService } from '@taperwatch/notifications';
import { IdParam } from '../common/id-param';
import { AlertListQueryDto, ResolveAlertDto } from './alert.dto';
import { AlertStreams } from './alert-streams';
import { Audited } from '@taperwatch/audit';

/** Comments keep proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

@ApiTags('alerts')
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly events: AlertEvents,
    private readonly streams: AlertStreams,
    private readonly deliveries: DeliveryService,
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
   */
  @Get('stream')
  @Audited('Alert', 'subscribe', { idFrom: 'none' })
  @Requires('clinical:read')
  @ApiProduces('text/event-stream')
  stream(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    raw.write(': connected\n\n');
    const subscription = this.events
      .stream(principal.tenantId)
      .pipe(
        filter(
          (event) =>
            principal.canSeeUnit(event.alert.unitId) ||
            (event.fromUnitId !== undefined && principal.canSeeUnit(event.fromUnitId)),
        ),
      )
      .subscribe((event) => {
        const data = event.fromUnitId
          ? { ...event.alert, transferredFrom: event.fromUnitId }
          : event.alert;
        raw.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
      });
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const forget = this.streams.add(raw);
    request.raw.once('close', () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
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
