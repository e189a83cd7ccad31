import type { SymptomAssessment } from './scales';

/**
 * NEWS2 clinical response to its trigger thresholds (RCP 2017, chart 4 [S42]): how often to
 * observe and who to call for a total score and the highest single-parameter score.
 */

export type News2Response =
  'routine' | 'nurse_assessment' | 'inform_medical_team' | 'urgent' | 'emergency';

export interface News2Banding {
  response: News2Response;
  /** How often observations are taken at least. */
  monitoring: string;
  action: string;
}

/** The single-parameter score that alone asks for the medical team (chart 4). */
const SINGLE_PARAMETER_TRIGGER = 3;
const URGENT_FROM = 5;
const EMERGENCY_FROM = 7;

/**
 * The response to a NEWS2 total and the highest score any one parameter got (0-3); the higher
 * response wins (a total of 5 with a 3 in one parameter is urgent).
 */
export function news2Response(total: number, highestParameterScore = 0): News2Banding {
  if (!Number.isInteger(total) || total < 0)
    throw new RangeError('total is a whole number, 0 or more');
  if (
    !Number.isInteger(highestParameterScore) ||
    highestParameterScore < 0 ||
    highestParameterScore > SINGLE_PARAMETER_TRIGGER ||
    highestParameterScore > total
  ) {
    throw new RangeError('highestParameterScore is a whole number, 0-3, not above the total');
  }
  if (total >= EMERGENCY_FROM)
    return {
      response: 'emergency',
      monitoring: 'continuous',
      action:
        'Emergency response: inform the medical team at once, emergency assessment by the critical-care team; consider transfer to level 2/3 care.',
    };
  if (total >= URGENT_FROM)
    return {
      response: 'urgent',
      monitoring: 'at least hourly',
      action:
        'Urgent response: inform the medical team at once; urgent assessment by a clinician competent in acute illness.',
    };
  if (highestParameterScore >= SINGLE_PARAMETER_TRIGGER)
    return {
      response: 'inform_medical_team',
      monitoring: 'at least hourly',
      action: 'A score of 3 in one parameter: the nurse informs the medical team, who review.',
    };
  if (total >= 1)
    return {
      response: 'nurse_assessment',
      monitoring: 'at least every 4-6 hours',
      action: 'A registered nurse assesses the patient and decides on monitoring and escalation.',
    };
  return {
    response: 'routine',
    monitoring: 'at least every 12 hours',
    action: 'Continue routine NEWS2 monitoring.',
  };
}

/**
 * A NEWS2 check-in: a trigger (an urgent or emergency total, or 3 in one parameter) escalates
 * whatever the dose counts say (docs/clinical.md#cessation-rule, rule 5). Threshold: the urgent
 * total.
 */
export function assessNews2(total: number, highestParameterScore = 0): SymptomAssessment {
  const { response } = news2Response(total, highestParameterScore);
  return {
    band: response,
    threshold: URGENT_FROM,
    atOrAboveThreshold:
      response === 'inform_medical_team' || response === 'urgent' || response === 'emergency',
  };
}
