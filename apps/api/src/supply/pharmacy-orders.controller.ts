import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { PharmacyOrdersService } from '@taperwatch/supply';
import { IdParam } from '../common/id-param';
import { PharmacyOrdersDto, PharmacyOrdersQueryDto } from './supply.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('plans')
@Controller('v1/plans/:id/pharmacy-orders')
export class PharmacyOrdersController {
  constructor(private readonly orders: PharmacyOrdersService) {}

  /** Per step, per drug and strength: directions and the quantity to dispense. */
  @Get()
  @Audited('Plan', 'read')
  @ApiOkResponse({ type: PharmacyOrdersDto })
  @Requires('supply:read')
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Query() query: PharmacyOrdersQueryDto,
  ) {
    return this.orders.orders(principal, id, query.periodDays);
  }
}
