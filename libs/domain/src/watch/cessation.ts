import { CESSATION_MISSED_FRACTION, CESSATION_WINDOW_HOURS } from '../catalogue/monitoring';
import { isOverdue, type WatchedDoseStatus } from './missed';
import { HOUR_MS, type EpochMs } from './timeliness';

/** Rule (b) looks back one day by default (docs/clinical.md#cessation-rule, rule 2b). */
export { CESSATION_WINDOW_HOURS };

export interface WatchedDose {
  id: string;
  dueAt: EpochMs;
  /** The scheduled amount, in mg of its own drug. */
  doseMg: number;
  /** The dose's drug; absent, the dose counts for every watched drug (a plan of one drug). */
  drugCode?: string;
  /**
   * The dose in the unit of stepDailyDoseMg (the diazepam equivalent in a switch); absent, doseMg.
   * Null: no equivalence is known, so rule (b) cannot weigh it (it still counts everywhere else).
   */
  equivalentMg?: number | null;
  status: WatchedDoseStatus;
  /** When a given dose was taken; dueAt is assumed when absent. */
  administeredAt?: EpochMs | null;
  /** A given dose's recorded amount when it differs from doseMg; the shortfall counts as not taken. */
  givenMg?: number | null;
  /**
   * An outpatient's dose, which only the patient's report settles: left unrecorded it is neither
   * taken nor missed however late it is (no missed_dose, nothing not taken in rule (b)).
   */
  reportOnly?: boolean;
}

/** One drug the patient is meant to be taking now, with its own rule (a). */
export interface WatchedDrug {
  drugCode: string;
  /** How alerts name it. */
  name: string;
  /** interval + k half-lives (drugCessationRule); null: rule (a) does not apply to it. */
  cessationRiskHours: number | null;
  /** Its last taken dose, which may be older than the doses passed in. */
  lastTakenAt: EpochMs | null;
}

export interface CessationInput {
  now: EpochMs;
  /** When the watcher began watching this course: earlier doses count as taken. */
  monitoringStartedAt: EpochMs;
  /** A plan of one drug: its last taken dose (ignored when `drugs` is given). */
  lastTakenAt?: EpochMs | null;
  /**
   * The current step's daily dose, in the unit of the doses' equivalentMg; 0 means the plan
   * itself has stopped the drug.
   */
  stepDailyDoseMg: number;
  /** At least the doses due in rule (b)'s window; missed_dose considers every monitored dose passed. */
  doses: readonly WatchedDose[];
  /** The drug's cessationMissedFraction; CESSATION_MISSED_FRACTION (0.5) when null or absent. */
  cessationMissedFraction?: number | null;
  /** A plan of one drug: its rule (a) threshold; null or absent leaves rule (b) alone. */
  cessationRiskHours?: number | null;
  /** The drugs the patient is meant to be taking now, each with its rule (a) (by drugCode). */
  drugs?: readonly WatchedDrug[];
  /** Rule (b)'s window: 24 h (default), 72 h when every drug given has a long half-life. */
  fractionWindowHours?: number;
  /** Names of the doses' drugs, so messages say which drug was missed. */
  drugNames?: Readonly<Record<string, string>>;
  /** What stepDailyDoseMg counts, when not mg of the dose's own drug ("diazepam-equivalent"). */
  doseUnitLabel?: string;
  /**
   * When given, scheduled doses already past their grace count as missed, so a sweep that has not
   * yet marked them cannot hide a cessation.
   */
  graceMinutes?: number;
}

export type CessationReason =
  | {
      rule: 'missed_fraction';
      notTakenMg: number;
      dailyDoseMg: number;
      threshold: number;
      /** Present when not the default 24 h. */
      windowHours?: number;
    }
  | {
      rule: 'hours_since_taken';
      hoursSinceTaken: number;
      thresholdHours: number;
      since: 'last_taken_dose' | 'monitoring_start';
      /** The drug not taken, when the plan names its drugs. */
      drugCode?: string;
    };

export interface MissedDoseAlert {
  type: 'missed_dose';
  severity: 'warning';
  doseIds: string[];
  message: string;
}

export interface CessationAlert {
  type: 'abrupt_cessation_risk';
  severity: 'critical';
  /** The not-taken doses in the window. */
  doseIds: string[];
  /** One or both rules, (a) first. */
  reasons: CessationReason[];
  message: string;
}

export type WatchAlert = MissedDoseAlert | CessationAlert;

type Outcome = 'taken' | 'not_taken' | 'pending' | 'ignored';

/**
 * Doses the patient did not get that raise missed_dose: unrecorded past grace, refused, or not
 * given. Held is not among them: it is an order, and counts only as not taken.
 */
const MISSED_DOSE_STATUSES: ReadonlySet<WatchedDoseStatus> = new Set([
  'missed',
  'refused',
  'not_given',
]);

/** Recorded outcomes known before a dose is due (a refusal at 07:55 for 08:00) count at once. */
const RECORDED_NOT_TAKEN: ReadonlySet<WatchedDoseStatus> = new Set([
  'held',
  'refused',
  'not_given',
]);

