import { administrationWindowMinutes } from '@taperwatch/domain';
import type { DoseOutcome, DoseStatus } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, type DoseRow } from '@taperwatch/plans';

/** Frequencies the window table covers; a plan giving more doses a day uses the last entry. */
export const MAX_DOSES_PER_DAY = 48;

/**
 * The ISMP window half-width (minutes) for 1..MAX_DOSES_PER_DAY doses a day, from the domain's
 * rule: the statement below indexes it by the plan's doses per day, so the window stays a
 * decision of libs/domain and SQL only compares.
 */
export const WINDOW_MINUTES_BY_DOSES_PER_DAY: readonly number[] = Array.from(
  { length: MAX_DOSES_PER_DAY },
  (_, i) => administrationWindowMinutes({ dosesPerDay: i + 1 }),
);

/**
 * SQL for classifyTimeliness (libs/domain): late past the window, early before it, edges on
 * time. `offsetS` is administered − due in seconds, `windowMin` the half-width in minutes.
 * Kept beside its TypeScript twin by a test that runs both over the same inputs.
 */
export function timelinessSql(offsetS: string, windowMin: string): string {
  return `CASE WHEN ${offsetS} > ${windowMin} * 60 THEN 'late'
               WHEN ${offsetS} < -${windowMin} * 60 THEN 'early'
               ELSE 'on_time' END`;
}

/** SQL for Math.round((administered − due) / 1 minute), as JavaScript rounds: halves up. */
export function minutesFromDueSql(offsetS: string): string {
  return `floor(${offsetS} / 60 + 0.5)::int`;
}

/**
 * The columns a recording sets from the request itself. RECORD_DOSE_SQL returns the rest of the
 * dose view (the dose's own facts and what the statement worked out: amount, timeliness,
 * lateness, when it was missed) and the view takes these from the request: the full row of 15
 * columns cost the API about a tenth of a recording's time to receive and parse.
 */
const REQUEST_SUPPLIED = [
  'status',
  'recorded_outcome',
  'administered_at',
  'recorded_by',
  'note',
] as const satisfies readonly (keyof DoseRow)[];

export type RecordedDoseRow = Omit<DoseRow, (typeof REQUEST_SUPPLIED)[number]>;

const RETURNED_COLUMNS = DOSE_VIEW_COLUMNS.filter(
  (c) => !(REQUEST_SUPPLIED as readonly string[]).includes(c),
);

/**
 * Records a dose in one statement: the outcome is written only where the dose is in the tenant,
 * the caller may see its patient's unit, and it is still unrecorded (scheduled, or missed by the
 * watcher): of two recordings racing, one matches. No row: FIND_DOSE_SQL says why (404 or 409).
 *
 * $1 dose id, $2 tenant, $3 the caller's units (null = all), $4 status, $5 outcome,
 * $6 recorded by, $7 note, $8 administered at (given only), $9 given mg (null = the dose),
 * $10 now. The window table is a literal: a constant, not worth serialising per request.
 */
export const RECORD_DOSE_SQL = `
UPDATE doses d SET
  status = $4,
  recorded_outcome = $5,
  recorded_by = $6,
  note = $7,
  administered_at = $8,
  given_mg = CASE WHEN $8::timestamptz IS NULL THEN NULL ELSE coalesce($9, d.dose_mg) END,
  missed_at = CASE WHEN $5 = 'not_given' THEN coalesce(d.missed_at, $10) ELSE d.missed_at END,
  minutes_from_due = ${minutesFromDueSql('extract(epoch FROM $8::timestamptz - d.due_at)')},
  timeliness = CASE WHEN $8::timestamptz IS NOT NULL THEN ${timelinessSql(
    'extract(epoch FROM $8::timestamptz - d.due_at)',
    `('{${WINDOW_MINUTES_BY_DOSES_PER_DAY.join(',')}}'::float8[])
       [least(greatest(p.doses_per_day, 1), ${MAX_DOSES_PER_DAY})]`,
  )} END,
  updated_at = $10
FROM patients pt, plans p
WHERE d.id = $1 AND d.tenant_id = $2 AND pt.id = d.patient_id AND p.id = d.plan_id
  AND ($3::text[] IS NULL OR pt.unit_id = ANY($3::text[]))
  AND d.recorded_outcome IS NULL AND d.status IN ('scheduled', 'missed')
RETURNING ${RETURNED_COLUMNS.map((c) => `d.${c}`).join(', ')}`;

/** Why RECORD_DOSE_SQL wrote nothing: the dose as it is ($1 id, $2 tenant), with its unit. */
export const FIND_DOSE_SQL = `
SELECT d.status, d.recorded_outcome, pt.unit_id
FROM doses d JOIN patients pt ON pt.id = d.patient_id
WHERE d.id = $1 AND d.tenant_id = $2`;

export interface FoundDoseRow {
  status: DoseStatus;
  recorded_outcome: DoseOutcome | null;
  unit_id: string;
}
