import type { Strategy } from '../contract';
import type { SourceId } from './sources';

/** A value with the sources it came from; `derived` says how, when it is not read off a source. */
export interface Sourced<T> {
  value: T;
  sources: SourceId[];
  derived?: string;
}

export type DrugClass =
  | 'muscle relaxant'
  | 'benzodiazepine'
  | 'z-drug'
  | 'gabapentinoid'
  | 'opioid'
  | 'ssri/snri'
  | 'alpha-2 agonist'
  | 'beta-blocker'
  | 'corticosteroid'
  | 'barbiturate';

/** A cap on one step's cut, as a percent of the previous daily dose, optionally per `perDays`. */
export interface PercentCap extends Sourced<number> {
  /**
   * When the source states a rate ("25% per 2 weeks"), shorter steps get a pro-rata share, and a
   * step the strengths cannot make within its share may last longer, up to `perDays` (never more
   * than the stated percent).
   */
  perDays: number | null;
}

/** A dose band: above `aboveMg` per day the planned cut is `stepMg`, never more than `capMg`. */
export interface DoseBand {
  aboveMg: number;
  stepMg: number;
  capMg: number;
  sources: SourceId[];
  derived?: string;
}

export interface DrugEntry {
  code: string;
  name: string;
  drugClass: DrugClass;
  routes: readonly string[];
  tabletsMg: Sourced<number[]> | null;
  /** Strengths that exist but are not the default set (a request may list them). */
  otherTabletsMg?: Sourced<number[]>;
  /**
   * The liquid. `mgPerMl` is null where the sources give no concentration or several that differ
   * (`concentrationsMgPerMl`): a plan using the liquid then needs the request's liquidMgPerMl.
   */
  liquid: {
    description: string;
    mgPerMl: number | null;
    concentrationsMgPerMl?: number[];
    sources: SourceId[];
  } | null;
  maxDailyDoseMg: Sourced<number> | null;
  halfLifeHours: Sourced<{ min: number; max: number }> | null;
  timesPerDay: Sourced<{ min: number; max: number; label: string }> | null;
  defaultStrategy: Sourced<Strategy>;
  minStepDays: Sourced<number> | null;
  defaultStepDays: Sourced<number> | null;
  /** The drug's maxStepReductionPercent. */
  stepCap: PercentCap | null;
  /** A stricter cap after long use (opioids: CDC 10%/month after more than a year). */
  longUseCap?: PercentCap & { afterWeeks: number };
  /** Cap per administration per step (baclofen: the label titration run backwards). */
  perDoseCapMg?: Sourced<number>;
  /**
   * The sourced up-titration schedule (baclofen's label): the first dose per administration, the
   * rise per administration per step and the step length; up to maxDailyDoseMg. Only a drug
   * with one can be titrated.
   */
  titration?: Sourced<{ startMgPerDose: number; stepMgPerDose: number; stepDays: number }>;
  /** Derived cap as a percent of the starting daily dose (equal linear steps). */
  startFractionCap?: Sourced<number>;
  /**
   * Dose bands, highest first; the last band reaches 0. A drug's own bands replace its class
   * percent caps (stepCap, longUseCap): they are the drug-specific source (CKS for diazepam), and
   * their tail steps are larger than the class's "generally not more than 25%".
   */
  bands?: DoseBand[];
  proportional: (Sourced<number> & { lowDosePercent?: number }) | null;
  minTaperDays: Sourced<number> | null;
  /**
   * A single daily dose may go to alternate days as one step (fluoxetine, NICE [S33]): used when
   * the strengths cannot make a smaller daily step, and only on the way to stopping.
   */
  alternateDay?: Sourced<true>;
  /** `mg` of this drug is about `diazepamMg` of diazepam. */
  diazepamEquivalence?: Sourced<{ mg: number; diazepamMg: number }>;
  cnsDepressant: boolean;
  notes: string[];
}
