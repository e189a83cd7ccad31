import type { DoseUnit } from '@taperwatch/domain';
import type { DoseRow } from '../dose-view';
import type { AlertType, MonitoringMode } from '@taperwatch/persistence';

/*
 * The watcher's statement texts, run by WatchRepository alone. Hot paths run as named
 * statements (each connection plans them once); see decision 0030.
 */

/**
 * The sweep's claim: marks up to $2 overdue doses ($1 = now) missed that no other worker holds,
 * through the partial index of pending doses, each with the duty to judge its plan
 * (judge_pending), so no crash between the mark and the judgement loses the alert. The bench
 * times it through WatchRepository.claimOverdue. The claimed ids are an array, not an IN
 * subquery: planned for $2 rows, the subquery made Postgres hash-join a small table's every dose
 * (decision 0039).
 */
export const CLAIM_OVERDUE_SQL = `UPDATE doses SET status = 'missed', missed_at = $1, judge_pending = true,
                         updated_at = now()
         WHERE id = ANY(ARRAY(
           SELECT id FROM doses
           WHERE status = 'scheduled' AND missed_after <= $1
           ORDER BY missed_after LIMIT $2
           FOR UPDATE SKIP LOCKED))
         RETURNING plan_id, missed_after`;

/**
 * The plans with doses whose judgement is still owed (after plan $1, $2 at most, by plan id so a
 * sweep pages through them all), each with those doses: through the partial index of pending
 * judgements, which is empty but for a judgement under way or one a crash or error cut short.
 */
export const PENDING_JUDGEMENTS_SQL = `
SELECT plan_id, array_agg(id) AS dose_ids FROM doses
WHERE judge_pending AND plan_id > $1
GROUP BY plan_id ORDER BY plan_id LIMIT $2`;

/**
 * Settles the judgement of doses $1: a judgement that started after each was written has seen
 * it. updated_at is left alone: it says when the dose was recorded (the outpatients' watch reads
 * it as the last report).
 */
export const JUDGED_SQL = `UPDATE doses SET judge_pending = false WHERE id = ANY($1::uuid[]) AND judge_pending`;

/**
 * An outpatient's dose is armed with this missedAfter: it leaves the unarmed index, and no
 * delayed check, sweep claim or per-dose statement ever reaches it (each compares missed_after
 * with a finite time), so outpatients cost the watcher's hot paths nothing (decision 0013).
 */
export const NEVER_MISSED = `'infinity'::timestamptz`;

/**
 * The plan in force of plan $1's course (itself, or the version that superseded it: a dose of
 * an old version missed after a revision is judged, and alerted, under the version in force),
 * with its patient's unit and zone, and any `extra` columns.
 */
const planSql = (extra = '') => `
SELECT p.id, p.tenant_id, p.patient_id, p.drug_code, p.equivalent_drug_code, p.steps,
       p.start_daily_dose_mg, p.approved_at, p.doses_per_day, pt.unit_id, pt.timezone,
       pt.monitoring${extra}
FROM plans p JOIN patients pt ON pt.id = p.patient_id
WHERE p.request_id = (SELECT q.request_id FROM plans q WHERE q.id = $1)
  AND p.status IN ('active', 'paused')
LIMIT 1`;

/**
 * For each of the plans $1 at once (arming reads a page of plans in one round trip), the plan in
 * force of its course as planSql finds it, with what its grace and its patient's lock need and
 * no more (its steps would be parsed for nothing): `armed_plan_id` is the plan asked for; a plan
 * whose course has none in force has no row.
 */
export const PLANS_TO_ARM_SQL = `
SELECT a.plan_id AS armed_plan_id, f.patient_id, f.drug_code, f.doses_per_day
FROM unnest($1::uuid[]) AS a(plan_id)
CROSS JOIN LATERAL (
  SELECT p.patient_id, p.drug_code, p.doses_per_day FROM plans p
  WHERE p.request_id = (SELECT q.request_id FROM plans q WHERE q.id = a.plan_id)
    AND p.status IN ('active', 'paused')
  LIMIT 1) f`;

export interface PlanToArmRow {
  armed_plan_id: string;
  patient_id: string;
  drug_code: string;
  doses_per_day: number;
}

/**
 * A page of scheduled doses not yet armed ($3 at most), soonest due first, after the cursor
 * ($1 due_at, $2 id): through the partial index of unarmed doses (by due_at, hence the bare
 * `due_at >= $1`, which the index can use where the row comparison cannot). The cursor lets one sweep pass
 * doses it cannot arm (no plan in force, or held by another arming) instead of reading them again.
 */
export const UNARMED_DOSES_SQL = `
SELECT id, plan_id, due_at FROM doses
WHERE status = 'scheduled' AND missed_after IS NULL
  AND due_at >= $1 AND (due_at, id) > ($1, $2)
ORDER BY due_at, id LIMIT $3`;

