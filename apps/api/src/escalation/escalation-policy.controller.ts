import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { EscalationPoliciesService } from '@taperwatch/escalation';
import { Audited } from '@taperwatch/audit';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { RotateWebhookSecretDto } from './rotate-secret.dto';

/** Unit ids are free text (docs/api.md, Conventions); bounded like the alert list's unitId. */
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
  @ApiBadRequestResponse({ description: 'Problem details naming every bad field' })
  @ApiServiceUnavailableResponse({
    description: 'WEBHOOK_SECRET_ENCRYPTION_KEY is not set, so no secret can be stored',
  })
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

  /**
   * A new signing secret, returned once. The old one keeps signing beside it (two entries in
   * webhook-signature) for overlapMinutes, so receivers can switch over without a gap.
   */
  @Post('rotate-secret')
  @Audited('EscalationPolicy', 'rotate-secret', { param: 'unitId' })
  @HttpCode(200)
  @Requires('escalation-policies:manage')
  @ApiBody({ type: RotateWebhookSecretDto, required: false })
  @ApiOkResponse({
    description: 'The policy with the new webhookSecret and previousSecretExpiresAt (if any)',
  })
  @ApiBadRequestResponse({ description: 'overlapMinutes is not 0 to 10080' })
  @ApiNotFoundResponse({ description: 'The unit has no policy of its own' })
  @ApiServiceUnavailableResponse({
    description: 'WEBHOOK_SECRET_ENCRYPTION_KEY is not set, so no secret can be stored',
  })
  rotate(
    @CurrentPrincipal() principal: Principal,
    @UnitIdParam() unitId: string,
    @Body() dto: RotateWebhookSecretDto,
  ) {
    // A POST without a body reaches here without a dto.
    const body = dto as RotateWebhookSecretDto | undefined;
    return this.policies.rotateSecret(principal, unitId, body?.overlapMinutes);
  }
}
