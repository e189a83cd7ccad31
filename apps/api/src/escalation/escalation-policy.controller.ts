import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EscalationPoliciesService } from '@taperwatch/alerts';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { Audited } from '@taperwatch/audit';

/** Unit ids are free text (API.md); bounded like the alert list's unitId filter. */
function UnitIdParam(): ParameterDecorator {
  return Param('unitId', {
    transform: (value: string) => {
      if (value.length < 1 || value.length > 100) {
        throw ProblemException.validation([
          { field: 'unitId', message: 'must be 1 to 100 characters' },
        ]);
      }
      return value;
    },
  });
}

@ApiTags('escalation')
@Controller('v1/units/:unitId/escalation-policy')
export class EscalationPolicyController {
  constructor(private readonly policies: EscalationPoliciesService) {}

  /**
   * Creates or replaces the unit's policy, validated by the domain's validator (every bad field
   * named, e.g. steps.0.targets.1.url). The signing secret comes back once, on creation.
   */
  @Put()
  @Audited('EscalationPolicy', 'update', { param: 'unitId' })
  @HttpCode(200)
  @Requires('escalation-policies:manage')
  @ApiBody({
    schema: {
      example: {
        steps: [
          { afterMinutes: 0, targets: [{ type: 'webhook', url: 'https://pager.example/hook' }] },
          { afterMinutes: 10, targets: [{ type: 'email', address: 'charge.nurse@example.org' }] },
        ],
        repeat: 1,
      },
    },
  })
  @ApiOkResponse({ description: 'The policy; webhookSecret only when it was created' })
  put(
    @CurrentPrincipal() principal: Principal,
    @UnitIdParam() unitId: string,
    @Body() body: unknown,
  ) {
    return this.policies.put(principal, unitId, body);
  }

  /** The unit's policy, or the tenant default (source: "default"); never the secret. */
  @Get()
  @Audited('EscalationPolicy', 'read', { param: 'unitId' })
  @Requires('escalation-policies:manage')
  get(@CurrentPrincipal() principal: Principal, @UnitIdParam() unitId: string) {
    return this.policies.get(principal, unitId);
  }

  /** A new signing secret, returned once; the old one stops at once. */
  @Post('rotate-secret')
  @Audited('EscalationPolicy', 'rotate-secret', { param: 'unitId' })
  @HttpCode(200)
  @Requires('escalation-policies:manage')
  rotate(@CurrentPrincipal() principal: Principal, @UnitIdParam() unitId: string) {
    return this.policies.rotateSecret(principal, unitId);
  }
}
