import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Principal, assertMayUseUnit } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig, parsePolicyJson } from '@taperwatch/config';
import { EscalationPolicy, validateEscalationPolicy } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { EscalationPolicyEntity, PolicySource } from '@taperwatch/persistence';
import { webhookAddressProblem } from '@taperwatch/alerts';
import { EscalationRepository } from './escalation.repository';
import { WebhookSecretVault } from './webhook-secret-vault';

/** A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface PolicyView {
  unitId: string;
  source: PolicySource;
  steps: EscalationPolicy['steps'];
  repeat: number;
  createdAt?: string;
  updatedAt?: string;
  secretRotatedAt?: string;
  /** While a rotated-out secret still signs deliveries (beside the current one). */
  previousSecretExpiresAt?: string;
  /** Only in the answer that created the policy or rotated its secret. */
  webhookSecret?: string;
}

export interface EffectivePolicy {
  policy: EscalationPolicy;
  source: PolicySource;
}

function toView(row: EscalationPolicyEntity, now: Date, webhookSecret?: string): PolicyView {
  const overlapEnds = row.previousWebhookSecret ? row.previousSecretExpiresAt : null;
  return {
    unitId: row.unitId,
    source: 'unit',
    steps: row.policy.steps,
    repeat: row.policy.repeat,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(row.secretRotatedAt ? { secretRotatedAt: row.secretRotatedAt.toISOString() } : {}),
    ...(overlapEnds && overlapEnds > now
      ? { previousSecretExpiresAt: overlapEnds.toISOString() }
      : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
  };
}

/** Units' escalation policies and the tenant default from DEFAULT_ESCALATION_POLICY. */
@Injectable()
export class EscalationPoliciesService {
  private readonly defaultPolicy: EscalationPolicy | null;

  constructor(
    private readonly repository: EscalationRepository,
    private readonly clock: Clock,
    private readonly vault: WebhookSecretVault,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const parsed = config.DEFAULT_ESCALATION_POLICY
      ? parsePolicyJson(config.DEFAULT_ESCALATION_POLICY)
      : null;
    this.defaultPolicy = parsed?.ok ? parsed.policy : null;
  }

  /**
   * Creates or replaces a unit's policy. Alerts already open keep the snapshot they opened with.
   * The signing secret is made once, on creation, returned only then, and stored encrypted.
   */
  async put(principal: Principal, unitId: string, body: unknown): Promise<PolicyView> {
    assertMayUseUnit(principal, unitId);
    const result = validateEscalationPolicy(body);
    if (!result.ok) throw ProblemException.validation(result.errors);
    const errors = result.policy.steps.flatMap((step, i) =>
      step.targets.flatMap((target, j) => {
        if (target.type !== 'webhook') return [];
        const message = webhookAddressProblem(target.url, this.config.WEBHOOK_ALLOW_PRIVATE);
        return message ? [{ field: `steps.${i}.targets.${j}.url`, message }] : [];
      }),
    );
    if (errors.length > 0) throw ProblemException.validation(errors);

    const secret = newWebhookSecret();
    // Only the creating call sees the secret: a replaced policy keeps the one it had.
    const created = await this.repository.upsertPolicy(
      principal.tenantId,
      unitId,
      result.policy,
      this.vault.seal(principal.tenantId, unitId, secret),
    );
    const row = await this.repository.writtenPolicy(principal.tenantId, unitId);
    return toView(row, this.clock.now(), created ? secret : undefined);
  }

  /** The unit's own policy, else the tenant default; 404 when neither exists. */
  async get(principal: Principal, unitId: string): Promise<PolicyView> {
    assertMayUseUnit(principal, unitId);
    const row = await this.repository.policyOf(principal.tenantId, unitId);
    if (row) return toView(row, this.clock.now());
    if (this.defaultPolicy) {
      return { unitId, source: 'default', ...this.defaultPolicy };
    }
    throw ProblemException.notFound('Escalation policy');
  }

  /**
   * A new secret, returned once. For `overlapMinutes` (else WEBHOOK_SECRET_ROTATION_OVERLAP_MINUTES)
   * deliveries are signed with both, so receivers can switch without losing one; 0 retires the
   * old secret at once (a leaked one). A secret rotated out earlier and still signing stops now.
   */
  async rotateSecret(
    principal: Principal,
    unitId: string,
    overlapMinutes = this.config.WEBHOOK_SECRET_ROTATION_OVERLAP_MINUTES,
  ): Promise<PolicyView> {
    assertMayUseUnit(principal, unitId);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    const overlapEnds =
      overlapMinutes > 0 ? new Date(now.getTime() + overlapMinutes * 60_000) : null;
    const affected = await this.repository.rotateSecret(
      principal.tenantId,
      unitId,
      this.vault.seal(principal.tenantId, unitId, secret),
      now,
      overlapEnds,
    );
    if (!affected) throw ProblemException.notFound('Escalation policy');
    const row = await this.repository.writtenPolicy(principal.tenantId, unitId);
    return toView(row, now, secret);
  }

  /** The policy an alert opening now escalates by, or null: nobody could be told. */
  async effective(
    manager: EntityManager,
    tenantId: string,
    unitId: string,
  ): Promise<EffectivePolicy | null> {
    const row = await this.repository.policyOf(tenantId, unitId, manager);
    if (row) return { policy: row.policy, source: 'unit' };
    return this.defaultPolicy ? { policy: this.defaultPolicy, source: 'default' } : null;
  }

  /**
   * The secrets deliveries are signed with now: the unit's current one and, during a rotation's
   * overlap, the one rotated out; or the default policy's. Empty: nothing to sign with.
   */
  async signingSecrets(tenantId: string, unitId: string, source: PolicySource): Promise<string[]> {
    if (source === 'default') {
      const secret = this.config.DEFAULT_ESCALATION_WEBHOOK_SECRET;
      return secret ? [secret] : [];
    }
    const row = await this.repository.policyOf(tenantId, unitId);
    if (!row) return [];
    const secrets = [this.vault.open(tenantId, unitId, row.webhookSecret)];
    const overlapEnds = row.previousSecretExpiresAt;
    if (row.previousWebhookSecret && overlapEnds && overlapEnds > this.clock.now()) {
      secrets.push(this.vault.open(tenantId, unitId, row.previousWebhookSecret));
    }
    return secrets;
  }

  /** The secrets an alert's deliveries are signed with now: its escalation's unit and source. */
  async signingSecretsOf(alertId: string): Promise<string[]> {
    const escalation = await this.repository.find(alertId);
    return this.signingSecrets(
      escalation.tenantId,
      escalation.unitId,
      escalation.policySource ?? 'unit',
    );
  }
}
