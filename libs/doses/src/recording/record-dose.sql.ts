import { administrationWindowMinutes } from '@taperwatch/domain';
import type { DoseOutcome, DoseStatus, ReportedVia } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, type DoseRow } from '../dose-view';

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
 * The columns a recording sets from the request itself. recordDosesSql returns the rest of the
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
  'reported_via',
] as const satisfies readonly (keyof DoseRow)[];

export type RecordedDoseRow = Omit<DoseRow, (typeof REQUEST_SUPPLIED)[number]>;

/** A row of recordDosesSql: the dose's columns and `n`, the VALUES row it answers. */
export type NumberedDoseRow = RecordedDoseRow & { n: number };

/** The dose's columns; its plan's equivalent_drug_code is returned beside them (labels equivalentMg). */
const RETURNED_COLUMNS = DOSE_VIEW_COLUMNS.filter(
  (c) => !(REQUEST_SUPPLIED as readonly string[]).includes(c),
);

/** Recordings written by one statement at most (recordDosesSql). */
export const MAX_RECORDINGS_PER_STATEMENT = 32;

/** What one recording asks of recordDosesSql: its VALUES row. */
export interface RecordingValues {
  doseId: string;
  tenantId: string;
  /** The caller's units; null = every unit of the tenant. */
  units: readonly string[] | null;
  /** A patient link records only its patient's doses; null = any patient the units allow. */
  patientId: string | null;
  /** Who reported it: a staff key, or the patient through their link (recordedBy is the link). */
  reportedVia: ReportedVia;
  status: DoseStatus;
  outcome: DoseOutcome;
  recordedBy: string;
  note: string | null;
  /** Given doses only. */
  administeredAt: Date | null;
  /** Given doses only; null = the scheduled dose. */
  givenMg: number | null;
  now: Date;
}

/** recordDosesSql's VALUES columns: name, SQL type, and the value a recording gives it. */
const VALUES_COLUMNS: readonly (readonly [string, string, (v: RecordingValues) => unknown])[] = [
  ['id', 'uuid', (v) => v.doseId],
  ['tenant_id', 'uuid', (v) => v.tenantId],
  ['units', 'text[]', (v) => v.units],
  ['patient_id', 'uuid', (v) => v.patientId],
  ['reported_via', 'text', (v) => v.reportedVia],
  ['status', 'text', (v) => v.status],
  ['outcome', 'text', (v) => v.outcome],
  ['recorded_by', 'uuid', (v) => v.recordedBy],
  ['note', 'text', (v) => v.note],
  ['administered_at', 'timestamptz', (v) => v.administeredAt],
  ['given_mg', 'numeric', (v) => v.givenMg],
  ['now', 'timestamptz', (v) => v.now],
];

/** The parameters of one VALUES row of recordDosesSql. */
export function recordingParams(recording: RecordingValues): unknown[] {
  return VALUES_COLUMNS.map(([, , value]) => value(recording));
}

const recordDosesText = new Map<number, string>();

/**
 * Records `count` doses in one statement, each as one VALUES row (recordingParams; row k is
 * numbered k and comes back as `n`): the outcome is written only where the dose is in the
 * tenant, the caller may see its patient's unit, and it is still unrecorded (scheduled, or missed
 * by the watcher). A dose not given is written with the duty to judge its plan (judge_pending),
 * which the API settles after answering, or the watcher's sweep if that fails. Of two recordings
 * of one dose, in one statement or racing in two, one matches.
 * A dose with no row back wrote nothing: FIND_DOSE_SQL says why (404 or 409).
 *
 * One statement text per count, so each is a prepared statement whose row estimate is exact and
 * Postgres settles on one generic plan for it. The window table is a literal: a constant, not
 * worth serialising per request.
 */
export function recordDosesSql(count: number): string {
  if (!Number.isInteger(count) || count < 1 || count > MAX_RECORDINGS_PER_STATEMENT) {
    throw new RangeError(`a statement records 1 to ${MAX_RECORDINGS_PER_STATEMENT} doses`);
  }
  let text = recordDosesText.get(count);
  if (!text) {
    const rows = Array.from({ length: count }, (_, k) => {
      const first = k * VALUES_COLUMNS.length + 1;
      const params = VALUES_COLUMNS.map(([, type], i) => `$${first + i}::${type}`);
      return `(${k}, ${params.join(', ')})`;
    });
    text = `
UPDATE doses d SET
  status = r.status,
  recorded_outcome = r.outcome,
  recorded_by = r.recorded_by,
  reported_via = r.reported_via,
  note = r.note,
  administered_at = r.administered_at,
  given_mg = CASE WHEN r.administered_at IS NULL THEN NULL ELSE coalesce(r.given_mg, d.dose_mg) END,
  missed_at = CASE WHEN r.outcome = 'not_given' THEN coalesce(d.missed_at, r.now) ELSE d.missed_at END,
  judge_pending = d.judge_pending OR r.outcome <> 'given',
  minutes_from_due = ${minutesFromDueSql('extract(epoch FROM r.administered_at - d.due_at)')},
  timeliness = CASE WHEN r.administered_at IS NOT NULL THEN ${timelinessSql(
    'extract(epoch FROM r.administered_at - d.due_at)',
    `('{${WINDOW_MINUTES_BY_DOSES_PER_DAY.join(',')}}'::float8[])
       [least(greatest(p.doses_per_day, 1), ${MAX_DOSES_PER_DAY})]`,
  )} END,
  updated_at = r.now
FROM (VALUES ${rows.join(',\n  ')})
  AS r(n, ${VALUES_COLUMNS.map(([name]) => name).join(', ')}),
  patients pt, plans p
WHERE d.id = r.id AND d.tenant_id = r.tenant_id AND pt.id = d.patient_id AND p.id = d.plan_id
  AND (r.units IS NULL OR pt.unit_id = ANY(r.units))
  AND (r.patient_id IS NULL OR d.patient_id = r.patient_id)
  AND d.recorded_outcome IS NULL AND d.status IN ('scheduled', 'missed')
RETURNING r.n, ${RETURNED_COLUMNS.map((c) => `d.${c}`).join(', ')}, p.equivalent_drug_code`;
    recordDosesText.set(count, text);
  }
  return text;
}

/** Why recordDosesSql wrote nothing for a dose: the dose as it is ($1 id, $2 tenant), and its unit. */
export const FIND_DOSE_SQL = `
SELECT d.status, d.recorded_outcome, pt.unit_id
FROM doses d JOIN patients pt ON pt.id = d.patient_id
WHERE d.id = $1 AND d.tenant_id = $2`;

export interface FoundDoseRow {
  status: DoseStatus;
  recorded_outcome: DoseOutcome | null;
  unit_id: string;
}
