import { Body, Controller, Get, Header, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { COWS_MAX, type TaperGoal } from '@taperwatch/domain';
import { PlanDosesService } from '@taperwatch/doses';
import { DEFAULT_PAGE_SIZE, Idempotent, ProblemException } from '@taperwatch/http';
import {
  PlanDocumentsService,
  PlanLifecycleService,
  SymptomChecksService,
} from '@taperwatch/plans';
import { IdParam } from '../common/id-param';
import { DosePageDto } from '../doses/dose-view.dto';
import { PlanDto } from './plan-view.dto';
import {
  DoseListQueryDto,
  OptionalReasonDto,
  ReasonDto,
  RevisionDto,
  SymptomCheckDto,
} from './plan-lifecycle.dto';
import { Audited } from '@taperwatch/audit';

/** Plans in force: lifecycle, doses, symptom checks, and the plan as FHIR, on paper and as a chart. */
@ApiTags('plans')
@Controller('v1/plans/:id')
export class PlanLifecycleController {
  constructor(
    private readonly lifecycle: PlanLifecycleService,
    private readonly doses: PlanDosesService,
    private readonly symptoms: SymptomChecksService,
    private readonly documents: PlanDocumentsService,
  ) {}

  @Post('approve')
  @Audited('Plan', 'approve')
  @HttpCode(200)
  @ApiOkResponse({
    type: PlanDto,
    description: 'Active; approved after its start date, re-anchored (reanchoredFrom)',
  })
  @ApiUnprocessableEntityResponse({
    description:
      "The plan breaks the catalogue's rules as it would run: `rules` lists their codes, `errors` where; it stays proposed",
  })
  @Requires('plans:write')
  approve(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.lifecycle.approve(principal, id);
  }

  @Post('pause')
  @Audited('Plan', 'pause')
  @HttpCode(200)
  @ApiOkResponse({ type: PlanDto })
  @Requires('plans:write')
  pause(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() dto: ReasonDto) {
    return this.lifecycle.pause(principal, id, dto.reason);
  }

  @Post('resume')
  @Audited('Plan', 'resume')
  @HttpCode(200)
  @ApiOkResponse({ type: PlanDto })
  @Requires('plans:write')
  resume(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: OptionalReasonDto = {},
  ) {
    return this.lifecycle.resume(principal, id, dto?.reason);
  }

  @Post('cancel')
  @Audited('Plan', 'cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: PlanDto })
  @Requires('plans:write')
  cancel(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() dto: ReasonDto) {
    return this.lifecycle.cancel(principal, id, dto.reason);
  }

  /**
   * 202: a proposed version; nothing changes until it is approved. A plan in force re-plans from
   * the doses it gives; a proposal from the doses its request says are taken now.
   */
  @Post('revisions')
  @Audited('Plan', 'revise')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: PlanDto,
    description:
      'The new version, proposed, naming the version it revises (parentPlanId); approving it supersedes that version',
  })
  @ApiConflictResponse({
    description:
      'The plan is not proposed, active or paused, or it is a proposal that revises a plan in force (revise that plan instead)',
  })
  @Idempotent()
  @Requires('plans:write')
  async revise(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: RevisionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // The DTO checked the goal's shape; the domain checks what it means (422 naming fields).
    const { goal, ...rest } = dto;
    const view = await this.lifecycle.revise(principal, id, {
      ...rest,
      ...(goal ? { goal: { ...goal } as TaperGoal } : {}),
    });
    reply.header('location', `/v1/plans/${view.id}`);
    return view;
  }

  @Get('doses')
  @Audited('Plan', 'read')
  @ApiOkResponse({ type: DosePageDto })
  @Requires('clinical:read')
  @Header('content-type', 'application/json; charset=utf-8')
  listDoses(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Query() query: DoseListQueryDto,
  ): Promise<Buffer> {
    // The page comes written (and perhaps kept): Fastify sends a Buffer as it is.
    return this.doses.json(principal, id, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  @Post('symptom-checks')
  @Audited('Plan', 'record-symptom-check')
  @HttpCode(201)
  @Idempotent()
  @Requires('clinical:record')
  recordSymptoms(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: SymptomCheckDto,
  ) {
    if (dto.scale === 'COWS' && (!Number.isInteger(dto.score) || dto.score! > COWS_MAX)) {
      throw ProblemException.validation([
        { field: 'score', message: `a COWS total is a whole number from 0 to ${COWS_MAX}` },
      ]);
    }
    // A checklist is its items; a score is a score: each scale takes one of the two.
    if (dto.scale === 'baclofen-checklist' && dto.score !== undefined) {
      throw ProblemException.validation([
        { field: 'score', message: 'baclofen-checklist takes items, not a score' },
      ]);
    }
    if (dto.scale === 'NEWS2' && !Number.isInteger(dto.score)) {
      throw ProblemException.validation([
        { field: 'score', message: 'a NEWS2 total is a whole number' },
      ]);
    }
    if (dto.highestParameterScore !== undefined && dto.scale !== 'NEWS2') {
      throw ProblemException.validation([
        { field: 'highestParameterScore', message: 'is sent with the NEWS2 scale only' },
      ]);
    }
    if ((dto.highestParameterScore ?? 0) > (dto.score ?? 0)) {
      throw ProblemException.validation([
        { field: 'highestParameterScore', message: 'cannot be above the NEWS2 total (score)' },
      ]);
    }
    if (dto.scale !== 'baclofen-checklist' && dto.items !== undefined) {
      throw ProblemException.validation([
        { field: 'items', message: 'items are sent with the baclofen-checklist scale only' },
      ]);
    }
    return this.symptoms.record(principal, id, { ...dto });
  }

  @Get('fhir')
  @Audited('Plan', 'read')
  @Requires('clinical:read')
  @Header('content-type', 'application/fhir+json; charset=utf-8')
  fhir(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.documents.fhir(principal, id);
  }

  /** The schedule's dose chart alone, for the ward board (which shows it inline). */
  @Get('chart')
  @Audited('Plan', 'read')
  @Requires('clinical:read')
  @ApiProduces('image/svg+xml')
  @Header('content-type', 'image/svg+xml; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'")
  chart(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.documents.chart(principal, id);
  }

  @Get('schedule')
  @Audited('Plan', 'read')
  @Requires('clinical:read')
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  schedule(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.documents.schedule(principal, id);
  }
}
