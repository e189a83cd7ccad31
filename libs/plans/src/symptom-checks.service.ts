import { AlertsService } from '@taperwatch/alerts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ActorRef, Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import {
  BACLOFEN_ADVERSE_EFFECTS,
  BACLOFEN_RED_FLAGS,
  IN_FORCE,
  SymptomAssessment,
  SymptomScale,
  assessChecklist,
  assessNews2,
  assessSymptoms,
  news2Response,
  zonedDate,
} from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { PendingSymptomAlert, PlanEntity, SymptomCheckEntity } from '@taperwatch/persistence';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PlansService } from './plans.service';
import { OwedAlert, SymptomChecksRepository } from './symptom-checks.repository';

export interface SymptomCheckBody {
  scale: SymptomScale;
  /** Every scale but baclofen-checklist. */
  score?: number;
  /** baclofen-checklist: the items present (BACLOFEN_CHECKLIST_ITEMS). */
  items?: string[];
  /** NEWS2: the highest score any one parameter got (0-3). */
  highestParameterScore?: number;
  observedAt: string;
  note?: string;
}

export interface SymptomCheckView {
  id: string;
  planId: string;
  patientId: string;
  scale: SymptomScale;
  /** A checklist's score is the number of items present. */
  score: number;
  /** baclofen-checklist: the items present. */
  items?: string[];
  /** baclofen-checklist: the red flags among them (a critical alert). */
  redFlags?: string[];
  /** NEWS2: the highest single-parameter score. */
  highestParameterScore?: number;
  observedAt: string;
  note?: string;
  band: string | null;
  threshold: number | null;
  atOrAboveThreshold: boolean | null;
  revisionPlanId?: string;
  /** Who recorded it: an API key, or the person or system a token named. */
  recordedBy: ActorRef;
  createdAt: string;
}

/**
 * The hold an above-threshold score proposes, in days ([C]: no source gives a length; a week
 * is the shortest step most catalogue drugs use, docs/clinical.md#catalogue). A prescriber
 * reviews it before approval.
 */
export const AUTOMATIC_HOLD_DAYS = 7;

/** What each sourced titration adverse effect is, for the alert. */
const ADVERSE_EFFECT_SOURCE: Record<string, string> = {
  drowsiness: 'drowsiness: additive CNS depression [S12]',
  confusion: 'confusion: encephalopathy risk rises with dose in reduced renal function [S7]',
};

/** Owed alerts one sweep raises at most; the rest wait for the next. */
const OWED_BATCH = 500;

/** The automatic hold a check proposed (or found waiting), or why none could be. */
interface ProposedHold {
  id?: string;
  /** 'a step back' when a titration's order asks for one; else a hold. */
  what?: string;
  refused?: string;
}

function toView(c: SymptomCheckEntity, recordedBy: ActorRef): SymptomCheckView {
  return {
    id: c.id,
    planId: c.planId,
    patientId: c.patientId,
    scale: c.scale as SymptomScale,
    score: c.score,
    ...(c.items
      ? { items: c.items, redFlags: c.items.filter((i) => BACLOFEN_RED_FLAGS.includes(i as never)) }
      : {}),
    ...(c.highestParameterScore !== null ? { highestParameterScore: c.highestParameterScore } : {}),
    observedAt: c.observedAt.toISOString(),
    ...(c.note ? { note: c.note } : {}),
    band: c.band,
    threshold: c.threshold,
    atOrAboveThreshold: c.atOrAboveThreshold,
    ...(c.revisionPlanId ? { revisionPlanId: c.revisionPlanId } : {}),
    recordedBy,
    createdAt: c.createdAt.toISOString(),
  };
}

@Injectable()
export class SymptomChecksService {
  private readonly logger = new Logger(SymptomChecksService.name);

