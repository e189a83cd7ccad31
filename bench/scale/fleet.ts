import { Client } from 'pg';
import { TaperRequestInput, administrationsPerDay, planTaper } from '@taperwatch/domain';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import { BACLOFEN_60, diazepam40, diazepam60Weeks } from '../lib/requests';

const DAY_MS = 86_400_000;
/** Wards the network's patients are spread over. */
export const FLEET_UNITS = 200;
/** Days the plans have been running: mid-course, past their first steps. */
const RUNNING_DAYS = 14;
/** The patients' clocks: dose times fall at different instants across the fleet. */
const ZONES = ['Europe/London', 'Europe/Berlin', 'America/New_York', 'UTC'];
/** One patient in this many is an outpatient (never armed as missable), one plan in 100 paused. */
const OUTPATIENT_EVERY = 20;
const PAUSED_EVERY = 100;

/** A plan row's planned columns, as the planning worker stores them (planned-columns.ts). */
interface PlanShape {
  drug_code: string;
  strategy: string;
  start_date: string;
  end_date: string;
  start_mg: number;
  target_mg: number;
  steps: unknown;
  doses_per_day: number;
  equivalent_drug_code: string | null;
}

/** The planner's plan for `request` starting `startDate`, as a row's columns. */
function planShape(request: TaperRequestInput, startDate: string): PlanShape {
  const result = planTaper({ ...request, startDate }, { today: startDate });
  if (result.kind !== 'planned') {
    throw new Error(`${request.drugCode} was rejected: ${JSON.stringify(result.problems)}`);
  }
  const plan = result.plan;
  return {
    drug_code: plan.drugCode,
    strategy: plan.strategy,
    start_date: plan.startDate,
    end_date: plan.endDate,
    start_mg: plan.startDailyDoseMg,
    target_mg: plan.targetDailyDoseMg,
    steps: plan.steps,
    doses_per_day: administrationsPerDay(plan.steps),
    equivalent_drug_code: plan.doseUnitDrugCode ?? null,
  };
}

/**
 * A fixed-offset zone where it is now between 19:00 and 20:00, so an evening dose (20:00, 22:00)
 * of every plan is missed, if unrecorded, within the watcher's 4 h of queued checks: Redis with
 * every plan watched at once, whatever the time the bench runs.
 */
export function eveningZone(now: Date): string {
  let offset = Math.round(19.5 - (now.getUTCHours() + now.getUTCMinutes() / 60));
  if (offset > 14) offset -= 24;
  // Etc/GMT names count the other way: Etc/GMT-4 is 4 hours ahead of UTC.
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

export interface Fleet {
  plans: number;
  patients: number;
  units: number;
  /** Plans by administrations a day (the planner's plans the fleet cycles through). */
  dosesPerDay: number[];
  zones: readonly string[];
  seedS: number;
}

/**
 * `plans` patients over FLEET_UNITS wards, each with one plan in force (one INSERT … SELECT
 * generate_series per table), approved RUNNING_DAYS ago from the planner's own plans: baclofen
 * 60 mg/day TID, diazepam 40 mg/day and a 60-week diazepam 20 mg BID, in turn. Every plan's rows
 * are written up to `dosesUntil`; no dose row is seeded. Patients' zones cycle through `zones`.
 */
export async function seedFleet(
  url: string,
  plans: number,
  dosesUntil: Date,
  zones: readonly string[] = ZONES,
): Promise<Fleet> {
  const t0 = Date.now();
  const now = new Date();
  const startDate = new Date(now.getTime() - RUNNING_DAYS * DAY_MS).toISOString().slice(0, 10);
  const shapes = [BACLOFEN_60, diazepam40(), diazepam60Weeks(startDate)].map((r) =>
    planShape(r, startDate),
  );
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone, monitoring)
       SELECT md5('scale-patient-' || g)::uuid, $1, 'SCALE-' || g, 'unit-' || (g % $3),
              ($4::text[])[g % cardinality($4::text[]) + 1],
              CASE WHEN g % $5 = 0 THEN 'outpatient' ELSE 'supervised' END
         FROM generate_series(1, $2::int) AS g`,
      [DEFAULT_TENANT_ID, plans, FLEET_UNITS, zones, OUTPATIENT_EVERY],
    );
    await client.query(
      `INSERT INTO plans (id, tenant_id, request_id, patient_id, drug_code, version, status,
                          strategy, start_date, end_date, start_daily_dose_mg,
                          target_daily_dose_mg, steps, doses_per_day, equivalent_drug_code,
                          approved_at, paused_at, doses_until)
       SELECT md5('scale-plan-' || g)::uuid, $1, md5('scale-request-' || g)::uuid,
              md5('scale-patient-' || g)::uuid, s.drug_code, 1,
              CASE WHEN g % $4 = 0 THEN 'paused' ELSE 'active' END,
              s.strategy, s.start_date, s.end_date, s.start_mg, s.target_mg, s.steps,
              s.doses_per_day, s.equivalent_drug_code, $5::timestamptz - make_interval(days => $6),
              CASE WHEN g % $4 = 0 THEN $5::timestamptz - interval '2 days' END, $7
         FROM generate_series(1, $2::int) AS g
         JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(shape, i)
           ON e.i = g % jsonb_array_length($3::jsonb) + 1
         CROSS JOIN LATERAL jsonb_to_record(e.shape)
              AS s(drug_code text, strategy text, start_date date, end_date date, start_mg numeric,
                   target_mg numeric, steps jsonb, doses_per_day int, equivalent_drug_code text)`,
      [
        DEFAULT_TENANT_ID,
        plans,
        JSON.stringify(shapes),
        PAUSED_EVERY,
        now,
        RUNNING_DAYS,
        dosesUntil,
      ],
    );
    await client.query('VACUUM ANALYZE patients, plans');
  } finally {
    await client.end();
  }
  return {
    plans,
    patients: plans,
    units: FLEET_UNITS,
    dosesPerDay: shapes.map((s) => s.doses_per_day),
    zones,
    seedS: (Date.now() - t0) / 1000,
  };
}
