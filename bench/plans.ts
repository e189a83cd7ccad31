import { isoDate } from '@taperwatch/common';
import { ApiClient } from './http/api-client';
import { diazepam60Weeks, taperRequestBody } from './lib/requests';
import { query } from './lib/services';
import { LatencySummary, latencySummary } from './lib/stats';

export interface ApproveResult {
  plans: number;
  /** Weeks from the plan's startDate to its endDate (the same request each time). */
  planWeeks: number;
  steps: number;
  /** Client time of POST /v1/plans/:id/approve (200). */
  approveMs: LatencySummary;
  /** `SELECT count(*) FROM doses WHERE plan_id = $1` right after approval. */
  rowsWritten: { min: number; max: number; perPlan: number[] };
}

interface PlanView {
  startDate: string;
  endDate: string;
  steps: unknown[];
}

const WEEK_MS = 7 * 86_400_000;

/**
 * Approves `count` 60-week diazepam plans, one per new patient (one plan in force per patient
 * and drug): the time of each approval and the dose rows it wrote (a 7-day horizon, not the
 * whole plan).
 */
export async function benchApprove(
  api: ApiClient,
  databaseUrl: string,
  count: number,
): Promise<ApproveResult> {
  const request = diazepam60Weeks(isoDate(new Date()));
  const times: number[] = [];
  const rows: number[] = [];
  let view: PlanView | undefined;
  for (let i = 0; i < count; i++) {
    const patientId = await api.createPatient(`BENCH-APPROVE-${Date.now()}-${i}`);
    const planId = await api.planAndWait(taperRequestBody(patientId, request), 60_000);
    view ??= await api.expect<PlanView>(200, 'GET', `/v1/plans/${planId}`);
    const t0 = process.hrtime.bigint();
    await api.expect(200, 'POST', `/v1/plans/${planId}/approve`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const [written] = await query<{ n: number }>(
      databaseUrl,
      'SELECT count(*)::int AS n FROM doses WHERE plan_id = $1',
      [planId],
    );
    rows.push(written?.n ?? 0);
  }
  return {
    plans: count,
    planWeeks: view ? (Date.parse(view.endDate) - Date.parse(view.startDate)) / WEEK_MS : NaN,
    steps: view?.steps.length ?? 0,
    approveMs: latencySummary(times),
    rowsWritten: { min: Math.min(...rows), max: Math.max(...rows), perPlan: rows },
  };
}