  constructor(
    private readonly repository: SymptomChecksRepository,
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
    const assessment = this.assess(plan, body);
    // While titrating, sourced adverse effects (drowsiness, confusion) hold the rise, or step
    // back one level where the order says so ([C]).
    const phase = body.items ? await this.lifecycle.phaseOf(plan) : undefined;
    const adverse =
      phase?.goal.type === 'titrate'
        ? [...new Set(body.items)].filter((i) => BACLOFEN_ADVERSE_EFFECTS.includes(i as never))
        : [];
    const stepBack = adverse.length > 0 && phase?.adverseEffectAction === 'step_back';
    const id = randomUUID();
    // NEWS2 measures deterioration, not withdrawal: it alerts, and the prescriber decides on a hold.
    const holds = body.scale !== 'NEWS2';
    const wantsHold = holds && assessment.atOrAboveThreshold && IN_FORCE.includes(plan.status);
    const waiting = wantsHold ? await this.lifecycle.pendingAutomaticHold(planId) : undefined;
    // The check, its hold revision and the alert it owes commit together: the alert is written
    // on the check (pending_alert) and raised after commit, or by the maintenance sweep if that
    // fails, so no failure leaves a revision without its check or a check without its alert.
    const pendingAlert = await this.repository.transaction(async (manager) => {
      let hold: ProposedHold = waiting ? { id: waiting } : {};
      if (wantsHold && !waiting) {
        hold = await this.proposeHold(manager, principal, planId, plan.patientId, id, body, {
          adverse,
          stepBack,
        });
      }
      const alert = assessment.atOrAboveThreshold
        ? symptomAlert(body, assessment, hold, adverse)
        : null;
      await this.repository.insert(manager, {
        id,
        tenantId: plan.tenantId,
        planId,
        patientId: plan.patientId,
        scale: body.scale,
        score: body.items ? new Set(body.items).size : body.score!,
        items: body.items ? [...new Set(body.items)] : null,
        highestParameterScore: body.scale === 'NEWS2' ? (body.highestParameterScore ?? 0) : null,
        observedAt,
        note: body.note ?? null,
        band: assessment.band,
        threshold: assessment.threshold,
        atOrAboveThreshold: assessment.atOrAboveThreshold,
        revisionPlanId: hold.id ?? null,
        recordedBy: principal.keyId,
        pendingAlert: alert,
      });
      return alert;
    });
    if (pendingAlert) {
      const owed: OwedAlert = {
        id,
        tenant_id: plan.tenantId,
        plan_id: planId,
        patient_id: plan.patientId,
        unit_id: plan.unitId,
        pending_alert: pendingAlert,
      };
      await this.raiseOwed(owed).catch((error: unknown) =>
        this.logger.warn(
          { planId, symptomCheckId: id, err: { message: (error as Error).message } },
          'raising a symptom alert failed; the maintenance sweep will raise it',
        ),
      );
    }
    const check = await this.repository.find(id);
    return toView(check, principal.actor);
  }

