/** Withdrawal symptom scales (docs/clinical.md#symptom-scales). */
import type { News2Response } from './news2';

export const SYMPTOM_SCALES = ['CIWA-B', 'COWS', 'generic', 'baclofen-checklist', 'NEWS2'] as const;
export type SymptomScale = (typeof SYMPTOM_SCALES)[number];

/**
 * Baclofen has no validated withdrawal scale [U]; these are the sourced check-in items [S8, S11,
 * S12], recorded as present or not.
 */
export const BACLOFEN_CHECKLIST_ITEMS = [
  'confusion',
  'hallucinations',
  'agitation',
  'insomnia',
  'anxiety',
  'more_spasticity_or_rigidity',
  'fever',
  'tachycardia',
  'pruritus',
  'seizure',
  // An adverse effect while titrating: additive CNS depression (sedation) [S12].
  'drowsiness',
] as const;
export type BaclofenChecklistItem = (typeof BACLOFEN_CHECKLIST_ITEMS)[number];

/**
 * The sourced adverse effects a titration check-in looks for: drowsiness (CNS depression [S12])
 * and confusion (encephalopathy on higher doses with reduced renal function [S7]). Dizziness and
 * weakness are not in the catalogue's sources, so they are not offered.
 */
export const BACLOFEN_ADVERSE_EFFECTS: readonly BaclofenChecklistItem[] = [
  'drowsiness',
  'confusion',
];

/**
 * Items that are red flags: an urgent escalation at once (the red flags
 * docs/clinical.md#symptom-scales suggests: seizure, hallucinations, delirium — here confusion —
 * and fever [S8, S11, S12]).
 */
export const BACLOFEN_RED_FLAGS: readonly BaclofenChecklistItem[] = [
  'hallucinations',
  'seizure',
  'confusion',
  'fever',
];

/** A checklist's judgement: no item, items present, or a red flag among them. */
export type ChecklistBand = 'none' | 'symptoms' | 'red_flag';

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
  /** COWS's band, or a checklist's; no sourced bands exist for CIWA-B or a generic score. */
  band: CowsBand | ChecklistBand | News2Response | null;
  /** The score the decision used: COWS's moderate band, else the site's configured threshold. */
  threshold: number | null;
  /** At or above the threshold: a hold is proposed. Null when no threshold is configured. */
  atOrAboveThreshold: boolean | null;
}

/** COWS's moderate band starts here; docs/clinical.md#symptom-scales suggests a hold from it on. */
const COWS_HOLD_FROM = 13;

/**
 * CIWA-B and generic scores are compared with a site-configured threshold only: the sources
 * give no bands, and the commonly quoted ones must not be defaults
 * (docs/clinical.md#symptom-scales).
 */
export function assessSymptoms(
  scale: Exclude<SymptomScale, 'baclofen-checklist' | 'NEWS2'>,
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

/**
 * A checklist (the baclofen items): any item present is a positive check-in, which escalates
 * whatever the dose counts say and proposes a hold (threshold 1 item); a red flag is critical.
 */
export function assessChecklist(
  items: readonly string[],
  redFlags: readonly string[] = BACLOFEN_RED_FLAGS,
): SymptomAssessment & { redFlags: string[] } {
  const present = [...new Set(items)];
  const flagged = present.filter((i) => redFlags.includes(i));
  return {
    band: flagged.length > 0 ? 'red_flag' : present.length > 0 ? 'symptoms' : 'none',
    threshold: 1,
    atOrAboveThreshold: present.length >= 1,
    redFlags: flagged,
  };
}
