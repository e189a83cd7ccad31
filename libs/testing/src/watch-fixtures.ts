import { DataSource } from 'typeorm';
import { isoDate } from '@taperwatch/common';
import type { TestStack } from './stack';
import { baclofenRequest, bearer, createPatient } from './factories';
import { eventually } from './eventually';

const HOUR = 3_600_000;

export interface SeedDose {
  /** Due this long from now (negative: in the past). */
  inMs: number;
  status?: 'scheduled' | 'given';
}

export interface SeededPlan {
  patientId: string;
  planId: string;
  doseIds: string[];
}

/**
 * An active baclofen 60 mg/day plan (15 mg TID in force) approved a day ago, with dose rows at
 * the given offsets from now: the watcher's scenarios without waiting for real clock times.
 */
export async function seedWatchedPlan(
  stack: TestStack,
  key: string,
  doses: SeedDose[],
  unitId = 'ward-7',
): Promise<SeededPlan> {
  const patient = await createPatient(stack, key, { unitId });
  // Requested for today (a past start date is refused), then moved two days back below.
  const startDate = isoDate(new Date());
  const submitted = await stack
    .http()
    .post('/v1/taper-requests')
    .set(bearer(key))
    .send(baclofenRequest(patient.id, { startDate }))
    .expect(202);
  const planned = await eventually(
    async () =>
      (await stack.http().get(`/v1/taper-requests/${submitted.body.id}`).set(bearer(key))).body,
    (body: { status: string; planId?: string }) => body.status === 'planned',
  );
  const ds = stack.app.get(DataSource);
  const [plan] = (await ds.query('SELECT steps FROM plans WHERE id = $1', [planned.planId])) as {
    steps: { startDate: string; endDate: string }[];
  }[];
  const back = (d: string) => isoDate(new Date(Date.parse(d) - 2 * 24 * HOUR));
  const steps = plan.steps.map((s) => ({
    ...s,
    startDate: back(s.startDate),
    endDate: back(s.endDate),
  }));
  await ds.query(
    `UPDATE plans SET status = 'active', approved_at = now() - interval '25 hours',
            steps = $2, start_date = $3, end_date = $4 WHERE id = $1`,
    [planned.planId, JSON.stringify(steps), steps[0].startDate, steps[steps.length - 1].endDate],
  );
  await ds.query(
    `UPDATE taper_requests SET body = jsonb_set(body, '{startDate}', to_jsonb($2::text))
     WHERE id = $1`,
    [submitted.body.id, steps[0].startDate],
  );
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                        equivalent_mg, status, administered_at, recorded_outcome)
     SELECT uuid_v7(), p.tenant_id, p.id, p.patient_id, 1, now() + make_interval(secs => t.ms / 1000.0),
            p.drug_code, 15, 15, t.status, CASE WHEN t.status = 'given' THEN now() + make_interval(secs => t.ms / 1000.0) END,
            CASE WHEN t.status = 'given' THEN 'given' END
     FROM plans p, unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS t(ms, status, n)
     WHERE p.id = $1 ORDER BY t.n RETURNING id`,
    [planned.planId, doses.map((d) => d.inMs), doses.map((d) => d.status ?? 'scheduled')],
  );
  return { patientId: patient.id, planId: planned.planId!, doseIds: rows.map((r) => r.id) };
}

export { HOUR };
