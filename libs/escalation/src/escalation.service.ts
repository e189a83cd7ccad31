import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import {
  EscalationPolicy,
  EscalationState,
  ExpectedStep,
  acknowledgeEscalation,
  fireEscalation,
  isEscalationDue,
  openEscalation,
  resolveEscalation,
} from '@taperwatch/domain';
import {
  alertsUndeliverable,
  escalationLateness,
  escalationSweepFindings,
} from '@taperwatch/observability';
import { AlertEscalationEntity } from '@taperwatch/persistence';
import {
  EscalateJob,
  JOB_NAMES,
  JobQueue,
  QUEUES,
  enqueueBulkOrFail,
  enqueueOrFail,
  jobIds,
} from '@taperwatch/queues';
import { AlertEscalations, AlertEvents, AlertView, toAlertView } from '@taperwatch/alerts';
import { EffectivePolicy, EscalationPoliciesService } from './escalation-policies.service';
import { EscalationRepository } from './escalation.repository';

/** Rows one sweep transaction fires; what is left is the next batch's. */
const SWEEP_BATCH = 100;
const SWEEP_MAX_BATCHES = 50;

type FiredBy = 'job' | 'sweep';

/** What a committed firing still has to do outside the transaction. */
interface Fired {
  tenantId: string;
  view: AlertView;
  escalated: boolean;
  deliveryIds: string[];
  next: AlertEscalationEntity;
}

/**
 * The engine counts rounds from 0; a restarted escalation (a re-opened or transferred alert)
 * stores its rounds from loopBase on, so its deliveries and jobs never reuse an earlier key.
 */
function toState(row: AlertEscalationEntity): EscalationState {
  return {
    step: row.step,
    loop: row.loop - row.loopBase,
    level: row.level,
    nextAt: row.nextAt ? row.nextAt.getTime() : null,
    // Only rows with a policy reach the engine; undeliverable ones never become active.
    status: row.status === 'undeliverable' ? 'ended' : row.status,
  };
}

/**
 * The escalation engine's effects (GoAlert's step/loop engine, docs/architecture.md). Postgres holds each alert's step, loop and
 * next time; a delayed job per step is the alarm clock and carries the step it expects (Grafana
 * OnCall's stale-task guard), and a SKIP LOCKED sweep fires whatever step a lost job left due.
 * Row locks are always taken escalation row first, alert row second, so firing, acknowledging
 * and resolving cannot deadlock.
 */
@Injectable()
export class EscalationService implements AlertEscalations {
  private readonly logger = new Logger(EscalationService.name);

  constructor(
    private readonly repository: EscalationRepository,
    private readonly clock: Clock,
    private readonly policies: EscalationPoliciesService,
    private readonly events: AlertEvents,
    @InjectQueue(QUEUES.escalations)
    private readonly escalations: JobQueue<typeof QUEUES.escalations>,
    @InjectQueue(QUEUES.deliveries) private readonly deliveries: JobQueue<typeof QUEUES.deliveries>,
  ) {}

  /**
   * The escalation a new alert of this unit starts with: the policy in force now, frozen onto
   * it. Not stored here: the alert's own statement inserts it (OPEN_ALERT_SQL), so no alert is
   * ever committed without one.
   */
  async initial(alertId: string, tenantId: string, unitId: string): Promise<AlertEscalationEntity> {
    const effective = await this.policies.effective(this.repository.manager, tenantId, unitId);
    const now = this.clock.now().getTime();
    return Object.assign(new AlertEscalationEntity(), {
      alertId,
      tenantId,
      unitId,
      failedDeliveries: 0,
      lastFiredAt: null,
      loopBase: 0,
      ...this.fresh(effective, now, 0),
    });
  }