function outcomeOf(dose: WatchedDose, input: CessationInput): Outcome {
  if (dose.status === 'cancelled') return 'ignored';
  if (dose.dueAt > input.now && !RECORDED_NOT_TAKEN.has(dose.status)) return 'ignored';
  if (dose.dueAt < input.monitoringStartedAt) return 'taken';
  if (dose.status === 'scheduled' && dose.reportOnly) return 'pending';
  if (effectivelyMissed(dose, input)) return 'not_taken';
  switch (dose.status) {
    case 'given':
      return 'taken';
    case 'scheduled':
      return 'pending';
    default:
      return 'not_taken';
  }
}

function effectivelyMissed(dose: WatchedDose, input: CessationInput): boolean {
  if (MISSED_DOSE_STATUSES.has(dose.status)) return true;
  return (
    !dose.reportOnly &&
    input.graceMinutes !== undefined &&
    isOverdue(dose, input.now, input.graceMinutes)
  );
}

/** The not-taken amount in the unit of stepDailyDoseMg: a dose's own mg converted by its equivalent. */
function notTakenMg(dose: WatchedDose, outcome: Outcome): number {
  const equivalent = dose.equivalentMg === undefined ? dose.doseMg : dose.equivalentMg;
  if (equivalent === null) return 0;
  if (outcome === 'not_taken') return equivalent;
  if (outcome === 'taken' && dose.status === 'given' && dose.givenMg != null && dose.doseMg > 0) {
    return (Math.max(0, dose.doseMg - dose.givenMg) * equivalent) / dose.doseMg;
  }
  return 0;
}

const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;

function missedFractionReason(input: CessationInput, doseIds: string[]): CessationReason | null {
  const fraction = input.cessationMissedFraction ?? CESSATION_MISSED_FRACTION;
  const windowHours = input.fractionWindowHours ?? CESSATION_WINDOW_HOURS;
  // The scheduled amount over the window at the current step's pace.
  const daily = (input.stepDailyDoseMg * windowHours) / CESSATION_WINDOW_HOURS;
  const from = input.now - windowHours * HOUR_MS;
  let missing = 0;
  for (const dose of input.doses) {
    if (dose.dueAt <= from) continue;
    const outcome = outcomeOf(dose, input);
    const mg = notTakenMg(dose, outcome);
    if (mg > 0) {
      missing += mg;
      if (outcome === 'not_taken') doseIds.push(dose.id);
    }
  }
  // "More than" the fraction; the tolerance keeps float sums such as 0.1 + 0.2 from tipping over.
  if (missing <= fraction * daily + 1e-9 * daily) return null;
  return {
    rule: 'missed_fraction',
    notTakenMg: round(missing, 6),
    dailyDoseMg: round(daily, 6),
    threshold: fraction,
    ...(windowHours === CESSATION_WINDOW_HOURS ? {} : { windowHours }),
  };
}

/** Whether a dose is of this drug (a dose or drug without a code is the plan's only drug). */
const ofDrug = (dose: WatchedDose, drugCode: string | undefined) =>
  drugCode === undefined || dose.drugCode === undefined || dose.drugCode === drugCode;

function lastTaken(
  input: CessationInput,
  drug: { drugCode?: string; lastTakenAt: EpochMs | null },
): {
  at: EpochMs;
  since: 'last_taken_dose' | 'monitoring_start';
} {
  let at = drug.lastTakenAt ?? -Infinity;
  for (const dose of input.doses) {
    if (!ofDrug(dose, drug.drugCode)) continue;
    // By when it was taken, not when it was due: a dose given early counts once given.
    const takenAt = dose.administeredAt ?? dose.dueAt;
    if (dose.status === 'given' && takenAt <= input.now) at = Math.max(at, takenAt);
  }
  // Before monitoring began the patient is assumed to have been taking the drug.
  return at > input.monitoringStartedAt
    ? { at, since: 'last_taken_dose' }
    : { at: input.monitoringStartedAt, since: 'monitoring_start' };
}

/** The drugs rule (a) watches: `drugs`, or the plan's one drug from the single-drug fields. */
function watchedDrugs(input: CessationInput): readonly {
  drugCode?: string;
  cessationRiskHours: number | null;
  lastTakenAt: EpochMs | null;
}[] {
  return (
    input.drugs ?? [
      {
        cessationRiskHours: input.cessationRiskHours ?? null,
        lastTakenAt: input.lastTakenAt ?? null,
      },
    ]
  );
}

