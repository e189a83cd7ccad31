import type { PatientFacts, PlannedTaper, TaperRequestInput } from './contract';
import { planTaper } from './planner';

/** The planning day of the specs; their requests start the Monday after. */
export const SPEC_FACTS: PatientFacts = { today: '2025-01-01' };

/** The request fields every planner spec shares. */
export const SPEC_REQUEST = {
  route: 'oral',
  reason: 'spec',
  startDate: '2025-01-06',
  goal: { type: 'discontinue' } as const,
};

/** The plan for `input`; a rejection fails the spec with its problems. */
export function plannedOrThrow(input: TaperRequestInput, facts = SPEC_FACTS): PlannedTaper {
  const outcome = planTaper(input, facts);
  if (outcome.kind !== 'planned') throw new Error(JSON.stringify(outcome.problems));
  return outcome.plan;
}

/** Each step's dose per administration time, 0 where the step gives none. */
export const dosesPerTime = (plan: PlannedTaper, times: readonly string[]) =>
  plan.steps.map((s) => times.map((t) => s.doses.find((d) => d.time === t)?.doseMg ?? 0));

/** Baclofen 20 mg TID to stop: the reference request of the specs (not used by the library). */
export const BACLOFEN_60_TID: TaperRequestInput = {
  drugCode: 'baclofen',
  route: 'oral',
  currentDosesMg: [20, 20, 20],
  administrationTimes: ['08:00', '14:00', '20:00'],
  startDate: '2025-01-06',
  goal: { type: 'discontinue' },
  reason: 'spasticity resolved',
};

/**
 * Lorazepam 1 mg three times a day switched to diazepam (NHS Scotland [S16a, S16b]: 10 mg diazepam
 * per lorazepam 1 mg, bedtime first): the mixed-switch reference of the specs.
 */
export const LORAZEPAM_3MG_TID_SWITCH: TaperRequestInput = {
  drugCode: 'lorazepam',
  route: 'oral',
  strengthsMg: [0.5, 1],
  currentDosesMg: [1, 1, 1],
  administrationTimes: ['08:00', '14:00', '22:00'],
  substituteWith: 'diazepam',
  startDate: '2025-01-06',
  goal: { type: 'discontinue' },
  reason: 'long-term use',
};
