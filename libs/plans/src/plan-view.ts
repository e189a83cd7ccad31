import type { ActorRef } from '@taperwatch/auth';
import { PlanStep, StepDrug, stepDrugs } from '@taperwatch/domain';
import {
  DoseEntity,
  PlanEntity,
  ReportedVia,
  TaperRequestEntity,
  numberOrNull,
} from '@taperwatch/persistence';

export interface TaperRequestView {
  id: string;
  status: TaperRequestEntity['status'];
  patientId: string;
  drugCode: string;
  planId?: string;
  problems?: { code: string; message: string; field?: string }[];
  /** What else the patient takes, as the request named it (the planner's interaction checks). */
  coMedications: string[];
  createdAt: string;
  updatedAt: string;
}

export function toTaperRequestView(
  r: Pick<
    TaperRequestEntity,
    'id' | 'status' | 'patientId' | 'drugCode' | 'planId' | 'problems' | 'createdAt' | 'updatedAt'
  > & { coMedications?: string[] | null },
): TaperRequestView {
  return {
    id: r.id,
    status: r.status,
    patientId: r.patientId,
    drugCode: r.drugCode,
    ...(r.planId ? { planId: r.planId } : {}),
    ...(r.problems ? { problems: r.problems } : {}),
    coMedications: r.coMedications ?? [],
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export interface PlanView {
  id: string;
  requestId: string;
  patientId: string;
  drugCode: string;
  /**
   * Present when startDailyDoseMg, targetDailyDoseMg and each step's dailyDoseMg are mg of this
   * drug, not of drugCode: a switch to diazepam totals diazepam equivalents.
   */
  equivalentDrugCode?: string;
  version: number;
  status: PlanEntity['status'];
  strategy: string;
  startDate: string;
  endDate: string;
  startDailyDoseMg: number;
  targetDailyDoseMg: number;
  steps: PlanStepView[];
  warnings: unknown[];
  rationale: unknown[];
  createdAt: string;
  approvedAt?: string;
  /** Who approved it: an API key, or the person or system a token named. */
  approvedBy?: ActorRef;
  /** A revision names the version it revises. */
  parentPlanId?: string;
  pausedAt?: string;
  /**
   * Approved after its start date: every step moved later so step 1 starts on the approval day
   * (no step skipped). The start date it was planned for, and the days each step moved.
   */
  reanchoredFrom?: string;
  reanchoredByDays?: number;
}

/** A step as planned, with each drug it gives and that drug's own daily mg. */
export type PlanStepView = PlanStep & { drugs: StepDrug[] };

/** `approvedBy`: who p.approvedBy names (actorRefsOf), or null while it is not approved. */
export function toPlanView(p: PlanEntity, approvedBy: ActorRef | null | undefined): PlanView {
  return {
    id: p.id,
    requestId: p.requestId,
    patientId: p.patientId,
    drugCode: p.drugCode,
    ...(p.equivalentDrugCode ? { equivalentDrugCode: p.equivalentDrugCode } : {}),
    version: p.version,
    status: p.status,
    strategy: p.strategy,
    startDate: p.startDate,
    endDate: p.endDate,
    startDailyDoseMg: p.startDailyDoseMg,
    targetDailyDoseMg: p.targetDailyDoseMg,
    steps: (p.steps as PlanStep[]).map((step) => ({ ...step, drugs: stepDrugs(step) })),
    warnings: p.warnings,
    rationale: p.rationale,
    createdAt: p.createdAt.toISOString(),
    ...(p.approvedAt ? { approvedAt: p.approvedAt.toISOString() } : {}),
    ...(approvedBy ? { approvedBy } : {}),
    ...(p.parentPlanId ? { parentPlanId: p.parentPlanId } : {}),
    ...(p.pausedAt ? { pausedAt: p.pausedAt.toISOString() } : {}),
    ...(p.reanchoredFrom
      ? { reanchoredFrom: p.reanchoredFrom, reanchoredByDays: p.reanchoredByDays ?? 0 }
      : {}),
  };
}

export interface DoseView {
  id: string;
  planId: string;
  patientId: string;
  dueAt: string;
  /** The drug given at this time (in a switch, each dose's own drug). */
  drugCode: string;
  /** mg of drugCode. */
  doseMg: number;
  /**
   * Plans whose daily totals count another drug's mg (a switch to diazepam): this dose in mg of
   * equivalentDrugCode. An equivalent for arithmetic, never an amount to give.
   */
  equivalentMg?: number;
  equivalentDrugCode?: string;
  stepIndex: number;
  status: DoseEntity['status'];
  administeredAt?: string;
  /** Who recorded it: an API key, a person or system a token named, or the patient's link. */
  recordedBy?: ActorRef;
  /** Recorded doses: 'patient' when the patient reported it through their link. */
  reportedVia?: ReportedVia;
  note?: string;
  /** What the recording established: the outcome, amount and ISMP timeliness. */
  outcome?: string;
  givenMg?: number;
  timeliness?: string;
  minutesFromDue?: number;
  /** When the watcher found it unrecorded past its grace. */
  missedAt?: string;
}

const string = { type: 'string' } as const;
const number = { type: 'number' } as const;

/** ActorRef as JSON Schema, every field named (the compiler checks the list is complete). */
const ACTOR_REF_SCHEMA = {
  type: 'object',
  properties: { type: string, id: string, name: string } satisfies Record<keyof ActorRef, unknown>,
} as const;

/**
 * A page of DoseView as JSON Schema, for Fastify's compiled serialiser (fast-json-stringify), which
 * writes a page of fifty doses faster than JSON.stringify. It writes only the properties named
 * here, so every DoseView field is (the compiler checks it), in toDoseView's order.
 */
export const DOSE_PAGE_SCHEMA = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: string,
          planId: string,
          patientId: string,
          dueAt: string,
          drugCode: string,
          doseMg: number,
          stepIndex: { type: 'integer' },
          status: string,
          equivalentMg: number,
          equivalentDrugCode: string,
          administeredAt: string,
          recordedBy: ACTOR_REF_SCHEMA,
          note: string,
          outcome: string,
          reportedVia: string,
          givenMg: number,
          timeliness: string,
          minutesFromDue: number,
          missedAt: string,
        } satisfies Record<keyof DoseView, unknown>,
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

const present = <T>(value: T | null | undefined): value is T =>
  value !== null && value !== undefined;

/** The dose fields a view shows: an entity, or a raw row mapped by doseFromRow. */
export type DoseRecord = Omit<
  DoseEntity,
  'tenantId' | 'missedAfter' | 'checkQueued' | 'judgePending' | 'createdAt' | 'updatedAt'
> & {
  /** The plan's equivalent_drug_code, when the query read it (labels equivalentMg). */
  equivalentDrugCode?: string | null;
  /** Who recordedBy names, when the query resolved it (actorRefSql). */
  recordedByActor?: ActorRef | null;
};

/** A raw `doses` row (snake_case, numeric as text), as a RETURNING * of plain SQL gives it. */
export interface DoseRow {
  id: string;
  plan_id: string;
  patient_id: string;
  step_index: number;
  due_at: Date;
  drug_code: string;
  dose_mg: string;
  equivalent_mg: string;
  /** From the dose's plan (not a doses column): queries that label equivalents select it. */
  equivalent_drug_code?: string | null;
  /** Who recorded_by names (not a doses column): queries that show it select actorRefSql. */
  recorded_by_actor?: ActorRef | null;
  status: DoseEntity['status'];
  administered_at: Date | null;
  recorded_by: string | null;
  reported_via: ReportedVia | null;
  note: string | null;
  missed_at: Date | null;
  recorded_outcome: DoseEntity['recordedOutcome'];
  timeliness: DoseEntity['timeliness'];
  minutes_from_due: number | null;
  given_mg: string | null;
}

/** The columns doseFromRow reads: what a RETURNING for a dose view needs, and no more. */
export const DOSE_VIEW_COLUMNS: readonly (keyof DoseRow)[] = [
  'id',
  'plan_id',
  'patient_id',
  'step_index',
  'due_at',
  'drug_code',
  'dose_mg',
  'equivalent_mg',
  'status',
  'administered_at',
  'recorded_by',
  'reported_via',
  'note',
  'missed_at',
  'recorded_outcome',
  'timeliness',
  'minutes_from_due',
  'given_mg',
];

export function doseFromRow(row: DoseRow): DoseRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    patientId: row.patient_id,
    stepIndex: row.step_index,
    dueAt: row.due_at,
    drugCode: row.drug_code,
    doseMg: Number(row.dose_mg),
    equivalentMg: Number(row.equivalent_mg),
    equivalentDrugCode: row.equivalent_drug_code ?? null,
    status: row.status,
    administeredAt: row.administered_at,
    recordedBy: row.recorded_by,
    recordedByActor: row.recorded_by_actor ?? null,
    reportedVia: row.reported_via,
    note: row.note,
    missedAt: row.missed_at,
    recordedOutcome: row.recorded_outcome,
    timeliness: row.timeliness,
    minutesFromDue: row.minutes_from_due,
    givenMg: numberOrNull(row.given_mg),
  };
}

/** Fields are assigned, not spread in: a page builds fifty of these (decision 0036). */
export function toDoseView(d: DoseRecord): DoseView {
  const view: DoseView = {
    id: d.id,
    planId: d.planId,
    patientId: d.patientId,
    dueAt: d.dueAt.toISOString(),
    drugCode: d.drugCode,
    doseMg: d.doseMg,
    stepIndex: d.stepIndex,
    status: d.status,
  };
  if (d.equivalentDrugCode) {
    view.equivalentMg = d.equivalentMg;
    view.equivalentDrugCode = d.equivalentDrugCode;
  }
  if (d.administeredAt) view.administeredAt = d.administeredAt.toISOString();
  if (d.recordedByActor) view.recordedBy = d.recordedByActor;
  if (d.note) view.note = d.note;
  if (d.recordedOutcome) {
    view.outcome = d.recordedOutcome;
    view.reportedVia = d.reportedVia ?? 'staff';
  }
  if (present(d.givenMg)) view.givenMg = d.givenMg;
  if (d.timeliness) view.timeliness = d.timeliness;
  if (present(d.minutesFromDue)) view.minutesFromDue = d.minutesFromDue;
  if (d.missedAt) view.missedAt = d.missedAt.toISOString();
  return view;
}
