import { AlertsService } from '@taperwatch/alerts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { REVISABLE, SymptomScale, assessSymptoms, zonedDate } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { PatientEntity, PlanEntity, SymptomCheckEntity } from '@taperwatch/persistence';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PlansService } from './plans.service';

export interface SymptomCheckBody {
  scale: SymptomScale;
  score: number;
  observedAt: string;
  note?: string;
}

export interface SymptomCheckView {
  id: string;
  planId: string;
  patientId: string;
  scale: SymptomScale;
  score: number;
  observedAt: string;
  note?: string;
  band: string | null;
  threshold: number | null;
  atOrAboveThreshold: boolean | null;
  revisionPlanId?: string;
  recordedBy: string;
  createdAt: string;
}

/**
 * The hold an above-threshold score proposes, in days ([C]: CLINICAL.md gives no number; a
 * week is the shortest step most catalogue drugs use). A prescriber reviews it before approval.
 */
export const AUTOMATIC_HOLD_DAYS = 7;

function toView(c: SymptomCheckEntity): SymptomCheckView {
  return {
    id: c.id,
    planId: c.planId,
    patientId: c.patientId,
    scale: c.scale,
    score: c.score,
    observedAt: c.observedAt.toISOString(),
    ...(c.note ? { note: c.note } : {}),
    band: c.band,
    threshold: c.threshold,
    atOrAboveThreshold: c.atOrAboveThreshold,
    ...(c.revisionPlanId ? { revisionPlanId: c.revisionPlanId } : {}),
    recordedBy: c.recordedBy,
    createdAt: c.createdAt.toISOString(),
  };
}

@Injectable()
export class SymptomChecksService {
  private readonly logger = new Logger(SymptomChecksService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlansService,
    private readonly lifecycle: PlanLifecycleService,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores the score with its judgement. At or above the threshold on a plan in force, a hold
   * revision is proposed (once: a waiting automatic hold is reused, not duplicated).
   */
  async record(
    principal: Principal,
    planId: string,
    body: SymptomCheckBody,
  ): Promise<SymptomCheckView> {
    const plan = await this.plans.findVisible(principal, planId);
    const observedAt = new Date(body.observedAt);
    if (observedAt.getTime() > this.clock.now().getTime() + 5 * 60_000) {
      throw ProblemException.validation([{ field: 'observedAt', message: 'is in the future' }]);
    }
    const configured =
      body.scale === 'CIWA-B'
        ? this.config.SYMPTOM_THRESHOLD_CIWA_B
        : this.config.SYMPTOM_THRESHOLD_GENERIC;
    const assessment = assessSymptoms(body.scale, body.score, configured);
    const id = randomUUID();
    let revisionPlanId: string | undefined;
    if (assessment.atOrAboveThreshold && REVISABLE.includes(plan.status)) {
      revisionPlanId = await this.proposeHold(principal, planId, plan.patientId, id, body);
    }
    const repo = this.dataSource.getRepository(SymptomCheckEntity);
    await repo.insert({
      id,
      tenantId: plan.tenantId,
      planId,
      patientId: plan.patientId,
      scale: body.scale,
      score: body.score,
      observedAt,
      note: body.note ?? null,
      band: assessment.band,
      threshold: assessment.threshold,
      atOrAboveThreshold: assessment.atOrAboveThreshold,
      revisionPlanId: revisionPlanId ?? null,
      recordedBy: principal.keyId,
    });
    if (assessment.atOrAboveThreshold) await this.raiseAlert(plan, body, assessment.band);
    return toView(await repo.findOneByOrFail({ id }));
  }

  /** Symptoms at or above the threshold alert whatever the dose counts say (CLINICAL.md §4 rule 5). */
  private async raiseAlert(
    plan: PlanEntity & { unitId: string },
    body: SymptomCheckBody,
    band: string | null,
  ): Promise<void> {
    const severe = band === 'moderately_severe' || band === 'severe';
    await this.alerts.raise({
      tenantId: plan.tenantId,
      type: 'withdrawal_symptoms',
      severity: severe ? 'critical' : 'warning',
      patientId: plan.patientId,
      planId: plan.id,
      unitId: plan.unitId,
      doseIds: [],
      message: `${body.scale} ${body.score}${band ? ` (${band.replace('_', ' ')})` : ''}: withdrawal symptoms at or above the threshold; a hold is proposed`,
    });
  }

  private async proposeHold(
    principal: Principal,
    planId: string,
    patientId: string,
    symptomCheckId: string,
    body: SymptomCheckBody,
  ): Promise<string | undefined> {
    const waiting = await this.lifecycle.pendingAutomaticHold(planId);
    if (waiting) return waiting;
    const patient = await this.dataSource
      .getRepository(PatientEntity)
      .findOneByOrFail({ id: patientId });
    try {
      const revision = await this.lifecycle.revise(
        principal,
        planId,
        {
          fromDate: zonedDate(this.clock.now(), patient.timezone),
          holdDays: AUTOMATIC_HOLD_DAYS,
          reason: `Automatic hold proposed: ${body.scale} score ${body.score} is at or above the threshold.`,
        },
        { symptomCheckId },
      );
      return revision.id;
    } catch (error) {
      // The score is stored either way; a plan that cannot be re-planned keeps running.
      this.logger.warn(
        { planId, symptomCheckId, err: { message: (error as Error).message } },
        'automatic hold could not be proposed',
      );
      return undefined;
    }
  }
}
