import { randomBytes } from 'node:crypto';
import { ApiClient } from '../http/api-client';
import { pool } from './pool';
import { taperRequestBody } from './requests';
import { query } from './services';

/**
 * `count` baclofen plans, each for its own patient (one plan in force per patient and drug),
 * planned through the API and then set active in SQL as the watcher tests do
 * (libs/testing/src/watch-fixtures.ts): approved 25 h ago, with `doses_until` a year ahead so the
 * horizon job writes no rows of its own into them. Their patients are in `unitId`. Returns the
 * plan ids.
 */
export async function activePlans(
  api: ApiClient,
  databaseUrl: string,
  count: number,
  label: string,
  unitId?: string,
): Promise<string[]> {
  const run = randomBytes(3).toString('hex');
  const planIds: string[] = [];
  await pool(count, 50, async (i) => {
    const patientId = await api.createPatient(`BENCH-${label}-${run}-${i}`, unitId);
    planIds.push(await api.planAndWait(taperRequestBody(patientId), 120_000));
  });
  await query(
    databaseUrl,
    `UPDATE plans SET status = 'active', approved_at = now() - interval '25 hours',
            doses_until = now() + interval '1 year'
      WHERE id = ANY($1::uuid[])`,
    [planIds],
  );
  return planIds;
}

export interface DoseSeed {
  count: number;
  /** Due instant of the first dose; the others follow `spacingMs` apart, round-robin over plans. */
  firstDueAt: Date;
  spacingMs: number;
  /** missed_after = due_at + this (armed, as the watcher's sweep would); null leaves it unarmed. */
  armedGraceMs: number | null;
}

/** Scheduled doses in one `INSERT … SELECT generate_series` into the given plans; their ids. */
export async function seedDoses(
  databaseUrl: string,
  planIds: readonly string[],
  seed: DoseSeed,
): Promise<string[]> {
  const rows = await query<{ id: string }>(
    databaseUrl,
    `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                        equivalent_mg, missed_after)
     SELECT uuid_v7(), p.tenant_id, p.id, p.patient_id, 1, d.due_at, p.drug_code, 15, 15,
            d.due_at + make_interval(secs => $5::float8 / 1000)
       FROM generate_series(0, $2::int - 1) AS g
       CROSS JOIN LATERAL (SELECT $3::timestamptz + make_interval(secs => g * $4::float8 / 1000)
                             AS due_at) d
       JOIN plans p ON p.id = ($1::uuid[])[g % cardinality($1::uuid[]) + 1]
     RETURNING id`,
    [planIds, seed.count, seed.firstDueAt, seed.spacingMs, seed.armedGraceMs],
  );
  return rows.map((r) => r.id);
}
