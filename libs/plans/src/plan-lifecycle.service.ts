import { Injectable } from '@nestjs/common';
import { AlertsService } from '@taperwatch/alerts';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import {
  IN_FORCE,
  PlanStep,
  REVISABLE,
  Strategy,
  TaperGoal,
  TaperRequestInput,
  Warning,
  dosesOfStepBefore,
  dosesTakenOn,
  findDrug,
  firstDoseDay,
  isoDateAddDays,
  planRuleViolations,
  reanchorSteps,
  replanTaper,
  resumedSteps,
  transition,
  zonedDate,
} from '@taperwatch/domain';
import { DoseScheduleService } from '@taperwatch/doses';
import { ProblemException } from '@taperwatch/http';
import { PlanEntity, isUniqueViolation } from '@taperwatch/persistence';
import { PlanView, toPlanView } from './plan-views';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
import { TaperRequestBody, patientFacts } from './taper-requests.service';
import { plannedColumns } from './planned-columns';
import {
  CurrentDoses,
  StoredRuleContext,
  isPlanRule,
  plannedTaperOf,
  ruleProblem,
} from './plan-rules';

export interface RevisionBody {
  fromDate: string;
  /**
   * A new phase of the course (titrate, maintain, reduce, discontinue); absent, the parent's
   * goal. Kept with the version's 'propose' transition.
   */
  goal?: TaperGoal;
  /**
   * A titration only: start from the previous step's doses (a step back one level), held for
   * holdDays, then rise again; 422 where no earlier step gives a dose.
   */
  stepBack?: boolean;
  stepDays?: number;
  strategy?: Strategy;
  holdDays?: number;
  reason: string;
}

/** What a revision was made from, kept with its 'propose' transition (ids only). */
export interface RevisionOrigin {
  symptomCheckId?: string;
}

const ONE_IN_FORCE = 'plans_one_in_force_key';

/** A drug the patient takes today and its own mg/day (mid-switch, two drugs, never added). */
interface TakenDrug {
  drugCode: string;
  mgPerDay: number;
}

const describeTaken = (taken: TakenDrug[]): string =>
  taken
    .map((t) => `${t.mgPerDay} mg/day of ${findDrug(t.drugCode)?.name ?? t.drugCode}`)
    .join(' and ');

/** What a request says the patient takes now, per time: where a proposal re-plans from. */
function requestedDoses(request: TaperRequestInput): CurrentDoses {
  return {
    doses: request.currentDosesMg.map((mg, i) => ({
      time: request.administrationTimes[i],
      drugCode: request.drugCode,
      mg,
    })),
    intervalDays: 1,
  };
}

/**
 * Approve, pause, resume, cancel and revise. Each runs in one transaction holding the plan's
 * row lock, checks the move with the domain's state machine, records it, and rewrites the
 * affected future doses; past doses and recordings are never touched.
 */
@Injectable()
export class PlanLifecycleService {
  constructor(
    private readonly repository: PlansRepository,
    private readonly plans: PlansService,
    private readonly doses: DoseScheduleService,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
  ) {}

