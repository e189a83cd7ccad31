import type { PlannedTaper } from '../contract';
import { isoDateAddDays, isoDaysBetween } from '../dates';
import { bandAt } from '../safety/pace';

const EPS = 1e-9;

/** What a plan may be made of, from the request and the catalogue. */
export interface Dispensing {
  tabletsMg: readonly number[];
  liquidMgPerMl: number | null;
}

function allowedCutMg(plan: PlannedTaper, prevMg: number, active: number): number {
  const p = plan.pace!;
  let cap = Infinity;
  if (p.maxStepReductionPercent !== null)
    cap = Math.min(cap, (prevMg * p.maxStepReductionPercent) / 100);
  if (p.maxStepMgPerDose !== null) cap = Math.min(cap, p.maxStepMgPerDose * active);
  if (p.maxStepMgFromStart !== null) cap = Math.min(cap, p.maxStepMgFromStart);
  if (p.bands) cap = Math.min(cap, bandAt(p.bands, prevMg).capMg);
  return Math.max(p.smallestStrengthMg, cap);
}

/**
 * Every rule a plan must keep (API.md and the planner issue), as readable violations; an empty
 * list is a valid plan. `holdSteps` leading steps of a re-plan are exempt from the pace rules.
 */
export function planViolations(
  plan: PlannedTaper,
  dispensing: Dispensing,
  startDoses: { time: string; mg: number }[],
  holdSteps = 0,
): string[] {
  const out: string[] = [];
  const steps = plan.steps;
  if (!steps.length) return ['no steps'];
  if (steps[0].startDate !== plan.startDate) out.push('first step does not start on startDate');
  if (steps[steps.length - 1].endDate !== plan.endDate)
    out.push('last step does not end on endDate');
  const last = steps[steps.length - 1];
  if (Math.abs(last.dailyDoseMg - plan.targetDailyDoseMg) > EPS)
    out.push('target not reached exactly');
  if (plan.targetDailyDoseMg === 0 && last.doses.length)
    out.push('discontinuation step lists doses');
  let prevDaily = plan.startDailyDoseMg;
  let prevByTime = new Map(startDoses.map((d) => [d.time, d.mg]));
  steps.forEach((step, i) => {
    const at = `step ${step.index}`;
    if (step.index !== i + 1) out.push(`${at}: index`);
    if (i > 0 && step.startDate !== isoDateAddDays(steps[i - 1].endDate, 1))
      out.push(`${at}: not contiguous`);
    const days = isoDaysBetween(step.startDate, step.endDate) + 1;
    if (days < 1) out.push(`${at}: ends before it starts`);
    const byTime = new Map<string, number>();
    let sum = 0;
    for (const dose of step.doses) {
      const made = dose.units.reduce((a, u) => a + u.strengthMg * u.count, 0);
      if (Math.abs(made - dose.doseMg) > 1e-6)
        out.push(`${at} ${dose.time}: units make ${made}, not ${dose.doseMg}`);
      for (const u of dose.units) {
        const liquid = u.form === 'liquid';
        if (liquid && u.strengthMg !== dispensing.liquidMgPerMl)
          out.push(`${at} ${dose.time}: liquid not allowed`);
        if (
          !liquid &&
          (!Number.isInteger(u.count) || !dispensing.tabletsMg.includes(u.strengthMg))
        ) {
          out.push(`${at} ${dose.time}: ${u.count} x ${u.strengthMg} mg is not a real tablet`);
        }
      }
      const eq = dose.equivalentMg ?? dose.doseMg;
      byTime.set(dose.time, eq);
      sum += eq;
      if (eq > (prevByTime.get(dose.time) ?? 0) + EPS) out.push(`${at} ${dose.time}: dose rises`);
    }
    // Alternate-day steps (intervalDays 2): the daily dose is the mean over the step's days.
    if (Math.abs(sum / (step.intervalDays ?? 1) - step.dailyDoseMg) > 1e-6)
      out.push(`${at}: daily dose is not the sum of its doses`);
    if (step.dailyDoseMg > prevDaily + EPS) out.push(`${at}: daily dose rises`);
    if (i >= holdSteps) {
      const active = [...prevByTime.values()].filter((mg) => mg > 0).length;
      const cut = prevDaily - step.dailyDoseMg;
      if (cut > allowedCutMg(plan, prevDaily, active) + 1e-6)
        out.push(`${at}: cut ${cut} mg above the allowed maximum`);
      if (days < plan.pace!.minStepDays)
        out.push(`${at}: shorter than ${plan.pace!.minStepDays} days`);
    }
    prevDaily = step.dailyDoseMg;
    prevByTime = byTime;
  });
  const minTaper = plan.pace?.minTaperDays;
  const firstReduced = steps[holdSteps]?.startDate ?? plan.startDate;
  if (minTaper && isoDaysBetween(firstReduced, last.startDate) < minTaper)
    out.push(`shorter than ${minTaper} days`);
  return out;
}