/**
 * Arms every unarmed dose of the plans $1 (with their patients $2 and graces in seconds $3, in
 * the same order): dueAt + grace, or never while the patient is an outpatient. The caller holds
 * a share lock on the patients. Doses another transaction holds (another worker arming them, a
 * recording, a pause) are skipped, not waited for: that one arms or settles them, or the next
 * sweep does; so two workers arming the same plans neither wait for each other nor deadlock, and
 * each dose is armed once.
 */
export const ARM_PLANS_SQL = `
UPDATE doses d
SET missed_after = CASE WHEN pt.monitoring = 'outpatient' THEN ${NEVER_MISSED}
                        ELSE d.due_at + make_interval(secs => a.grace_s) END,
    updated_at = now()
FROM unnest($1::uuid[], $2::uuid[], $3::float8[]) AS a(plan_id, patient_id, grace_s)
LEFT JOIN patients pt ON pt.id = a.patient_id
WHERE d.id = ANY(ARRAY(
        SELECT u.id FROM doses u
        WHERE u.plan_id = ANY($1::uuid[]) AND u.status = 'scheduled' AND u.missed_after IS NULL
        FOR UPDATE SKIP LOCKED))
  AND d.plan_id = a.plan_id AND d.status = 'scheduled' AND d.missed_after IS NULL`;

/**
 * The plan in force (planSql; raw SQL, not entities: it runs for every missed dose), plus when
 * the course was first approved (monitoring starts there: a revision gives no
 * fresh grace), when each of its drugs was last taken by the patient under any plan version (the
 * hours rule's clock), and the types of the plan's live alerts (a raise then knows whether it
 * adds to one or opens one). The patient's plans (`c`, any version or course) come through
 * plans_tenant_patient_idx; per plan and drug, the last given doses by a backward scan of the
 * (plan_id, due_at, drug_code) key that stops at the 8th (the latest taken is among them unless
 * a dose was recorded given after 8 later ones). No index on doses by patient: every recording
 * would pay for one (decision 0031).
 */
export const PLAN_TO_JUDGE_SQL = planSql(`,
       (SELECT min(v.approved_at) FROM plans v WHERE v.request_id = p.request_id) AS first_approved_at,
       (SELECT coalesce(jsonb_object_agg(t.code, t.at), '{}'::jsonb) FROM (
          SELECT k.code, max(g.at) AS at
          FROM plans c
          CROSS JOIN unnest(ARRAY[p.drug_code, p.equivalent_drug_code]) AS k(code)
          CROSS JOIN LATERAL (
            SELECT coalesce(d.administered_at, d.due_at) AS at FROM doses d
            WHERE d.plan_id = c.id AND d.drug_code = k.code AND d.status = 'given'
            ORDER BY d.due_at DESC LIMIT 8) g
          WHERE c.tenant_id = p.tenant_id AND c.patient_id = p.patient_id AND k.code IS NOT NULL
            AND (c.drug_code IN (p.drug_code, p.equivalent_drug_code)
                 OR c.equivalent_drug_code IN (p.drug_code, p.equivalent_drug_code))
          GROUP BY k.code) t) AS last_taken,
       ARRAY(SELECT a.type FROM alerts a
             WHERE a.plan_id = p.id AND a.status <> 'resolved') AS live_alert_types`);

export interface PlanRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  drug_code: string;
  equivalent_drug_code: string | null;
  steps: unknown[];
  start_daily_dose_mg: string;
  approved_at: Date | null;
  doses_per_day: number;
  unit_id: string;
  timezone: string;
  monitoring: MonitoringMode;
  first_approved_at?: Date | null;
  /** Drug code to an ISO instant. */
  last_taken?: Record<string, string>;
  live_alert_types?: AlertType[];
}

/**
 * The patient's ($1 tenant, $2 patient) doses of the drugs $3 under any plan version due in
 * ($4, $5], and later ones already recorded (a refusal written before its dose is due counts at
 * once): what the rules judge. A revision or hold starts a new plan, not a new window.
 * `report_only`: armed as an outpatient's (never missed), so only a report settles it.
 */
export const RECENT_DOSES_SQL = `
SELECT d.id, d.drug_code, d.due_at, d.dose_mg, d.equivalent_mg,
       coalesce(c.equivalent_drug_code, c.drug_code) AS unit_drug_code,
       d.status, d.recorded_outcome, d.administered_at, d.given_mg,
       d.missed_after = ${NEVER_MISSED} AS report_only
FROM plans c JOIN doses d ON d.plan_id = c.id
WHERE c.tenant_id = $1 AND c.patient_id = $2
  AND (c.drug_code = ANY($3::text[]) OR c.equivalent_drug_code = ANY($3::text[]))
  AND d.drug_code = ANY($3::text[]) AND d.due_at > $4
  AND (d.due_at <= $5 OR d.recorded_outcome IS NOT NULL)`;

export type WatchedDoseRow = Pick<
  DoseRow,
  'id' | 'due_at' | 'dose_mg' | 'status' | 'recorded_outcome' | 'administered_at' | 'given_mg'