  /**
   * A second plan for the same patient and drug cannot be approved while one is in force
   * (active or paused): 409 naming it; revise it instead. Approving a revision supersedes the
   * version it revises in the same transaction.
   */
  async approve(principal: Principal, id: string): Promise<PlanView> {
    const visible = await this.plans.findVisible(principal, id);
    try {
      const plan = await this.repository.transaction(async (manager) => {
        const now = this.clock.now();
        // Parent first: sibling revisions then queue on the same lock instead of deadlocking.
        const parent = visible.parentPlanId
          ? await this.repository.lock(manager, visible.parentPlanId)
          : null;
        const locked = (await this.repository.lock(manager, id))!;
        // An illegal move is a 409 before anything is moved or checked.
        const legal = transition(locked.status, 'approve');
        if (!legal.ok) throw ProblemException.conflict(legal.message);
        const zone = await this.doses.zoneOf(manager, locked.patientId);
        const until = this.doses.horizonEnd(now);
        const moved = reanchorSteps(
          locked.steps as PlanStep[],
          firstDoseDay(locked.steps as PlanStep[], zone, now),
        );
        const reanchor = moved && {
          steps: moved.steps,
          startDate: moved.startDate,
          endDate: moved.endDate,
          reanchoredFrom: moved.reanchoredFrom,
          reanchoredByDays: moved.reanchoredByDays,
        };
        const starting = { ...locked, ...reanchor };
        // A revision starts from what its parent gives the day before it runs (read before the
        // parent is superseded): a hold proposed last week may be above today's dose.
        // A revised proposal gave nothing yet: its rules are checked as a first proposal's are.
        const current =
          parent && IN_FORCE.includes(parent.status)
            ? await this.dosesBefore(manager, parent, zone, starting, now)
            : undefined;
        if (parent) await this.supersede(manager, parent, locked, principal, now);
        // Checked again as it will run (re-anchored): a plan that breaks a rule stays proposed.
        await this.assertKeepsRules(manager, starting, current);
        await this.repository.applyTransition(
          manager,
          locked,
          'approve',
          {
            actorKeyId: principal.keyId,
            ...(moved
              ? {
                  details: {
                    reanchoredFrom: moved.reanchoredFrom,
                    reanchoredByDays: moved.reanchoredByDays,
                    startDate: moved.startDate,
                  },
                }
              : {}),
          },
          { approvedAt: now, approvedBy: principal.keyId, dosesUntil: until, ...reanchor },
        );
        await this.doses.writeWindow(manager, locked, zone, now, until, 'keep');
        return locked;
      });
      return toPlanView(plan, principal.actor);
    } catch (error) {
      if (!isUniqueViolation(error, ONE_IN_FORCE)) throw error;
      const other = await this.repository.inForce(visible.patientId, visible.drugCode);
      throw ProblemException.conflict(
        `Another ${visible.drugCode} plan is in force for this patient` +
          (other ? ` (plan ${other.id}, ${other.status})` : '') +
          `; this plan is ${visible.status}. Revise or cancel the plan in force instead.`,
      );
    }
  }

  /** The second line of defence at approval: 422 naming each broken rule. */
  private async assertKeepsRules(
    manager: EntityManager,
    plan: PlanEntity,
    current?: CurrentDoses,
  ): Promise<void> {
    const original = await this.originalRequest(manager, plan);
    const stored = await this.repository.proposedRuleContext(manager, plan.id);
    const broken = planRuleViolations(plannedTaperOf(plan), original, {
      ...(current
        ? { currentDoses: current.doses, currentIntervalDays: current.intervalDays }
        : {}),
      holdSteps: stored?.holdSteps ?? 0,
    });
    if (broken.length > 0) throw ruleProblem('This plan', broken);
  }

  /**
   * What `parent` gives, per time with its drug, the day before `plan` starts (or today), and
   * whether that step gives them every other day.
   */
  private async dosesBefore(
    manager: EntityManager,
    parent: PlanEntity,
    zone: string,
    plan: Pick<PlanEntity, 'startDate'>,
    now: Date,
  ): Promise<CurrentDoses> {
    const original = await this.originalRequest(manager, parent);
    const today = zonedDate(now, zone);
    const takenOn = plan.startDate > today ? isoDateAddDays(plan.startDate, -1) : today;
    const taken = dosesTakenOn(this.doses.effectiveSteps(parent, zone), takenOn, original);
    return {
      doses: taken.doses.map((d, i) => ({ time: original.administrationTimes[i], ...d })),
      intervalDays: taken.intervalDays,
    };
  }