function hoursSinceTakenReasons(input: CessationInput): CessationReason[] {
  const reasons: CessationReason[] = [];
  for (const drug of watchedDrugs(input)) {
    if (drug.cessationRiskHours === null) continue;
    const { at, since } = lastTaken(input, drug);
    const hours = (input.now - at) / HOUR_MS;
    if (!(hours > drug.cessationRiskHours)) continue;
    reasons.push({
      rule: 'hours_since_taken',
      hoursSinceTaken: round(hours),
      thresholdHours: drug.cessationRiskHours,
      since,
      ...(drug.drugCode === undefined ? {} : { drugCode: drug.drugCode }),
    });
  }
  return reasons;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 missed doses", or "3 doses not taken (1 missed, 2 refused)" when some were recorded. */
function describeMissed(doses: readonly WatchedDose[]): string {
  const count = (status: WatchedDoseStatus) => doses.filter((d) => d.status === status).length;
  const recorded = { refused: count('refused'), 'not given': count('not_given') };
  const unrecorded = doses.length - recorded.refused - recorded['not given'];
  if (unrecorded === doses.length) return plural(doses.length, 'missed dose');
  const parts = [
    ...(unrecorded > 0 ? [`${unrecorded} missed`] : []),
    ...Object.entries(recorded)
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${n} ${what}`),
  ];
  return `${plural(doses.length, 'dose')} not taken (${parts.join(', ')})`;
}

/** "Diazepam and Lorazepam": the names of these drugs, when the caller named them. */
function drugList(input: CessationInput, drugCodes: readonly (string | undefined)[]): string {
  const names = [...new Set(drugCodes)]
    .map((code) => (code === undefined ? undefined : (input.drugNames?.[code] ?? code)))
    .filter((name): name is string => name !== undefined)
    .sort();
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** "Lorazepam: …" when the drugs are known, so every alert says which drug was not taken. */
const titled = (drugs: string, text: string) => (drugs ? `${drugs}: ${text}` : text);

function describe(reason: CessationReason, input: CessationInput): string {
  if (reason.rule === 'missed_fraction') {
    const pct = Math.round((100 * reason.notTakenMg) / reason.dailyDoseMg);
    const window = reason.windowHours ?? CESSATION_WINDOW_HOURS;
    const unit = input.doseUnitLabel ? `mg ${input.doseUnitLabel}` : 'mg';
    const scheduled = window === CESSATION_WINDOW_HOURS ? 'daily dose' : `scheduled in ${window} h`;
    return `${reason.notTakenMg} of ${reason.dailyDoseMg} ${unit} ${scheduled} (${pct}%) not taken in the last ${window} h, over the ${Math.round(100 * reason.threshold)}% threshold`;
  }
  const drug = reason.drugCode === undefined ? '' : ` of ${drugList(input, [reason.drugCode])}`;
  const since =
    reason.since === 'last_taken_dose'
      ? `the last taken dose${drug}`
      : `monitoring began${drug ? `, no dose${drug} taken` : ''}`;
  return `${reason.hoursSinceTaken} h since ${since}, over the ${reason.thresholdHours} h threshold`;
}

/**
 * The alerts the doses warrant now (docs/clinical.md#cessation-rule, thresholds [C]): missed_dose
 * when any monitored dose is missed, refused or not given; abrupt_cessation_risk when (b) the
 * not-taken amount due in the window (24 h, or 72 h for long half-life drugs), in one unit
 * (equivalents in a switch), exceeds cessationMissedFraction of what the current step schedules
 * in it, or (a) for any drug given now, the hours since its last taken dose (or since monitoring
 * began) exceed its interval + k half-lives. The
 * caller opens an alert only where none of that type is open, merges dose ids into an open one,
 * and never resolves one because this returns nothing: resolving is a person's decision.
 */
export function evaluateDoseAlerts(input: CessationInput): WatchAlert[] {
  if (input.now < input.monitoringStartedAt) return [];
  const alerts: WatchAlert[] = [];

  const missed = input.doses.filter(
    (d) => outcomeOf(d, input) === 'not_taken' && effectivelyMissed(d, input),
  );
  if (missed.length > 0) {
    alerts.push({
      type: 'missed_dose',
      severity: 'warning',
      doseIds: missed.map((d) => d.id),
      message: titled(
        drugList(
          input,
          missed.map((d) => d.drugCode),
        ),
        describeMissed(missed),
      ),
    });
  }

  // A step of 0 mg/day is the plan's own end: stopping then is the taper, not an abrupt cessation.
  if (input.stepDailyDoseMg <= 0) return alerts;
  const notTakenIds: string[] = [];
  const reasons = [
    missedFractionReason(input, notTakenIds),
    ...hoursSinceTakenReasons(input),
  ].filter((r): r is CessationReason => r !== null);
  if (reasons.length > 0) {
    const drugs = drugList(input, [
      ...input.doses.filter((d) => notTakenIds.includes(d.id)).map((d) => d.drugCode),
      ...reasons.map((r) => (r.rule === 'hours_since_taken' ? r.drugCode : undefined)),
    ]);
    alerts.push({
      type: 'abrupt_cessation_risk',
      severity: 'critical',
      doseIds: notTakenIds,
      reasons,
      message: titled(
        drugs,
        `Possible abrupt cessation: ${reasons.map((r) => describe(r, input)).join('; ')}`,
      ),
    });
  }
  return alerts;
}