  /**
   * Raises the alerts symptom checks still owe (their request failed to, after the check was
   * stored); one that fails again stays owed for the next sweep.
   */
  async raisePendingAlerts(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.MAINTENANCE_SWEEP_MS);
    const owed = await this.repository.owedAlerts(before, OWED_BATCH);
    let raised = 0;
    for (const check of owed) {
      try {
        await this.raiseOwed(check);
        raised++;
      } catch (error) {
        this.logger.warn(
          { symptomCheckId: check.id, err: { message: (error as Error).message } },
          'raising an owed symptom alert failed; the next sweep tries again',
        );
      }
    }
    return raised;
  }

  /** Raises a check's alert, then marks it raised (a crash between the two raises it again). */
  private async raiseOwed(check: OwedAlert): Promise<void> {
    await this.alerts.raise({
      tenantId: check.tenant_id,
      type: 'withdrawal_symptoms',
      severity: check.pending_alert.severity,
      patientId: check.patient_id,
      planId: check.plan_id,
      unitId: check.unit_id,
      doseIds: [],
      message: check.pending_alert.message,
      standalone: true,
    });
    await this.repository.alertRaised(check.id);
  }

  /** The scale's judgement: a checklist by its items, a score by bands or the site threshold. */
  private assess(plan: PlanEntity, body: SymptomCheckBody): SymptomAssessment {
    if (body.scale === 'baclofen-checklist') {
      if (plan.drugCode !== 'baclofen') {
        throw ProblemException.unprocessable(
          `The baclofen-checklist scale is for baclofen plans; this plan is ${plan.drugCode}.`,
          [{ field: 'scale', message: 'use CIWA-B, COWS or generic for this plan' }],
        );
      }
      return assessChecklist(body.items ?? []);
    }
    if (body.scale === 'NEWS2') return assessNews2(body.score!, body.highestParameterScore ?? 0);
    const configured =
      body.scale === 'CIWA-B'
        ? this.config.SYMPTOM_THRESHOLD_CIWA_B
        : this.config.SYMPTOM_THRESHOLD_GENERIC;
    return assessSymptoms(body.scale, body.score!, configured);
  }

  /** Proposes the automatic hold (or step back) inside the check's transaction, `manager`. */
  private async proposeHold(
    manager: EntityManager,
    principal: Principal,
    planId: string,
    patientId: string,
    symptomCheckId: string,
    body: SymptomCheckBody,
    { adverse, stepBack }: { adverse: readonly string[]; stepBack: boolean },
  ): Promise<ProposedHold> {
    const timezone = await this.repository.timezoneOf(manager, patientId);
    try {
      const revision = await this.lifecycle.revise(
        principal,
        planId,
        {
          fromDate: zonedDate(this.clock.now(), timezone),
          holdDays: AUTOMATIC_HOLD_DAYS,
          ...(stepBack ? { stepBack: true } : {}),
          reason: adverse.length
            ? `Automatic ${stepBack ? 'step back' : 'hold'} proposed: adverse effects while titrating (${adverse.join(', ')}): ${stepBack ? "the previous step's dose" : 'the current dose'} for ${AUTOMATIC_HOLD_DAYS} days, no rise.`
            : body.items
              ? `Automatic hold proposed: baclofen check-in items present (${body.items.join(', ')}).`
              : `Automatic hold proposed: ${body.scale} score ${body.score} is at or above the threshold.`,
        },
        { symptomCheckId },
        manager,
      );
      return { id: revision.id, ...(stepBack ? { what: 'a step back' } : {}) };
    } catch (error) {
      // The score is stored either way; a plan that cannot be re-planned keeps running, and the
      // alert says why no hold waits (the rules it would break, when that was the reason).
      this.logger.warn(
        { planId, symptomCheckId, err: { message: (error as Error).message } },
        'automatic hold could not be proposed',
      );
      const rules = error instanceof ProblemException ? error.problem.rules : undefined;
      return {
        refused: Array.isArray(rules)
          ? `the hold would break the plan rules ${rules.join(', ')}`
          : 'the hold could not be planned',
      };
    }
  }
}

/**
 * The alert a check at or above its threshold owes: symptoms alert whatever the dose counts say;
 * a severe COWS band or a checklist red flag is critical (an urgent escalation).
 */
function symptomAlert(
  body: SymptomCheckBody,
  assessment: SymptomAssessment,
  hold: ProposedHold,
  adverse: readonly string[],
): PendingSymptomAlert {
  const { band } = assessment;
  const critical =
    band === 'moderately_severe' ||
    band === 'severe' ||
    band === 'red_flag' ||
    band === 'urgent' ||
    band === 'emergency';
  const next =
    body.scale === 'NEWS2'
      ? news2Response(body.score!, body.highestParameterScore ?? 0).action
      : hold.id
        ? `${hold.what ?? 'a hold'} is proposed for a prescriber to approve`
        : `no hold was proposed${hold.refused ? ` (${hold.refused})` : ''}: review the plan`;
  const what = body.items
    ? `Baclofen check-in: ${[...new Set(body.items)].join(', ').replace(/_/g, ' ')}` +
      (band === 'red_flag' ? ' — red flag: urgent assessment' : '')
    : `${body.scale} ${body.score}${band ? ` (${band.replace(/_/g, ' ')})` : ''}`;
  return {
    severity: critical ? 'critical' : 'warning',
    message: adverse.length
      ? `${what}: adverse effects while titrating (${adverse.map((i) => ADVERSE_EFFECT_SOURCE[i] ?? i).join('; ')}); ${next}`
      : `${what}: withdrawal symptoms at or above the threshold; ${next}`,
  };
}
