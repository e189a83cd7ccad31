import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
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
  PlanEntity,
  StoredProblem,
  TaperRequestEntity,
  numberOrNull,
  countedQuery,
  preparedQuery,
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

export type TaperRequestBody = TaperRequestInput & { patientId: string };

/** The request, locked, with what the planner needs of its patient: one round trip. */
const LOCK_REQUEST_SQL = `
SELECT r.id, r.tenant_id AS "tenantId", r.patient_id AS "patientId", r.body, r.status,
       r.correlation_id AS "correlationId", p.birth_date AS "birthDate",
       p.creatinine_clearance_ml_min AS "clearance"
FROM taper_requests r JOIN patients p ON p.id = r.patient_id
WHERE r.id = $1
FOR UPDATE OF r`;

type LockedRequest = Pick<
  TaperRequestEntity,
  'id' | 'tenantId' | 'patientId' | 'status' | 'correlationId'
> & {
  body: TaperRequestBody;
  birthDate: string | null;
  /** numeric, as text */
  clearance: string | null;
};

/** A request as its view needs it, with its patient's unit for the visibility check. */
const REQUEST_BY_ID_SQL = `
SELECT r.id, r.status, r.patient_id AS "patientId", r.drug_code AS "drugCode",
       r.plan_id AS "planId", r.problems, r.body -> 'coMedications' AS "coMedications",
       r.created_at AS "createdAt",
       r.updated_at AS "updatedAt", p.unit_id AS "unitId"
FROM taper_requests r JOIN patients p ON p.id = r.patient_id
WHERE r.id = $1 AND r.tenant_id = $2`;

type VisibleRequest = Parameters<typeof toTaperRequestView>[0] & { unitId: string };

/**
 * Counts one planning attempt of queued request $1 ($3 = now); past $2 attempts it ends the
 * request failed with problems $4 instead. Nothing comes back for a request no longer queued.
 */
const COUNT_ATTEMPT_SQL = `
UPDATE taper_requests SET attempts = attempts + 1, updated_at = $3,
  status = CASE WHEN attempts >= $2 THEN 'failed' ELSE status END,
  problems = CASE WHEN attempts >= $2 THEN $4::jsonb ELSE problems END
WHERE id = $1 AND status = 'queued'
RETURNING attempts, status`;

/**
 * Takes up to $3 requests queued and untouched since $1, oldest first, and touches them ($2 =
 * now): the next batch, and the next sweep, start with the ones after them, so every stale
 * request is reached however many there are. SKIP LOCKED passes over one being planned.
 */
const CLAIM_STALE_SQL = `
UPDATE taper_requests SET updated_at = $2
WHERE id IN (
  SELECT id FROM taper_requests
  WHERE status = 'queued' AND updated_at < $1
  ORDER BY updated_at, id LIMIT $3
  FOR UPDATE SKIP LOCKED)
RETURNING id, correlation_id`;

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
    private readonly dataSource: DataSource,
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
    await preparedQuery(
      this.dataSource.manager,
      'taper-request-insert',
      `INSERT INTO taper_requests (id, tenant_id, patient_id, drug_code, body, status, created_by,
                                   correlation_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [
        request.id,
        request.tenantId,
        request.patientId,
        request.drugCode,
        JSON.stringify(request.body),
        request.status,
        request.createdBy,
        request.correlationId,
        now,
      ],
    );
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
    const [row] = await preparedQuery<VisibleRequest>(
      this.dataSource.manager,
      'taper-request-by-id',
      REQUEST_BY_ID_SQL,
      [id, principal.tenantId],
    );
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
    const [attempt] = await preparedQuery<{ attempts: number; status: string }>(
      this.dataSource.manager,
      'taper-request-attempt',
      COUNT_ATTEMPT_SQL,
      [requestId, max, this.clock.now(), JSON.stringify(planningFailed(max))],
    );
    // Planned, rejected or failed already, or gone.
    if (!attempt) return 'skipped';
    if (attempt.status === 'failed') {
      this.failed(requestId, max);
      return 'failed';
    }
    let outcome: 'planned' | 'rejected' | 'skipped';
    try {
      outcome = await this.dataSource.transaction(async (manager) => {
        const [locked] = (await manager.query(LOCK_REQUEST_SQL, [requestId])) as LockedRequest[];
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
      await manager.update(
        TaperRequestEntity,
        { id: request.id },
        { status: 'rejected', problems },
      );
      return 'rejected';
    }
    const plan = result.plan;
    const planId = randomUUID();
    await manager.insert(PlanEntity, {
      id: planId,
      tenantId: request.tenantId,
      requestId: request.id,
      patientId: request.patientId,
      drugCode: plan.drugCode,
      version: 1,
      status: 'proposed',
      ...plannedColumns(plan),
    });
    await manager.update(TaperRequestEntity, { id: request.id }, { status: 'planned', planId });
    this.logger.log(
      { requestId: request.id, planId, correlationId: request.correlationId },
      'planned',
    );
    return 'planned';
  }

  /** Ends a queued request failed after `attempts` attempts; false when it was not queued. */
  private async markFailed(requestId: string, attempts: number): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(TaperRequestEntity)
      .update(
        { id: requestId, status: 'queued' },
        { status: 'failed', problems: planningFailed(attempts) },
      );
    if (!result.affected) return false;
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
      const { rows } = await countedQuery<{ id: string; correlation_id: string | null }>(
        this.dataSource.manager,
        CLAIM_STALE_SQL,
        [new Date(now.getTime() - olderThanMs), now, STALE_BATCH],
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
