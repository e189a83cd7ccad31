import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { DEFAULT_PAGE_SIZE } from '@taperwatch/http';
import { PlansService } from '@taperwatch/plans';
import { IdParam } from '../common/id-param';
import { PlanListQueryDto } from './plan-query.dto';
import { PlanDto, PlanPageDto } from './plan-view.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('plans')
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @Audited('Plan', 'search', { idFrom: 'none' })
  @ApiOkResponse({ type: PlanPageDto })
  @Requires('clinical:read')
  list(@CurrentPrincipal() principal: Principal, @Query() query: PlanListQueryDto) {
    return this.plans.list(principal, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  @Get(':id')
  @Audited('Plan', 'read')
  @ApiOkResponse({ type: PlanDto })
  @Requires('clinical:read')
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.plans.get(principal, id);
  }
}
