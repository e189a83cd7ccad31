import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { PlanStep, expandDoses, heldSteps, zonedDate } from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';
import { DoseRowInput, DosesRepository } from './doses.repository';
import { applyTransition } from './plan-transitions.repository';

const HOUR_MS = 3_600_000;
/**
 * Plans a horizon run locks and writes in one transaction: the run goes through every plan a page
 * at a time, so its memory and the time a page holds its plans' locks stay bounded.
 */
const HORIZON_PAGE = 250;

export interface HorizonRun {
  plans: number;
  rows: number;
  completed: number;
}

/**
 * Turns plans into dose rows at the patient's clock times, a rolling horizon at a time: a
 * 60-week plan has a week of rows, never thousands. Rows are keyed (plan, dueAt, drug), so writing
 * a window again never duplicates a dose.
 */
@Injectable()
export class DoseScheduleService {
  private readonly logger = new Logger(DoseScheduleService.name);

  constructor(
    private readonly repository: DosesRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  horizonEnd(now: Date): Date {
    return new Date(now.getTime() + this.config.DOSE_HORIZON_DAYS * 24 * HOUR_MS);
  }

  /** The steps doses follow now: while paused, the held step without end. */
  effectiveSteps(plan: PlanEntity, zone: string): PlanStep[] {
    const steps = plan.steps as PlanStep[];
    return plan.status === 'paused' && plan.pausedAt
      ? heldSteps(steps, zonedDate(plan.pausedAt, zone))
      : steps;
  }

  /**
   * Writes the plan's doses due in [from, to). `replace` also re-doses rows still scheduled in
   * the window (pause, resume) and cancels those the plan no longer has; recorded doses are
   * never touched. Returns the rows inserted or changed.
   */
  async writeWindow(
    manager: EntityManager,
    plan: PlanEntity,
    zone: string,
    from: Date,
    to: Date,
    mode: 'keep' | 'replace',
  ): Promise<number> {
    const doses = expandDoses(this.effectiveSteps(plan, zone), zone, from, to);
    let written = 0;
    if (doses.length > 0) written += await this.repository.writeDoses(manager, plan, doses, mode);
    if (mode === 'replace') {
      written += await this.repository.cancelOthers(manager, plan.id, from, to, doses);
    }
    return written;
  }

  /** Cancels the plan's doses still scheduled from `from` on (cancel, supersede). */
  cancelFrom(manager: EntityManager, planId: string, from: Date): Promise<number> {
    return this.repository.cancelFrom(manager, planId, from);
  }

  zoneOf(manager: EntityManager, patientId: string): Promise<string> {
    return this.repository.zoneOf(manager, patientId);
  }

  /**
   * The job scheduler's work: for every plan in force whose rows end before now + horizon,
   * write the missing days; a running plan whose last day has passed is completed. One run goes
   * through all such plans, a page at a time in plan id order; two workers skip each other's
   * locked plans.
   */
  async extendHorizon(): Promise<HorizonRun> {
    const now = this.clock.now();
    const until = this.horizonEnd(now);
    const run: HorizonRun = { plans: 0, rows: 0, completed: 0 };
    let after: string | null = null;
    do {
      const from: string | null = after;
      after = await this.repository.transaction((manager) =>
        this.extendPage(manager, now, until, from, run),
      );
    } while (after !== null);
    if (run.rows > 0 || run.completed > 0) this.logger.log(run, 'dose horizon extended');
    return run;
  }

  /**
   * One page of a horizon run: locks up to HORIZON_PAGE plans after plan `after`, writes their
   * missing rows with one INSERT and their new horizon with one UPDATE, and completes those whose
   * last day has passed. Adds to `run`; the last plan's id, or null when no page follows.
   */
  private async extendPage(
    manager: EntityManager,
    now: Date,
    until: Date,
    after: string | null,
    run: HorizonRun,
  ): Promise<string | null> {
    const plans = await this.repository.lockPlansBehind(manager, until, after, HORIZON_PAGE);
    if (plans.length === 0) return null;
    const zones = await this.repository.zonesOf(
      manager,
      plans.map((plan) => plan.patientId),
    );
    const zoneOf = (plan: PlanEntity) => {
      const zone = zones.get(plan.patientId);
      if (zone === undefined) throw new Error(`the patient of plan ${plan.id} was not found`);
      return zone;
    };
    const rows: DoseRowInput[] = [];
    const extended: string[] = [];
    for (const plan of plans) {
      const zone = zoneOf(plan);
      const from = plan.dosesUntil ?? plan.approvedAt ?? now;
      if (from < until) {
        for (const dose of expandDoses(this.effectiveSteps(plan, zone), zone, from, until)) {
          rows.push({ plan, dose });
        }
        extended.push(plan.id);
      }
    }
    run.rows += await this.repository.insertDoses(manager, rows, 'keep');
    await this.repository.setDosesUntil(manager, extended, until);
    run.plans += plans.length;
    for (const plan of plans) {
      if (plan.status === 'active' && zonedDate(now, zoneOf(plan)) > plan.endDate) {
        await this.complete(manager, plan);
        run.completed++;
      }
    }
    return plans.length < HORIZON_PAGE ? null : plans[plans.length - 1]!.id;
  }

  private async complete(manager: EntityManager, plan: PlanEntity): Promise<void> {
    await applyTransition(manager, plan, 'complete', {
      actorKeyId: null,
      reason: `The last step ended on ${plan.endDate}.`,
    });
  }
}