  private async supersede(
    manager: EntityManager,
    parent: PlanEntity,
    revision: PlanEntity,
    principal: Principal,
    now: Date,
  ): Promise<void> {
    if (!REVISABLE.includes(parent.status)) {
      throw ProblemException.conflict(
        `This revision replaces plan ${parent.id}, which is ${parent.status}; only a proposed, active or paused plan can be superseded.`,
      );
    }
    await this.repository.applyTransition(
      manager,
      parent,
      'supersede',
      {
        actorKeyId: principal.keyId,
        reason: `Superseded by version ${revision.version}.`,
        details: { revisionPlanId: revision.id },
      },
      { pausedAt: null },
    );
    await this.doses.cancelFrom(manager, parent.id, now);
  }

  /** Pausing never stops the drug: the step in force continues until resumed. */
  pause(principal: Principal, id: string, reason: string): Promise<PlanView> {
    return this.change(principal, id, async (manager, plan, zone, now) => {
      await this.repository.applyTransition(
        manager,
        plan,
        'pause',
        { actorKeyId: principal.keyId, reason },
        {
          pausedAt: now,
        },
      );
      await this.doses.writeWindow(manager, plan, zone, now, plan.dosesUntil ?? now, 'replace');
    });
  }

  /** The rest of the plan starts later by the days it was paused. */
  resume(principal: Principal, id: string, reason?: string): Promise<PlanView> {
    return this.change(principal, id, async (manager, plan, zone, now) => {
      const steps = plan.pausedAt
        ? resumedSteps(
            plan.steps as PlanStep[],
            zonedDate(plan.pausedAt, zone),
            zonedDate(now, zone),
          )
        : (plan.steps as PlanStep[]);
      await this.repository.applyTransition(
        manager,
        plan,
        'resume',
        { actorKeyId: principal.keyId, reason: reason ?? null },
        { pausedAt: null, steps, endDate: steps[steps.length - 1]?.endDate ?? plan.endDate },
      );
      await this.doses.writeWindow(manager, plan, zone, now, plan.dosesUntil ?? now, 'replace');
    });
  }

  /**
   * Future doses are cancelled. Stopping a plan in force while the patient still takes the
   * drug is an abrupt stop (CLINICAL rule: a prescriber's stop of a withdrawal-risk drug without
   * a taper is itself abrupt cessation): the plan carries a critical warning, and a critical
   * `abrupt_cessation_risk` alert opens and escalates so someone looks at the patient, even when
   * the stop is deliberate.
   */
  async cancel(principal: Principal, id: string, reason: string): Promise<PlanView> {
    let stopped: TakenDrug[] = [];
    const view = await this.change(principal, id, async (manager, plan, zone, now) => {
      const wasInForce = IN_FORCE.includes(plan.status);
      stopped = wasInForce ? await this.takenToday(manager, plan, zone, now) : [];
      const warnings = [...(plan.warnings as Warning[])];
      // Every catalogue drug is one that is dangerous to stop suddenly.
      if (stopped.length > 0) {
        warnings.push({
          code: 'abrupt_stop',
          severity: 'critical',
          message: `Cancelled while the patient takes ${describeTaken(stopped)}: this is an abrupt stop with withdrawal risk. Reason: ${reason}`,
        });
      }
      await this.repository.applyTransition(
        manager,
        plan,
        'cancel',
        { actorKeyId: principal.keyId, reason },
        {
          pausedAt: null,
          warnings,
        },
      );
      await this.doses.cancelFrom(manager, plan.id, now);
    });
    if (stopped.length > 0) await this.raiseAbruptStop(principal, id, stopped, reason);
    return view;
  }

  /** After the cancel commits: the alert is the record that someone must see the patient. */
  private async raiseAbruptStop(
    principal: Principal,
    id: string,
    stopped: TakenDrug[],
    reason: string,
  ): Promise<void> {
    const plan = await this.plans.findVisible(principal, id);
    await this.alerts.raise({
      tenantId: plan.tenantId,
      type: 'abrupt_cessation_risk',
      severity: 'critical',
      patientId: plan.patientId,
      planId: plan.id,
      unitId: plan.unitId,
      doseIds: [],
      message:
        `Plan cancelled while the patient takes ${describeTaken(stopped)}: stopping now is ` +
        `abrupt cessation with withdrawal risk; assess the patient and confirm the stop or ` +
        `restart a taper. Prescriber's reason: ${reason}`,
      standalone: true,
    });
  }

