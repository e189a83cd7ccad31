import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock, isoDate } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { Principal, assertVisible } from '@taperwatch/auth';
import {
  PatientFacts,
  TaperRequestInput,
  checkTaperRequest,
  pastStartProblems,
  planRuleViolations,
  planTaper,
  zonedDate,
} from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { taperRequestsPlanned } from '@taperwatch/observability';
import { PatientsService } from '@taperwatch/patients';
import {
  PatientEntity,
  StoredProblem,
  TaperRequestEntity,
  numberOrNull,
} from '@taperwatch/persistence';
import {
  JOB_NAMES,
  JobQueue,
  QUEUES,
  assertQueueReady,
  enqueueOrFail,
  jobIds,
} from '@taperwatch/queues';
import { TaperRequestView, toTaperRequestView } from './plan-views';
import { plannedColumns } from './planned-columns';
import { LockedRequest, TaperRequestsRepository } from './taper-requests.repository';

export type TaperRequestBody = TaperRequestInput & { patientId: string };

/** Stale requests one batch of the sweep takes, and batches one sweep runs at most. */
const STALE_BATCH = 500;
const MAX_STALE_BATCHES = 20;

/** The reason a request that kept failing shows in GET /v1/taper-requests/:id. */
function planningFailed(attempts: number): StoredProblem[] {
  return [
    {
      code: 'planning_failed',
      message: `Planning failed ${attempts} times; the request was not planned. Submit it again.`,
    },
  ];
}

export function patientFacts(
  patient: Pick<PatientEntity, 'birthDate' | 'creatinineClearanceMlMin'>,
  today: string,
): PatientFacts {
  return {
    birthDate: patient.birthDate,
    creatinineClearanceMlMin: patient.creatinineClearanceMlMin,
    today,
  };
}

@Injectable()
export class TaperRequestsService {
  private readonly logger = new Logger(TaperRequestsService.name);