> & {
  drug_code: string;
  equivalent_mg: string;
  unit_drug_code: string;
  report_only: boolean | null;
};

/**
 * Outpatients' plans in force after plan $3 (by id, $4 at most), each with what the silence
 * rule needs: the course's first approval; the patient's last report ($2: of doses due since
 * then), any plan, any course, by a patient or staff (a recorded dose's updated_at: a recording
 * writes it with the clock, and nothing writes a recorded dose again); and the course's doses due
 * by $1 since the silence began and still unrecorded (the first, and how many). Plans in force
 * come through their partial index, the patient's plans through plans_tenant_patient_idx, doses
 * through the (plan_id, due_at, drug_code) key.
 */
export const OUTPATIENT_PLANS_SQL = `
SELECT p.id, p.tenant_id, p.patient_id, p.drug_code, pt.unit_id, f.first_approved_at,
       r.last_report_at, u.first_id, u.first_due_at, u.unreported
FROM plans p
JOIN patients pt ON pt.id = p.patient_id
CROSS JOIN LATERAL (
  SELECT min(v.approved_at) AS first_approved_at FROM plans v WHERE v.request_id = p.request_id) f
CROSS JOIN LATERAL (
  SELECT max(d.updated_at) AS last_report_at
  FROM plans c JOIN doses d ON d.plan_id = c.id
  WHERE c.tenant_id = p.tenant_id AND c.patient_id = p.patient_id
    AND d.due_at > $2 AND d.recorded_outcome IS NOT NULL) r
CROSS JOIN LATERAL (
  SELECT (array_agg(d.id ORDER BY d.due_at))[1] AS first_id, min(d.due_at) AS first_due_at,
         count(*)::int AS unreported
  FROM plans v JOIN doses d ON d.plan_id = v.id
  WHERE v.request_id = p.request_id
    AND d.due_at > greatest(r.last_report_at, f.first_approved_at) AND d.due_at <= $1
    AND d.status = 'scheduled' AND d.recorded_outcome IS NULL) u
WHERE p.status IN ('active', 'paused') AND p.approved_at IS NOT NULL
  AND pt.monitoring = 'outpatient' AND p.id > $3
ORDER BY p.id
LIMIT $4`;

export interface OutpatientPlanRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  drug_code: string;
  unit_id: string;
  first_approved_at: Date;
  last_report_at: Date | null;
  first_id: string | null;
  first_due_at: Date | null;
  unreported: number;
}

export interface WorklistRow {
  id: string;
  plan_id: string;
  patient_id: string;
  external_id: string;
  unit_id: string;
  timezone: string;
  due_at: Date;
  drug_code: string;
  dose_mg: string;
  status: 'scheduled' | 'missed';
  doses_per_day: number;
  units: DoseUnit[] | null;
}

/**
 * The doses a unit still has to give: unrecorded (scheduled, or marked missed by the watcher),
 * due from `overdueHours` ago to `aheadHours` from now, of supervised patients (an outpatient
 * reports their own) whose plan is in force. One statement per page: the patients of the units
 * by patients_tenant_unit_idx, each one's doses by doses_patient_due_idx. The units of a dose are
 * looked up in its plan's step as the patient's schedule does (same step index, drug and mg).
 * One text per shape (all units or some, first page or after a cursor), so each prepared
 * statement's plan fits it: an "IS NULL OR" would keep the generic plan off the unit index.
 */
export function worklistSql(shape: { units: boolean; after: boolean }): string {
  const units = shape.units ? 'AND pt.unit_id = ANY($4::text[])' : '';
  const cursor = shape.after
    ? `AND (d.due_at, d.id) > ($${shape.units ? 5 : 4}::timestamptz, $${shape.units ? 6 : 5}::uuid)`
    : '';
  const limit = 4 + Number(shape.units) + 2 * Number(shape.after);
  return `
SELECT d.id, d.plan_id, d.patient_id, pt.external_id, pt.unit_id, pt.timezone, d.due_at, d.drug_code,
       d.dose_mg, d.status, p.doses_per_day,
       (SELECT dose->'units'
        FROM jsonb_array_elements(p.steps) step, jsonb_array_elements(step->'doses') dose
        WHERE (step->>'index')::int = d.step_index AND dose->>'drugCode' = d.drug_code
          AND (dose->>'doseMg')::numeric = d.dose_mg
        LIMIT 1) AS units
FROM patients pt
JOIN doses d ON d.patient_id = pt.id
JOIN plans p ON p.id = d.plan_id
WHERE pt.tenant_id = $1 ${units}
  AND pt.erased_at IS NULL AND pt.monitoring = 'supervised'
  AND d.tenant_id = $1 AND d.due_at >= $2 AND d.due_at < $3
  AND d.recorded_outcome IS NULL AND d.status IN ('scheduled', 'missed')
  AND p.status IN ('active', 'paused') ${cursor}
ORDER BY d.due_at, d.id
LIMIT $${limit}`;
}
