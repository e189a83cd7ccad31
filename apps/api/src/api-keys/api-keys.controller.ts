import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeysService, CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent, ProblemException } from '@taperwatch/http';
import { IdParam } from '../common/id-param';
import { CreateApiKeyDto } from './api-key.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key is in this response only; it is stored as a hash. */
  @Post()
  @Audited('ApiKey', 'create', { idFrom: 'response' })
  @HttpCode(201)
  @Idempotent()
  @Requires('api-keys:manage')
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(principal.tenantId, dto.name, dto.role, dto.unitIds ?? []);
  }

  @Delete(':id')
  @Audited('ApiKey', 'revoke')
  @HttpCode(204)
  @Requires('api-keys:manage')
  async revoke(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    if (!(await this.keys.revoke(principal.tenantId, id)))
      throw ProblemException.notFound('API key');
  }
}
