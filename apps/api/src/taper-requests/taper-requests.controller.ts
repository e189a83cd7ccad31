import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent, ProblemException } from '@taperwatch/http';
import { TaperRequestBody, TaperRequestsService } from '@taperwatch/plans';
import { IdParam } from '../common/id-param';
import { CreateTaperRequestDto, TaperRequestViewDto } from './taper-request.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('taper-requests')
@Controller('v1/taper-requests')
export class TaperRequestsController {
  constructor(private readonly requests: TaperRequestsService) {}

  /** 202: a worker plans it; poll the Location until status is planned or rejected. */
  @Post()
  @Audited('TaperRequest', 'create', { idFrom: 'response' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: TaperRequestViewDto })
  @Idempotent()
  @Requires('plans:write')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateTaperRequestDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (dto.currentDosesMg.length !== dto.administrationTimes.length) {
      throw ProblemException.validation([
        { field: 'administrationTimes', message: 'must have one time per value of currentDosesMg' },
      ]);
    }
    const body = JSON.parse(JSON.stringify(dto)) as TaperRequestBody;
    const view = await this.requests.submit(principal, body, request.id);
    reply.header('location', `/v1/taper-requests/${view.id}`);
    return view;
  }

  @Get(':id')
  @Audited('TaperRequest', 'read')
  @ApiOkResponse({ type: TaperRequestViewDto })
  @Requires('clinical:read')
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.requests.get(principal, id);
  }
}