  /** The drugs the patient takes today under this plan, each with its own mg/day (> 0 only). */
  private async takenToday(
    manager: EntityManager,
    plan: PlanEntity,
    zone: string,
    now: Date,
  ): Promise<TakenDrug[]> {
    const original = await this.originalRequest(manager, plan);
    const today = zonedDate(now, zone);
    const taken = dosesTakenOn(this.doses.effectiveSteps(plan, zone), today, original);
    const ug = new Map<string, number>();
    for (const d of taken.doses)
      ug.set(d.drugCode, (ug.get(d.drugCode) ?? 0) + Math.round(d.mg * 1000));
    // Doses given every other day are still taken (an off day too): their daily mean.
    return [...ug]
      .filter(([, total]) => total > 0)
      .map(([drugCode, total]) => ({
        drugCode,
        mgPerDay: Math.round(total / taken.intervalDays) / 1000,
      }));
  }

  /**
   * A new proposed version re-planned from `fromDate` with the doses the patient will be
   * taking then; nothing changes until it is approved.
   */
  async revise(
    principal: Principal,
    id: string,
    body: RevisionBody,
    origin: RevisionOrigin = {},
    /** The caller's transaction, when the revision commits with its other writes (a savepoint). */
    within?: EntityManager,
  ): Promise<PlanView> {
    await this.plans.assertVisible(principal, id);
    const plan = await this.repository.transaction(async (manager) => {
      const parent = (await this.repository.lock(manager, id))!;
      if (!REVISABLE.includes(parent.status)) {
        throw ProblemException.conflict(
          `Cannot revise a plan that is ${parent.status}; only a proposed, active or paused plan can be revised.`,
        );
      }
      if (parent.status === 'proposed') await this.assertNotRevisingForce(manager, parent);
      const patient = await this.repository.patient(parent.patientId, manager);
      const today = zonedDate(this.clock.now(), patient.timezone);
      if (body.fromDate < today) {
        throw ProblemException.unprocessable(`fromDate is before today (${today}).`, [
          { field: 'fromDate', message: `must be today (${today}) or later` },
        ]);
      }
      const parentPhase = await this.originalRequest(manager, parent);
      const original = body.goal ? { ...parentPhase, goal: body.goal } : parentPhase;
      // Each time's dose with its drug: mid-switch, lorazepam and diazepam are never added. A
      // proposal gives nothing yet: it re-plans from what its request says is taken now.
      const current =
        parent.status === 'proposed'
          ? requestedDoses(parentPhase)
          : await this.dosesBefore(
              manager,
              parent,
              patient.timezone,
              { startDate: body.fromDate },
              this.clock.now(),
            );
      let from = current.doses.map(({ drugCode, mg }) => ({ drugCode, mg }));
      if (body.stepBack) {
        const back =
          original.goal.type === 'titrate'
            ? dosesOfStepBefore(
                this.doses.effectiveSteps(parent, patient.timezone),
                body.fromDate > today ? isoDateAddDays(body.fromDate, -1) : today,
                original,
              )
            : null;
        if (!back) {
          throw ProblemException.unprocessable(
            original.goal.type === 'titrate'
              ? 'No earlier step of this titration gives a dose to step back to: hold instead.'
              : 'A step back is for a titration; a taper holds (holdDays) instead.',
            [{ field: 'stepBack', message: 'send holdDays without stepBack' }],
          );
        }
        from = back;
      }
      const outcome = replanTaper(
        {
          original,
          fromDate: body.fromDate,
          currentDoses: from,
          currentIntervalDays: current.intervalDays,
          ...(body.holdDays !== undefined ? { holdDays: body.holdDays } : {}),
          ...(body.stepDays !== undefined ? { stepDays: body.stepDays } : {}),
          ...(body.strategy !== undefined ? { strategy: body.strategy } : {}),
        },
        patientFacts(patient, today),
      );
      if (outcome.kind === 'rejected') {
        if (outcome.problems.some((p) => isPlanRule(p.code))) {
          throw ruleProblem('The revised plan', outcome.problems);
        }
        throw ProblemException.unprocessable(
          outcome.problems.map((p) => p.message).join(' '),
          outcome.problems.map((p) => ({ field: p.field ?? p.code, message: p.message })),
        );
      }
      const ruleContext: StoredRuleContext = {
        currentDoses: current.doses,
        currentIntervalDays: current.intervalDays,
        holdSteps: body.holdDays ? 1 : 0,
      };
      const broken = planRuleViolations(outcome.plan, original, ruleContext);
      if (broken.length > 0) throw ruleProblem('The revised plan', broken);
      const row = {
        id: randomUUID(),
        tenantId: parent.tenantId,
        requestId: parent.requestId,
        patientId: parent.patientId,
        drugCode: parent.drugCode,
        version: await this.repository.nextVersion(manager, parent.requestId),
        status: 'proposed' as const,
        ...plannedColumns(outcome.plan),
        parentPlanId: parent.id,
      };
      await this.repository.insert(manager, row);
      await this.repository.recordProposal(manager, row, {
        actorKeyId: principal.keyId,
        reason: body.reason,
        details: {
          parentPlanId: parent.id,
          fromDate: body.fromDate,
          ...origin,
          ruleContext,
          goal: original.goal,
        },
      });
      return this.repository.reload(manager, row.id);
    }, within);
    // A revision is proposed: nobody has approved it yet.
    return toPlanView(plan, null);
  }

