import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Requires } from '@taperwatch/auth';
import { findDrug, listDrugs } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { NotAudited } from '@taperwatch/audit';

/** The sourced catalogue: every number with the source it came from. */
@ApiTags('drugs')
@Controller('v1/drugs')
export class DrugsController {
  @Get()
  @NotAudited()
  @Requires('drugs:read')
  list() {
    return { items: listDrugs() };
  }

  @Get(':code')
  @NotAudited()
  @Requires('drugs:read')
  get(@Param('code') code: string) {
    const drug = findDrug(code);
    if (!drug) throw ProblemException.notFound(`Drug ${code.slice(0, 50)}`);
    return drug;
  }
}
