import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  StoredProblem,
  TaperRequestEntity,
  countedQuery,
  preparedQuery,
} from '@taperwatch/persistence';
import type { toTaperRequestView } from './plan-views';
import { NewPlan, PlansRepository } from './plans.repository';
import type { TaperRequestBody } from './taper-requests.service';

/** The request, locked, with what the planner needs of its patient: one round trip. */
const LOCK_REQUEST_SQL = `
SELECT r.id, r.tenant_id AS "tenantId", r.patient_id AS "patientId", r.body, r.status,
       r.correlation_id AS "correlationId", p.birth_date AS "birthDate",
       p.creatinine_clearance_ml_min AS "clearance"
FROM taper_requests r JOIN patients p ON p.id = r.patient_id
WHERE r.id = $1
FOR UPDATE OF r`;

export type LockedRequest = Pick<
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

export type VisibleRequest = Parameters<typeof toTaperRequestView>[0] & { unitId: string };

const INSERT_REQUEST_SQL = `
INSERT INTO taper_requests (id, tenant_id, patient_id, drug_code, body, status, created_by,
                            correlation_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`;

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

/** One counted planning attempt: how many so far, and the status it left the request in. */
export interface PlanningAttempt {
  attempts: number;
  status: string;
}

/**
 * Every statement of taper requests and their planning (decision 0030). Submitting, polling and
 * counting attempts are named statements; planning runs in the transaction holding the request's
 * row lock, passed as its manager.
 */
@Injectable()
export class TaperRequestsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlansRepository,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Stores a new request as it was accepted, updated when created. */
  async insert(request: TaperRequestEntity): Promise<void> {
    await preparedQuery(this.dataSource.manager, 'taper-request-insert', INSERT_REQUEST_SQL, [
      request.id,
      request.tenantId,
      request.patientId,
      request.drugCode,
      JSON.stringify(request.body),
      request.status,
      request.createdBy,
      request.correlationId,
      request.createdAt,
    ]);
  }

  /** The request as its view needs it, if it is the tenant's. */
  async visible(id: string, tenantId: string): Promise<VisibleRequest | undefined> {
    const [row] = await preparedQuery<VisibleRequest>(
      this.dataSource.manager,
      'taper-request-by-id',
      REQUEST_BY_ID_SQL,
      [id, tenantId],
    );
    return row;
  }

  /**
   * Counts a planning attempt of the queued request; past `max` attempts the request ends failed
   * with `problems`. Undefined when the request is no longer queued (or gone).
   */
  async countAttempt(
    requestId: string,
    max: number,
    now: Date,
    problems: StoredProblem[],
  ): Promise<PlanningAttempt | undefined> {
    const [attempt] = await preparedQuery<{ attempts: number; status: string }>(
      this.dataSource.manager,
      'taper-request-attempt',
      COUNT_ATTEMPT_SQL,
      [requestId, max, now, JSON.stringify(problems)],
    );
    return attempt;
  }

  /** The request locked for the caller's transaction, with its patient's facts. */
  async lock(manager: EntityManager, requestId: string): Promise<LockedRequest | undefined> {
    const [locked] = (await manager.query(LOCK_REQUEST_SQL, [requestId])) as LockedRequest[];
    return locked;
  }

  async reject(manager: EntityManager, requestId: string, problems: StoredProblem[]) {
    await manager.update(TaperRequestEntity, { id: requestId }, { status: 'rejected', problems });
  }

  /** Stores the request's first plan and marks the request planned with it. */
  async planned(manager: EntityManager, requestId: string, plan: NewPlan): Promise<void> {
    await this.plans.insert(manager, plan);
    await manager.update(
      TaperRequestEntity,
      { id: requestId },
      { status: 'planned', planId: plan.id },
    );
  }

  /** Ends a queued request failed with `problems`; false when it was not queued. */
  async markFailed(requestId: string, problems: StoredProblem[]): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(TaperRequestEntity)
      .update({ id: requestId, status: 'queued' }, { status: 'failed', problems });
    return !!result.affected;
  }

  /** Touches and answers up to `limit` requests queued and untouched since `before`, oldest first. */
  async claimStale(
    before: Date,
    now: Date,
    limit: number,
  ): Promise<{ id: string; correlation_id: string | null }[]> {
    const { rows } = await countedQuery<{ id: string; correlation_id: string | null }>(
      this.dataSource.manager,
      CLAIM_STALE_SQL,
      [before, now, limit],
    );
    return rows;
  }
}