  /**
   * Starts the escalation of a live alert again from step 0 under its unit's policy in force
   * now: a new miss after an acknowledgement, or the patient moved to another unit. Inside the
   * caller's transaction and before it touches the alert row (escalation row first, as
   * everywhere). Deliveries still waiting to retry are cancelled: they belong to the old round.
   * The caller passes the result to `opened` after commit.
   */
  async restart(
    manager: EntityManager,
    alertId: string,
    unitId: string,
    why: string,
  ): Promise<AlertEscalationEntity | null> {
    const row = await this.repository.lock(manager, alertId);
    if (!row) return null;
    const effective = await this.policies.effective(manager, row.tenantId, unitId);
    // Past every round the old escalation used, so no delivery row or job id is reused.
    const loopBase = row.loop + 1;
    const columns = {
      unitId,
      loopBase,
      ...this.fresh(effective, this.clock.now().getTime(), loopBase),
    };
    await this.repository.update(manager, alertId, columns);
    await this.repository.setAlertLevel(manager, alertId, 0);
    await this.repository.cancelPendingDeliveries(manager, alertId, why);
    return Object.assign(row, columns);
  }

  /** The columns of an escalation starting now, or undeliverable when no policy reaches it. */
  private fresh(effective: EffectivePolicy | null, now: number, loopBase: number) {
    return effective
      ? this.columns(
          openEscalation(effective.policy, now),
          effective.policy,
          effective.source,
          loopBase,
        )
      : {
          status: 'undeliverable' as const,
          step: 0,
          loop: loopBase,
          level: 0,
          nextAt: null,
          policy: null,
          policySource: null,
        };
  }

  /** After the alert's commit: arms step 0, or reports loudly that nobody can be told. */
  async opened(row: AlertEscalationEntity): Promise<void> {
    if (row.status === 'undeliverable') {
      alertsUndeliverable.inc();
      this.logger.error(
        { alertId: row.alertId, unitId: row.unitId },
        'alert is undeliverable: the unit has no escalation policy and there is no tenant default',
      );
      return;
    }
    await this.schedule(row);
  }

  /** The delayed job's entry: fires the step only if the alert still waits on it. */
  async advance(expected: EscalateJob): Promise<'fired' | 'stale'> {
    const now = this.clock.now();
    const fired = await this.repository.transaction(async (manager) => {
      const row = await this.repository.lock(manager, expected.alertId);
      const step: ExpectedStep = { step: expected.step, loop: expected.loop };
      if (!row) return null;
      const relative = { ...step, loop: step.loop - row.loopBase };
      if (!isEscalationDue(toState(row), relative, now.getTime())) return null;
      return this.fireLocked(manager, row, now, 'job');
    });
    if (!fired) return 'stale';
    await this.afterFiring([fired]);
    return 'fired';
  }

