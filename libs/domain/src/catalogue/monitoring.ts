/**
 * Dose-watching parameters derived from docs/clinical.md#missed-dose-detection. They depend on how
 * often a dose is given, so the watcher computes them per plan from the plan's own administration
 * times.
 */

/**
 * Rule (a) of the proposed abrupt-cessation rule: interval + k half-lives, k = 4 (derived, [C]).
 * The default of the CESSATION_HALF_LIVES setting.
 */
export const CESSATION_HALF_LIVES = 4;
/** Rule (b): less than this fraction of the scheduled daily dose completed in 24 h (derived, [C]). */
export const CESSATION_MISSED_FRACTION = 0.5;
/** Rule (b)'s window, and for long half-life drugs the longer one ("over 48-72 h", the upper end). */
export const CESSATION_WINDOW_HOURS = 24;
export const LONG_HALF_LIFE_WINDOW_HOURS = 72;
/**
 * A drug whose sourced half-life range reaches a day is a "long t1/2 drug" (rule 2 of
 * docs/clinical.md#cessation-rule names diazepam, 20-100 h, and phenobarbital): rule (b) over 72 h
 * replaces rule (a), whose interval + k half-lives would be days long and which the 72 h window
 * always reaches first.
 */
export const LONG_HALF_LIFE_HOURS = 24;

/**
 * ISMP 2011 windows [S40a, S40c]: time-critical +/-30 min; daily or less often +/-2 h; more often
 * than daily but not more often than q4h (up to 6 a day) +/-1 h; more often than q4h within 25%
 * of the interval.
 */
export function ismpGraceMinutes(timesPerDay: number, timeCritical = false): number {
  if (timeCritical) return 30;
  if (timesPerDay <= 1) return 120;
  if (timesPerDay <= 6) return 60;
  return (0.25 * 24 * 60) / timesPerDay;
}

export function cessationRiskHours(
  intervalHours: number,
  halfLifeHours: number,
  halfLives = CESSATION_HALF_LIVES,
): number {
  return intervalHours + halfLives * halfLifeHours;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * The dosing interval of a drug given at these clock times: the longest gap between consecutive
 * times, across midnight (24 h / n for evenly spaced times; 24 h for one a day), times
 * `intervalDays` days apart for alternate-day dosing. The longest gap, not the mean, so a patient
 * who takes every dose on time never trips rule (a), whatever k is set to.
 */
export function dosingIntervalHours(times: readonly string[], intervalDays = 1): number {
  const extraDays = Math.max(0, intervalDays - 1) * 24;
  const sorted = [...new Set(times.map(minutesOf))].sort((a, b) => a - b);
  if (sorted.length <= 1) return 24 + extraDays;
  let longest = sorted[0]! + 24 * 60 - sorted[sorted.length - 1]!;
  for (let i = 1; i < sorted.length; i++) longest = Math.max(longest, sorted[i]! - sorted[i - 1]!);
  return longest / 60 + extraDays;
}

export function isLongHalfLife(halfLife: { min: number; max: number }): boolean {
  return halfLife.max >= LONG_HALF_LIFE_HOURS;
}

/** How the cessation rules watch one drug of a plan. */
export interface DrugCessationRule {
  /** Rule (a)'s threshold; null when the drug has no sourced half-life or a long one. */
  cessationRiskHours: number | null;
  /** Rule (b)'s window: 24 h, or 72 h for a long half-life drug. */
  windowHours: number;
}

/**
 * The cessation rules for a drug given every `intervalHours` (dosingIntervalHours): rule (a) at
 * interval + k x the shortest sourced half-life (alerting no later than the worked
 * baclofen case of docs/clinical.md#cessation-rule); a long half-life drug uses rule (b) over 72 h
 * instead; no sourced half-life, rule (b) only.
 */
export function drugCessationRule(
  halfLife: { min: number; max: number } | null,
  intervalHours: number,
  halfLives = CESSATION_HALF_LIVES,
): DrugCessationRule {
  if (!halfLife) return { cessationRiskHours: null, windowHours: CESSATION_WINDOW_HOURS };
  if (isLongHalfLife(halfLife)) {
    return { cessationRiskHours: null, windowHours: LONG_HALF_LIFE_WINDOW_HOURS };
  }
  return {
    cessationRiskHours: cessationRiskHours(intervalHours, halfLife.min, halfLives),
    windowHours: CESSATION_WINDOW_HOURS,
  };
}
