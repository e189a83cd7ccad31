import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Audited } from '@taperwatch/audit';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { DEFAULT_PAGE_SIZE } from '@taperwatch/http';
import { WORKLIST_AHEAD_HOURS, WORKLIST_OVERDUE_HOURS, WorklistService } from '@taperwatch/doses';
import { WorklistPageDto, WorklistQueryDto } from './worklist.dto';

@ApiTags('doses')
@Controller('v1/worklist')
export class WorklistController {
  constructor(private readonly worklist: WorklistService) {}

  /**
   * The doses a ward still has to give or account for, in due order: unrecorded, due in the next
   * hours or overdue, each naming its patient by the ward's identifier, its drug, mg and tablets,
   * and where it stands in its ISMP window. Only the key's units; record one at
   * POST /v1/doses/{id}/administrations.
   */
  @Get()
  @Audited('Dose', 'search', { idFrom: 'none' })
  @Requires('clinical:read')
  @ApiOkResponse({ type: WorklistPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: WorklistQueryDto) {
    return this.worklist.list(principal, {
      ...(query.unitId ? { unitId: query.unitId } : {}),
      aheadHours: query.aheadHours ?? WORKLIST_AHEAD_HOURS.default,
      overdueHours: query.overdueHours ?? WORKLIST_OVERDUE_HOURS.default,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  }
}
