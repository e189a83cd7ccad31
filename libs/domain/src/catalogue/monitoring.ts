/**
 * Dose-watching parameters derived from CLINICAL.md section 4. They depend on how often a dose is
 * given, so the service can also call them with a plan's own administration count.
 */

/** Rule (a) of the proposed abrupt-cessation rule: interval + k half-lives, k = 4 (derived, [C]). */
export const CESSATION_HALF_LIVES = 4;
/** Rule (b): less than this fraction of the scheduled daily dose completed in 24 h (derived, [C]). */
export const CESSATION_MISSED_FRACTION = 0.5;

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

export function cessationRiskHours(intervalHours: number, halfLifeHours: number): number {
  return intervalHours + CESSATION_HALF_LIVES * halfLifeHours;
}
