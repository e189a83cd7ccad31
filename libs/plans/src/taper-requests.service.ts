import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, isoDate } from '@taperwatch/common';
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
  TaperRequestEntity,
  numberOrNull,
  preparedQuery,
} from '@taperwatch/persistence';
import {
  JOB_NAMES,
  PlanRequestJob,
  QUEUES,
  assertQueueReady,
  enqueueOrFail,
  jobIds,
} from '@taperwatch/queues';
import { TaperRequestView, toTaperRequestView } from './plan-view';
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
       r.plan_id AS "planId", r.problems, r.created_at AS "createdAt",
       r.updated_at AS "updatedAt", p.unit_id AS "unitId"
FROM taper_requests r JOIN patients p ON p.id = r.patient_id
WHERE r.id = $1 AND r.tenant_id = $2`;

type VisibleRequest = Parameters<typeof toTaperRequestView>[0] & { unitId: string };

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
    @InjectQueue(QUEUES.planning) private readonly planningQueue: Queue<PlanRequestJob>,
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
      createdBy: principal.keyId,
      correlationId: correlationId ?? null,
      createdAt: now,
      updatedAt: now,
    } satisfies TaperRequestEntity;
    // One named statement, and the answer is what it wrote: the request is queued (a worker
    // may plan it before this answer leaves; GET says so then).
    await preparedQuery(
      this.dataSource,
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
    return toTaperRequestView(request);
  }

  /** What integrators poll until the request is planned: one named statement. */
  async get(principal: Principal, id: string): Promise<TaperRequestView> {
    const [row] = await preparedQuery<VisibleRequest>(
      this.dataSource,
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
   * Plans one request (the worker's job). The row lock makes a second worker wait and then find
   * the request already planned; the unique plan.request_id is the last line of defence.
   * Returns what happened, for logs and tests.
   */
  async plan(requestId: string): Promise<'planned' | 'rejected' | 'skipped'> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const [locked] = (await manager.query(LOCK_REQUEST_SQL, [requestId])) as LockedRequest[];
      if (!locked || locked.status === 'planned' || locked.status === 'rejected') {
        return 'skipped' as const;
      }
      return this.planLocked(manager, locked);
    });
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

  /** After the last retry: the request is marked failed so nobody waits on it forever. */
  async markFailed(requestId: string): Promise<void> {
    await this.dataSource.getRepository(TaperRequestEntity).update(
      { id: requestId, status: 'queued' },
      {
        status: 'failed',
        problems: [
          { code: 'planning_failed', message: 'Planning failed after retries; submit again.' },
        ],
      },
    );
    taperRequestsPlanned.inc({ outcome: 'failed' });
  }

  /** Requests still queued after `olderThanMs` (their job was lost): queue them again. */
  async requeueStale(olderThanMs: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanMs);
    const stale = await this.dataSource
      .getRepository(TaperRequestEntity)
      .createQueryBuilder('r')
      .select(['r.id', 'r.correlationId'])
      .where("r.status = 'queued' AND r.updated_at < :cutoff", { cutoff })
      .orderBy('r.updated_at')
      .limit(500)
      .getMany();
    for (const r of stale) await this.enqueue(r.id, r.correlationId ?? undefined);
    return stale.length;
  }
}