  /** The backstop: due steps whose job was lost (flushed Redis, crash before enqueue). */
  async sweep(): Promise<{ fired: number }> {
    let fired = 0;
    for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const results = await this.repository.transaction(async (manager) => {
        const rows = await this.repository.lockDue(manager, now, SWEEP_BATCH);
        const out: Fired[] = [];
        for (const row of rows) out.push(await this.fireLocked(manager, row, now, 'sweep'));
        return out;
      });
      await this.afterFiring(results);
      fired += results.length;
      if (results.length < SWEEP_BATCH) break;
    }
    if (fired > 0) {
      escalationSweepFindings.inc(fired);
      this.logger.warn({ steps: fired }, 'escalation sweep fired steps that no job had');
    }
    return { fired };
  }

  /**
   * Acknowledge (stops at once) or resolve (ends), inside the caller's transaction and before
   * it touches the alert row. Pending deliveries are cancelled: someone has seen the alert.
   */
  async stop(
    manager: EntityManager,
    alertId: string,
    how: 'acknowledged' | 'ended',
  ): Promise<void> {
    const row = await this.repository.lock(manager, alertId);
    if (!row) return;
    if (row.status !== 'undeliverable' || how === 'ended') {
      const state =
        how === 'ended' ? resolveEscalation(toState(row)) : acknowledgeEscalation(toState(row));
      await this.repository.update(manager, alertId, {
        status: state.status,
        nextAt: state.nextAt === null ? null : new Date(state.nextAt),
      });
    }
    await this.repository.cancelPendingDeliveries(
      manager,
      alertId,
      how === 'ended' ? 'alert resolved' : 'alert acknowledged',
    );
  }

  private columns(
    state: EscalationState,
    policy: EscalationPolicy,
    source: 'unit' | 'default',
    loopBase: number,
  ) {
    return {
      ...this.stateColumns(state, loopBase),
      policy,
      policySource: source,
    };
  }

  private stateColumns(state: EscalationState, loopBase: number) {
    return {
      status: state.status,
      step: state.step,
      loop: state.loop + loopBase,
      level: state.level,
      nextAt: state.nextAt === null ? null : new Date(state.nextAt),
    };
  }

  /**
   * Fires the locked row's pending step: writes one delivery row per target (unique per alert,
   * step, loop and target, so a second firing writes nothing), moves the state on and raises
   * the alert's level from step 1 on. The body is fixed here so every retry sends the same bytes;
   * each row also carries the alert's drug, so the sender never reads the plan.
   */
  private async fireLocked(
    manager: EntityManager,
    row: AlertEscalationEntity,
    now: Date,
    firedBy: FiredBy,
  ): Promise<Fired> {
    if (row.nextAt) {
      escalationLateness.observe(
        { fired_by: firedBy },
        Math.max(0, now.getTime() - row.nextAt.getTime()) / 1000,
      );
    }
    const result = fireEscalation(toState(row), row.policy!, now.getTime());
    const columns = this.stateColumns(result.state, row.loopBase);
    Object.assign(row, columns, { lastFiredAt: now });
    await this.repository.update(manager, row.alertId, { ...columns, lastFiredAt: now });
    if (result.escalated) {
      await this.repository.setAlertLevel(manager, row.alertId, result.state.level);
    }
    const alert = await this.repository.findAlert(manager, row.alertId);
    const view = toAlertView(alert, row);
    const eventType = result.escalated ? 'alert.escalated' : 'alert.created';
    const targets = result.deliveries;
    const deliveryIds = targets.length
      ? await this.repository.insertDeliveries(manager, {
          tenantId: row.tenantId,
          alertId: row.alertId,
          planId: alert.planId,
          step: targets[0]!.step,
          loop: targets[0]!.loop + row.loopBase,
          eventType,
          payload: JSON.stringify({ type: eventType, timestamp: now.toISOString(), data: view }),
          nextAttemptAt: now,
          targets: targets.map((d) => ({
            targetIndex: d.targetIndex,
            channel: d.target.type,
            target: d.target.type === 'webhook' ? d.target.url : d.target.address,
          })),
        })
      : [];
    return { tenantId: row.tenantId, view, escalated: result.escalated, deliveryIds, next: row };
  }

  /** After commit: deliveries first (they are late already), then the next step, then SSE. */
  private async afterFiring(fired: Fired[]): Promise<void> {
    const jobs = fired.flatMap((f) =>
      f.deliveryIds.map((deliveryId) => ({
        name: JOB_NAMES.deliver,
        data: { deliveryId },
        opts: { jobId: jobIds.deliver(deliveryId, 1) },
      })),
    );
    if (jobs.length > 0) {
      // A lost add is the delivery sweep's to find; the rows are committed.
      await enqueueBulkOrFail(this.deliveries, jobs).catch((error: Error) => {
        this.logger.warn({ err: { message: error.message } }, 'could not queue deliveries');
      });
    }
    for (const f of fired) {
      await this.schedule(f.next);
      if (f.escalated) {
        await this.events.publish({ type: 'alert.escalated', tenantId: f.tenantId, alert: f.view });
      }
    }
  }

  /** Queues the pending step's job; if Redis is away, the sweep fires the step instead. */
  private async schedule(row: AlertEscalationEntity): Promise<void> {
    if (row.status !== 'active' || !row.nextAt) return;
    const job: EscalateJob = { alertId: row.alertId, step: row.step, loop: row.loop };
    const delay = Math.max(0, row.nextAt.getTime() - this.clock.now().getTime());
    await enqueueOrFail(this.escalations, JOB_NAMES.escalate, job, {
      jobId: jobIds.escalate(job),
      delay,
    }).catch((error: Error) => {
      this.logger.warn(
        { alertId: row.alertId, err: { message: error.message } },
        'could not queue the next escalation step; the sweep will fire it',
      );
    });
  }
}
