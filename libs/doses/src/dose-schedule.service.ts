import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { PlanStep, expandDoses, heldSteps, zonedDate } from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';
import { DosesRepository } from './doses.repository';
import { applyTransition, lockPlan } from './plan-transitions.repository';

const HOUR_MS = 3_600_000;
/** Plans one horizon run takes; the next run takes the rest. */
const HORIZON_BATCH = 500;

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
   * write the missing days; a running plan whose last day has passed is completed. Two workers
   * skip each other's locked plans.
   */
  async extendHorizon(): Promise<HorizonRun> {
    const now = this.clock.now();
    const until = this.horizonEnd(now);
    const due = await this.repository.plansBehind(until, HORIZON_BATCH);
    const run: HorizonRun = { plans: 0, rows: 0, completed: 0 };
    for (const id of due) {
      await this.repository.transaction(async (manager) => {
        const plan = await lockPlan(manager, id, true);
        if (!plan || (plan.status !== 'active' && plan.status !== 'paused')) return;
        const zone = await this.zoneOf(manager, plan.patientId);
        const from = plan.dosesUntil ?? plan.approvedAt ?? now;
        if (from < until) {
          run.rows += await this.writeWindow(manager, plan, zone, from, until, 'keep');
          await this.repository.setDosesUntil(manager, id, until);
        }
        run.plans++;
        if (plan.status === 'active' && zonedDate(now, zone) > plan.endDate) {
          await this.complete(manager, plan);
          run.completed++;
        }
      });
    }
    if (run.rows > 0 || run.completed > 0) this.logger.log(run, 'dose horizon extended');
    return run;
  }

  private async complete(manager: EntityManager, plan: PlanEntity): Promise<void> {
    await applyTransition(manager, plan, 'complete', {
      actorKeyId: null,
      reason: `The last step ended on ${plan.endDate}.`,
    });
  }
}