  constructor(
    private readonly repository: TaperRequestsRepository,
    private readonly patients: PatientsService,
    private readonly clock: Clock,
    @InjectQueue(QUEUES.planning) private readonly planningQueue: JobQueue<typeof QUEUES.planning>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores the request, then queues it. Redis is checked first so an outage is a fast 503 with
   * nothing stored; once the row is committed the request is accepted for good: if the enqueue
   * itself fails, the maintenance sweep queues it within one interval.
   */
  async submit(
    principal: Principal,
    body: TaperRequestBody,
    correlationId?: string,
  ): Promise<TaperRequestView> {
    const patient = await this.patients.findVisible(principal, body.patientId);
    const { patientId: _patientId, ...input } = body;
    const today = zonedDate(this.clock.now(), patient.timezone);
    const problems = [
      ...checkTaperRequest(input, patientFacts(patient, today)),
      ...pastStartProblems(input.startDate, today, patient.timezone),
    ];
    if (problems.length > 0) {
      throw ProblemException.unprocessable(
        problems.map((p) => p.message).join(' '),
        problems.map((p) => ({ field: p.field ?? p.code, message: p.message })),
      );
    }
    await assertQueueReady(this.planningQueue);
    const now = this.clock.now();
    const request = {
      id: randomUUID(),
      tenantId: principal.tenantId,
      patientId: patient.id,
      drugCode: body.drugCode,
      body: body as unknown as Record<string, unknown>,
      status: 'queued' as const,
      planId: null,
      problems: null,
      attempts: 0,
      createdBy: principal.keyId,
      correlationId: correlationId ?? null,
      createdAt: now,
      updatedAt: now,
    } satisfies TaperRequestEntity;
    // One named statement, and the answer is what it wrote: the request is queued (a worker
    // may plan it before this answer leaves; GET says so then).
    await this.repository.insert(request);
    await this.enqueue(request.id, correlationId).catch((error: unknown) =>
      this.logger.warn(
        { requestId: request.id, err: { message: (error as Error).message } },
        'enqueue failed after commit; the sweep will queue it',
      ),
    );
    return toTaperRequestView({ ...request, coMedications: body.coMedications });
  }

  /** What integrators poll until the request is planned: one named statement. */
  async get(principal: Principal, id: string): Promise<TaperRequestView> {
    const row = await this.repository.visible(id, principal.tenantId);
    return toTaperRequestView(assertVisible(principal, row ?? null, 'Taper request'));
  }

  enqueue(requestId: string, correlationId?: string): Promise<void> {
    return enqueueOrFail(
      this.planningQueue,
      JOB_NAMES.planRequest,
      { requestId, correlationId },
      { jobId: jobIds.planRequest(requestId) },
    );
  }

  /**
   * Plans one request (the worker's job). Each attempt is counted in Postgres first: the one past
   * PLANNING_MAX_ATTEMPTS ends the request failed, and so does a failure of the last one, so a
   * request that cannot be planned never stays queued. The row lock makes a second worker wait
   * and then find the request already planned; the unique plan.request_id is the last line of
   * defence. Returns what happened, for logs and tests.
   */
  async plan(requestId: string): Promise<'planned' | 'rejected' | 'failed' | 'skipped'> {
    const max = this.config.PLANNING_MAX_ATTEMPTS;
    const attempt = await this.repository.countAttempt(
      requestId,
      max,
      this.clock.now(),
      planningFailed(max),
    );
    // Planned, rejected or failed already, or gone.
    if (!attempt) return 'skipped';
    if (attempt.status === 'failed') {
      this.failed(requestId, max);
      return 'failed';
    }
    let outcome: 'planned' | 'rejected' | 'skipped';
    try {
      outcome = await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, requestId);
        if (!locked || locked.status !== 'queued') return 'skipped' as const;
        return this.planLocked(manager, locked);
      });
    } catch (error) {
      if (attempt.attempts >= max) {
        // Best effort: if Postgres is what failed, the next attempt (or the sweep's) ends it.
        if (await this.markFailed(requestId, attempt.attempts).catch(() => false)) return 'failed';
      }
      throw error;
    }
    if (outcome !== 'skipped') taperRequestsPlanned.inc({ outcome });
    return outcome;
  }

  private async planLocked(
    manager: EntityManager,
    request: LockedRequest,
  ): Promise<'planned' | 'rejected'> {
    const { patientId: _p, ...input } = request.body;
    const facts = patientFacts(
      { birthDate: request.birthDate, creatinineClearanceMlMin: numberOrNull(request.clearance) },
      isoDate(this.clock.now()),
    );
    const result = planTaper(input, facts);
    // The second line of defence: whatever the planner did, a plan that breaks the catalogue's
    // rules is never proposed; the request is rejected naming them.
    const problems =
      result.kind === 'rejected' ? result.problems : planRuleViolations(result.plan, input);
    if (result.kind === 'rejected' || problems.length > 0) {
      await this.repository.reject(manager, request.id, problems);
      return 'rejected';
    }
    const plan = result.plan;
    const planId = randomUUID();
    await this.repository.planned(manager, request.id, {
      id: planId,
      tenantId: request.tenantId,
      requestId: request.id,
      patientId: request.patientId,
      drugCode: plan.drugCode,
      version: 1,
      status: 'proposed',
      ...plannedColumns(plan),
    });
    this.logger.log(
      { requestId: request.id, planId, correlationId: request.correlationId },
      'planned',
    );
    return 'planned';
  }

  /** Ends a queued request failed after `attempts` attempts; false when it was not queued. */
  private async markFailed(requestId: string, attempts: number): Promise<boolean> {
    if (!(await this.repository.markFailed(requestId, planningFailed(attempts)))) return false;
    this.failed(requestId, attempts);
    return true;
  }

  private failed(requestId: string, attempts: number): void {
    taperRequestsPlanned.inc({ outcome: 'failed' });
    this.logger.warn({ requestId, attempts }, 'planning failed after its attempts');
  }

  /**
   * Requests still queued after `olderThanMs` untouched: their job was lost (Redis flushed), or
   * failed for good while Postgres was away (BullMQ keeps a failed job, so adding it again by its
   * id would do nothing). Each is queued again, its finished job removed first; one whose job
   * still waits or runs is only touched. Pages through every stale request, oldest first.
   */
  async requeueStale(olderThanMs: number): Promise<number> {
    let requeued = 0;
    for (let batch = 0; batch < MAX_STALE_BATCHES; batch++) {
      const now = this.clock.now();
      const rows = await this.repository.claimStale(
        new Date(now.getTime() - olderThanMs),
        now,
        STALE_BATCH,
      );
      for (const row of rows) {
        if (await this.requeue(row.id, row.correlation_id ?? undefined)) requeued++;
      }
      if (rows.length < STALE_BATCH) break;
    }
    return requeued;
  }

  /** Queues a request again unless its job is still waiting or running; true when it did. */
  private async requeue(requestId: string, correlationId?: string): Promise<boolean> {
    const job = await this.planningQueue.getJob(jobIds.planRequest(requestId));
    if (job) {
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed' && state !== 'unknown') return false;
      await job.remove();
    }
    await this.enqueue(requestId, correlationId);
    return true;
  }
}
