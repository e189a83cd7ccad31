/** Withdrawal symptom scales (CLINICAL.md section 5). */

export const SYMPTOM_SCALES = ['CIWA-B', 'COWS', 'generic'] as const;
export type SymptomScale = (typeof SYMPTOM_SCALES)[number];

export type CowsBand = 'below_mild' | 'mild' | 'moderate' | 'moderately_severe' | 'severe';

/** COWS total 0-48 (Wesson & Ling 2003, S28): 5-12 mild, 13-24 moderate, 25-36 moderately severe, >36 severe. */
export const COWS_MAX = 48;

export function cowsBand(score: number): CowsBand {
  if (score > 36) return 'severe';
  if (score >= 25) return 'moderately_severe';
  if (score >= 13) return 'moderate';
  if (score >= 5) return 'mild';
  return 'below_mild';
}

export interface SymptomAssessment {
  /** COWS only: no sourced bands exist for CIWA-B or a generic score. */
  band: CowsBand | null;
  /** The score the decision used: COWS's moderate band, else the site's configured threshold. */
  threshold: number | null;
  /** At or above the threshold: a hold is proposed. Null when no threshold is configured. */
  atOrAboveThreshold: boolean | null;
}

/** COWS's moderate band starts here; CLINICAL.md suggests a hold from moderate on. */
const COWS_HOLD_FROM = 13;

/**
 * CIWA-B and generic scores are compared with a site-configured threshold only: CLINICAL.md
 * found no sourced bands and forbids the commonly quoted ones as defaults.
 */
export function assessSymptoms(
  scale: SymptomScale,
  score: number,
  configuredThreshold: number | undefined,
): SymptomAssessment {
  if (scale === 'COWS') {
    return {
      band: cowsBand(score),
      threshold: COWS_HOLD_FROM,
      atOrAboveThreshold: score >= COWS_HOLD_FROM,
    };
  }
  if (configuredThreshold === undefined) {
    return { band: null, threshold: null, atOrAboveThreshold: null };
  }
  return {
    band: null,
    threshold: configuredThreshold,
    atOrAboveThreshold: score >= configuredThreshold,
  };
}