  /** A proposed revision of `planId` that a symptom check already made, if one waits. */
  pendingAutomaticHold(planId: string): Promise<string | undefined> {
    return this.repository.pendingAutomaticHold(planId);
  }

  /**
   * A proposal that revises a plan in force is not revised itself: its revision would re-plan
   * from the request, not from the doses given now, and approving it would leave that plan
   * running.
   */
  private async assertNotRevisingForce(
    manager: EntityManager,
    proposal: PlanEntity,
  ): Promise<void> {
    if (!proposal.parentPlanId) return;
    const inForce = await this.repository.find(manager, proposal.parentPlanId);
    if (inForce && IN_FORCE.includes(inForce.status)) {
      throw ProblemException.conflict(
        `This proposal revises plan ${inForce.id}, which is ${inForce.status}: send the revision for that plan instead (and cancel this proposal if it is not wanted).`,
      );
    }
  }

  private async change(
    principal: Principal,
    id: string,
    change: (manager: EntityManager, plan: PlanEntity, zone: string, now: Date) => Promise<void>,
  ): Promise<PlanView> {
    await this.plans.assertVisible(principal, id);
    const plan = await this.repository.transaction(async (manager) => {
      const locked = (await this.repository.lock(manager, id))!;
      const zone = await this.doses.zoneOf(manager, locked.patientId);
      await change(manager, locked, zone, this.clock.now());
      return this.repository.reload(manager, id);
    });
    return this.plans.viewOf(plan);
  }

  /** The request as a version plans it: its goal is the version's course phase. */
  phaseOf(plan: PlanEntity): Promise<TaperRequestInput> {
    return this.originalRequest(this.repository.manager, plan);
  }

  /** The request as this version plans it: a revision's own goal (its course phase) replaces the request's. */
  private async originalRequest(manager: EntityManager, plan: PlanEntity) {
    const request = await this.repository.request(manager, plan.requestId);
    const { patientId: _p, ...original } = request.body as unknown as TaperRequestBody;
    const goal = await this.repository.proposedGoal(manager, plan.id);
    return goal ? { ...original, goal } : original;
  }
}
