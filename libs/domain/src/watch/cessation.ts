import { CESSATION_MISSED_FRACTION } from '../catalogue/monitoring';
import { isOverdue, type WatchedDoseStatus } from './missed';
import { HOUR_MS, type EpochMs } from './timeliness';

/** Rule (a) looks back one day (issue 5 item 4; CLINICAL.md §4 rule 2b). */
export const CESSATION_WINDOW_HOURS = 24;

export interface WatchedDose {
  id: string;
  dueAt: EpochMs;
  /** The scheduled amount. */
  doseMg: number;
  status: WatchedDoseStatus;
  /** When a given dose was taken; dueAt is assumed when absent. */
  administeredAt?: EpochMs | null;
  /** A given dose's recorded amount when it differs from doseMg; the shortfall counts as not taken. */
  givenMg?: number | null;
}

export interface CessationInput {
  now: EpochMs;
  /** When the watcher began watching this plan: earlier doses count as taken. */
  monitoringStartedAt: EpochMs;
  /** The last taken dose, which may be older than the doses passed in. */
  lastTakenAt: EpochMs | null;
  /** The plan's current step daily dose; 0 means the plan itself has stopped the drug. */
  stepDailyDoseMg: number;
  /** At least the doses due in the last 24 h; missed_dose considers every monitored dose passed. */
  doses: readonly WatchedDose[];
  /** The drug's cessationMissedFraction; CESSATION_MISSED_FRACTION (0.5) when null or absent. */
  cessationMissedFraction?: number | null;
  /** The drug's cessationRiskHours; null disables rule (b) and leaves rule (a). */
  cessationRiskHours: number | null;
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
    }
  | {
      rule: 'hours_since_taken';
      hoursSinceTaken: number;
      thresholdHours: number;
      since: 'last_taken_dose' | 'monitoring_start';
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
  return input.graceMinutes !== undefined && isOverdue(dose, input.now, input.graceMinutes);
}

function notTakenMg(dose: WatchedDose, outcome: Outcome): number {
  if (outcome === 'not_taken') return dose.doseMg;
  if (outcome === 'taken' && dose.status === 'given' && dose.givenMg != null) {
    return Math.max(0, dose.doseMg - dose.givenMg);
  }
  return 0;
}

const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;

function missedFractionReason(input: CessationInput, doseIds: string[]): CessationReason | null {
  const fraction = input.cessationMissedFraction ?? CESSATION_MISSED_FRACTION;
  const daily = input.stepDailyDoseMg;
  const from = input.now - CESSATION_WINDOW_HOURS * HOUR_MS;
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
    dailyDoseMg: daily,
    threshold: fraction,
  };
}

function lastTaken(input: CessationInput): {
  at: EpochMs;
  since: 'last_taken_dose' | 'monitoring_start';
} {
  let at = input.lastTakenAt ?? -Infinity;
  for (const dose of input.doses) {
    // By when it was taken, not when it was due: a dose given early counts once given.
    const takenAt = dose.administeredAt ?? dose.dueAt;
    if (dose.status === 'given' && takenAt <= input.now) at = Math.max(at, takenAt);
  }
  // Before monitoring began the patient is assumed to have been taking the drug.
  return at > input.monitoringStartedAt
    ? { at, since: 'last_taken_dose' }
    : { at: input.monitoringStartedAt, since: 'monitoring_start' };
}

function hoursSinceTakenReason(input: CessationInput): CessationReason | null {
  if (input.cessationRiskHours === null) return null;
  const { at, since } = lastTaken(input);
  const hours = (input.now - at) / HOUR_MS;
  if (!(hours > input.cessationRiskHours)) return null;
  return {
    rule: 'hours_since_taken',
    hoursSinceTaken: round(hours),
    thresholdHours: input.cessationRiskHours,
    since,
  };
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

function describe(reason: CessationReason): string {
  if (reason.rule === 'missed_fraction') {
    const pct = Math.round((100 * reason.notTakenMg) / reason.dailyDoseMg);
    return `${reason.notTakenMg} of ${reason.dailyDoseMg} mg daily dose (${pct}%) not taken in the last ${CESSATION_WINDOW_HOURS} h, over the ${Math.round(100 * reason.threshold)}% threshold`;
  }
  const from = reason.since === 'last_taken_dose' ? 'the last taken dose' : 'monitoring began';
  return `${reason.hoursSinceTaken} h since ${from}, over the ${reason.thresholdHours} h threshold`;
}

/**
 * The alerts the doses warrant now (issue 5 item 4; CLINICAL.md §4 proposed rule, thresholds [C]):
 * missed_dose when any monitored dose is missed, refused or not given; abrupt_cessation_risk when (a) the not-taken
 * amount due in the last 24 h exceeds cessationMissedFraction of the step's daily dose, or (b) the
 * hours since the last taken dose (or since monitoring began) exceed cessationRiskHours. The
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
      message: describeMissed(missed),
    });
  }

  // A step of 0 mg/day is the plan's own end: stopping then is the taper, not an abrupt cessation.
  if (input.stepDailyDoseMg <= 0) return alerts;
  const notTakenIds: string[] = [];
  const reasons = [missedFractionReason(input, notTakenIds), hoursSinceTakenReason(input)].filter(
    (r): r is CessationReason => r !== null,
  );
  if (reasons.length > 0) {
    alerts.push({
      type: 'abrupt_cessation_risk',
      severity: 'critical',
      doseIds: notTakenIds,
      reasons,
      message: `Possible abrupt cessation: ${reasons.map(describe).join('; ')}`,
    });
  }
  return alerts;
}
