import type { CurrentDose, PlanStep, TaperRequestInput } from '../contract';
import { toMg, toUg } from '../dispensing/grid';
import { isoDateAddDays } from '../dates';
import { stepOn } from './steps';

/** The current doses of a request: one per administration time, all of the request's drug. */
export function requestDoses(
  request: Pick<TaperRequestInput, 'drugCode' | 'currentDosesMg'>,
): CurrentDose[] {
  return request.currentDosesMg.map((mg) => ({ drugCode: request.drugCode, mg }));
}

/**
 * What the patient takes on `date`, one dose per administration time of `request`, each with
 * its drug and mg of that drug (mid-switch, times differ in drug): before the plan starts, the
 * request's own doses; after it ends, the last step's. A time the step gives nothing is 0 mg of
 * the request's drug. `intervalDays` is 2 when the step in force gives them every other day
 * (pass it on as ReplanInput.currentIntervalDays). A plan gives one drug per time (planRuleViolations holds it to that); should
 * a step give two at one time, only the first drug's doses are read, never added to the other.
 */
export function dosesTakenOn(
  steps: readonly PlanStep[],
  date: string,
  request: Pick<TaperRequestInput, 'drugCode' | 'currentDosesMg' | 'administrationTimes'>,
): { doses: CurrentDose[]; step: PlanStep | undefined; intervalDays: number } {
  if (steps.length === 0 || date < steps[0].startDate)
    return { doses: requestDoses(request), step: undefined, intervalDays: 1 };
  const step = stepOn(steps, date) ?? steps[steps.length - 1];
  const doses = request.administrationTimes.map((time): CurrentDose => {
    const at = step.doses.filter((d) => d.time === time);
    if (!at.length) return { drugCode: request.drugCode, mg: 0 };
    const drugCode = at[0].drugCode;
    const ug = at.filter((d) => d.drugCode === drugCode).reduce((a, d) => a + toUg(d.doseMg), 0);
    return { drugCode, mg: toMg(ug) };
  });
  return { doses, step, intervalDays: step.intervalDays ?? 1 };
}

/**
 * A step back: the doses of the step before the one in force on `date` (the previous level of a
 * titration). Null when there is none, or it gives nothing: stepping back to nothing would stop
 * the drug, which is not a step back.
 */
export function dosesOfStepBefore(
  steps: readonly PlanStep[],
  date: string,
  request: Pick<TaperRequestInput, 'drugCode' | 'currentDosesMg' | 'administrationTimes'>,
): CurrentDose[] | null {
  const now = dosesTakenOn(steps, date, request);
  if (!now.step) return null;
  const before = dosesTakenOn(steps, isoDateAddDays(now.step.startDate, -1), request);
  return before.doses.some((d) => d.mg > 0) ? before.doses : null;
}
