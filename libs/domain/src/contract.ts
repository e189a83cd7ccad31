/**
 * The contract between the pure domain and the service around it. The API and the worker
 * depend only on what is exported here (and from index.ts); the domain owns everything else.
 */

export type Severity = 'info' | 'warning' | 'critical';
export type Strategy = 'linear' | 'proportional' | 'hyperbolic';

export interface Source {
  title: string;
  url: string;
}

/** The Drug of docs/api.md (Drugs). A field with no sourced value is null. */
export interface DrugView {
  code: string;
  name: string;
  drugClass: string;
  routes: string[];
  strengthsMg: number[];
  maxDailyDoseMg: number | null;
  halfLifeHours: { min: number; max: number } | null;
  defaultStrategy: Strategy;
  minStepDays: number | null;
  maxStepReductionPercent: number | null;
  minTaperDays: number | null;
  graceMinutes: number | null;
  cessationRiskHours: number | null;
  cessationMissedFraction: number | null;
  sources: Source[];
  /** Extra catalogue detail (formulations, which source backs which field, site-must-configure items). */
  [extra: string]: unknown;
}

export type TaperGoal =
  | { type: 'discontinue' }
  | { type: 'reduce'; targetDailyDoseMg: number }
  /**
   * Up-titration along the drug's sourced titration schedule (baclofen's label), to this daily
   * dose or, when absent, to the drug's sourced maximum daily dose.
   */
  | { type: 'titrate'; targetDailyDoseMg?: number }
  /** Keep the doses taken now, open-ended (until a revision): a course's maintenance phase. */
  | { type: 'maintain' };

/**
 * A taper request as docs/api.md (POST /v1/taper-requests) defines its body (already type-checked
 * by the API).
 */
export interface TaperRequestInput {
  drugCode: string;
  route: string;
  currentDosesMg: number[];
  administrationTimes: string[];
  startDate: string; // YYYY-MM-DD
  goal: TaperGoal;
  strategy?: Strategy;
  stepDays?: number;
  maxStepReductionPercent?: number;
  durationOfUseWeeks?: number;
  coMedications?: string[];
  reason: string;
  override?: { reason: string };
  /** The site's formulary, where the catalogue has no strengths for the drug. */
  strengthsMg?: number[];
  /** Allow liquid volumes where the drug has a liquid. */
  allowLiquid?: boolean;
  /** Crossover (benzodiazepines): switch to this drug first. */
  substituteWith?: string;
  /** Liquid concentration, where the drug has a liquid but the catalogue no concentration. */
  liquidMgPerMl?: number;
  /** Smallest volume the ward measures, in mL (default 1 mL). */
  liquidStepMl?: number;
  /** Hyperbolic parameters, [C] in docs/clinical.md#taper-algorithms: the request supplies them. */
  hyperbolic?: { emaxPercent: number; ed50Mg: number };
  /** Crossover: diazepam mg per 1 mg of this drug, where the catalogue has none or it differs. */
  diazepamMgPerMg?: number;
  /**
   * Titration: the fraction (0-1] of the usual titration doses given, replacing the catalogue's
   * renal default (baclofen's CKD bands [S6] are [C]: 2/3, 1/2, 1/3 of the usual dose).
   */
  renalDoseFraction?: number;
  /**
   * Titration: what a check-in with a sourced adverse effect proposes ([C]: hold vs step back
   * one level, docs/clinical.md#taper-algorithms): keep the current dose (default) or go back to
   * the previous step's dose, then rise again.
   */
  adverseEffectAction?: 'hold' | 'step_back';
}

/** Facts about the patient that change pace or warnings. `today` is the planning date. */
export interface PatientFacts {
  birthDate?: string | null; // YYYY-MM-DD
  creatinineClearanceMlMin?: number | null;
  today: string; // YYYY-MM-DD
}

