import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Audited } from '@taperwatch/audit';
import { ApiKeysService, CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent, PageQuery, ProblemException } from '@taperwatch/http';
import { IdParam } from '../common/id-param';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key is in this response only; it is stored as a hash, and never kept for a retry. */
  @Post()
  @Audited('ApiKey', 'create', { idFrom: 'response' })
  @HttpCode(201)
  @Idempotent({ holdsSecret: true })
  @Requires('api-keys:manage')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiBadRequestResponse({ description: 'Invalid fields (expiresAt in the past), each named' })
  @ApiForbiddenResponse({
    description: 'A role above the creating key, or units outside its own (field named)',
  })
  @ApiUnprocessableEntityResponse({ description: 'A nurse key without unitIds' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(principal, dto.name, {
      role: dto.role,
      unitIds: dto.unitIds ?? [],
      expiresAt: dto.expiresAt === undefined ? undefined : new Date(dto.expiresAt),
    });
  }

  /** Newest first; a unit-scoped admin sees the keys within its units only. */
  @Get()
  @Audited('ApiKey', 'search', { idFrom: 'none' })
  @Requires('api-keys:manage')
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiBadRequestResponse({ description: 'An invalid limit or cursor' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.keys.list(principal, query);
  }

  /** Takes effect in every API process at once. */
  @Delete(':id')
  @Audited('ApiKey', 'revoke')
  @HttpCode(204)
  @Requires('api-keys:manage')
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No live key of this id within your units' })
  async revoke(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    if (!(await this.keys.revoke(principal, id))) throw ProblemException.notFound('API key');
  }
}