export interface Problem {
  code: string;
  message: string;
  /** The request field the problem is about, when there is one (e.g. "currentDosesMg"). */
  field?: string;
}

export interface Warning {
  code: string;
  severity: Severity;
  message: string;
  source?: Source;
  /** The plan step the warning is about (e.g. `cut_exceeds_source`), when it is about one. */
  stepIndex?: number;
}

export interface DoseUnit {
  strengthMg: number;
  count: number;
  /** 'tablet' (count may be 0.5 for a scored half) or 'liquid' (count = mL, strengthMg = mg per mL). */
  form?: 'tablet' | 'liquid';
}

export interface PlannedDose {
  time: string; // HH:mm
  /** The drug given at this time: the plan's drug, or in a crossover the drug of this slot. */
  drugCode: string;
  /** mg of `drugCode` itself, never an equivalent. */
  doseMg: number;
  units: DoseUnit[];
  /** Crossover plans: this dose in the plan's daily-dose unit (diazepam mg) when it differs. */
  equivalentMg?: number;
}

export interface PlanStep {
  /** 1-based. */
  index: number;
  startDate: string;
  endDate: string;
  /** mg per day; on alternate days (`intervalDays` 2) the mean: the doses' sum / intervalDays. */
  dailyDoseMg: number;
  doses: PlannedDose[];
  /**
   * Absent: the doses are given every day. 2: alternate-day dosing (fluoxetine, NICE [S33]): the
   * doses are given on startDate, startDate + 2 days, … and not on the days between.
   */
  intervalDays?: number;
}

export interface RationaleItem {
  rule: string;
  text: string;
  source?: Source;
}

export interface PlannedTaper {
  drugCode: string;
  strategy: Strategy;
  startDate: string;
  endDate: string;
  startDailyDoseMg: number;
  targetDailyDoseMg: number;
  steps: PlanStep[];
  warnings: Warning[];
  rationale: RationaleItem[];
  /** The limits this plan was built to (for review, and for checking it). */
  pace?: PlanPace;
  /** Crossover plans: daily doses are in mg of this drug (diazepam). */
  doseUnitDrugCode?: string;
}

/**
 * A step's largest allowed cut is the smallest of the caps present: percent of the previous daily
 * dose, mg from the starting dose, or the band cap at the previous daily dose; and no
 * administration falls by more than maxStepMgPerDose. No cap is widened to fit the strengths: a
 * step above one carries a `cut_exceeds_source` warning naming it (Warning.stepIndex).
 */
export interface PlanPace {
  stepDays: number;
  minStepDays: number;
  minTaperDays: number | null;
  maxStepReductionPercent: number | null;
  maxStepMgPerDose: number | null;
  maxStepMgFromStart: number | null;
  bands: { aboveMg: number; capMg: number }[] | null;
  smallestStrengthMg: number;
  /** True when override.reason took the plan outside the drug's limits. */
  overridden: boolean;
}

export type PlanOutcome =
  { kind: 'planned'; plan: PlannedTaper } | { kind: 'rejected'; problems: Problem[] };

/** What the patient takes at one administration time: the drug and mg of that drug itself. */
export interface CurrentDose {
  drugCode: string;
  /** mg of `drugCode` (0: nothing at this time), never an equivalent. */
  mg: number;
}

/** Re-planning from a date and current dose (pause/revision support). */
export interface ReplanInput {
  original: TaperRequestInput;
  fromDate: string; // YYYY-MM-DD, first day of the new plan
  /**
   * What the patient takes now, one per administration time of `original`, each with its drug:
   * mid-switch some times give the substitute and others still the original drug.
   */
  currentDoses: CurrentDose[];
  /**
   * 2 when those doses are given every other day now (an alternate-day step in force); absent or
   * 1: every day. From alternate days the only step left is the stop.
   */
  currentIntervalDays?: number;
  holdDays?: number; // keep the current doses, exactly as they are, this many days first
  stepDays?: number;
  strategy?: Strategy;
}
