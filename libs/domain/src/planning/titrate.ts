import type {
  CurrentDose,
  PatientFacts,
  PlanOutcome,
  PlanStep,
  PlannedDose,
  Problem,
  RationaleItem,
  TaperRequestInput,
  Warning,
} from '../contract';
import { DRUGS } from '../catalogue/drugs';
import { SOURCES } from '../catalogue/sources';
import type { DrugEntry } from '../catalogue/types';
import { ageInYears, dayToIsoDate, isIsoDate, isoDateToDay } from '../dates';
import { cutSequence } from '../dispensing/distribute';
import { liquidFor, tabletsFor } from '../dispensing/formulary';
import { gridFor, toMg, toUg, type DoseGrid } from '../dispensing/grid';
import { renal, renalBand } from '../safety/patient';
import { item } from './explain';
import { OPEN_END } from '../schedule/steps';
import { requestWarnings } from '../safety/warnings';

/** A titration never needs more steps than this (80 mg/day in 5 mg rises is 16). */
const MAX_STEPS = 200;

const rejected = (...problems: Problem[]): PlanOutcome => ({ kind: 'rejected', problems });
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The share of the usual titration doses this patient gets, and where it came from. */
export interface TitrationDoseShare {
  fraction: number;
  /** 'request': renalDoseFraction; 'renal': the catalogue's CKD band default [S6] ([C]). */
  from: 'usual' | 'request' | 'renal';
  label?: string;
}

export function titrationDoseShare(
  drug: DrugEntry,
  input: TaperRequestInput,
  facts: Pick<PatientFacts, 'creatinineClearanceMlMin'>,
): TitrationDoseShare {
  if (input.renalDoseFraction !== undefined)
    return { fraction: input.renalDoseFraction, from: 'request' };
  const band = renalBand(drug, facts.creatinineClearanceMlMin);
  if (band) return { fraction: 1 / band.factor, from: 'renal', label: band.label };
  return { fraction: 1, from: 'usual' };
}

/**
 * The most this patient's titration may reach per day: the drug's maximum (80 mg/day for
 * baclofen [S2, S3, S4]) times the share of the usual dose. Null when the drug has no maximum.
 */
export function titrationCeilingUg(drug: DrugEntry, share: TitrationDoseShare): number | null {
  const max = drug.maxDailyDoseMg?.value;
  return max === undefined ? null : Math.floor(toUg(max) * share.fraction + 1e-6);
}

/** The next dispensable amount above `ug`, at most `limit`; null when there is none. */
function nextHigher(grid: DoseGrid, ug: number, limit: number): number | null {
  for (let u = ug + grid.tickUg; u <= limit; u += grid.tickUg) {
    if (grid.isDispensable(u)) return u;
  }
  return null;
}

/**
 * One rise: from `prev`, each dose up by at most `stepUg`, the day's total at most `intendedUg`.
 * The lowest dose rises first; among equal doses bedtime first, then morning, then midday (the
 * taper's distribution run backwards: the bedtime dose is the last cut and the first raised).
 */
function rise(
  prev: readonly number[],
  intendedUg: number,
  stepUg: number,
  grid: DoseGrid,
): number[] {
  const cur = prev.slice();
  const order = [...cutSequence(cur.length)].reverse();
  for (;;) {
    const total = sum(cur);
    const candidates = order
      .map((i) => ({ i, next: nextHigher(grid, cur[i], prev[i] + stepUg) }))
      .filter((c) => c.next !== null && total - cur[c.i] + c.next <= intendedUg);
    if (!candidates.length) return cur;
    // Stable: among the lowest doses the first in `order` wins.
    const best = candidates.reduce((a, b) => (cur[b.i] < cur[a.i] ? b : a));
    cur[best.i] = best.next!;
  }
}

function toDoses(
  ugs: readonly number[],
  times: readonly string[],
  drugCode: string,
  grid: DoseGrid,
) {
  const out: PlannedDose[] = [];
  ugs.forEach((ug, i) => {
    if (ug > 0) out.push({ time: times[i], drugCode, doseMg: toMg(ug), units: grid.units(ug) });
  });
  return out;
}

function olderAdultWarning(facts: PatientFacts, input: TaperRequestInput): Warning[] {
  if (!facts.birthDate || !isIsoDate(facts.birthDate) || !isIsoDate(facts.today)) return [];
  const years = ageInYears(facts.birthDate, facts.today);
  if (years < 65) return [];
  return [
    {
      code: 'older_adult',
      severity: 'warning',
      // The monograph gives no number for "very cautious": the prescriber sets the pace.
      message: `Patient is ${years}: adverse effects are more likely and the monograph advises a very cautious schedule; ${
        input.stepDays !== undefined
          ? `steps of ${input.stepDays} days as requested`
          : 'no slower pace is sourced, so steps keep the label length: send stepDays for slower steps'
      }.`,
      source: SOURCES.S4,
    },
  ];
}

interface TitrationOptions {
  holdDays?: number;
  /** What the patient takes now per time (a revision); default the request's doses. */
  current?: readonly CurrentDose[];
  currentField?: string;
}

/**
 * Up-titration along the drug's sourced schedule (checked before: the drug has one). Step k
 * aims at the label's level (start + k x step per administration) times the patient's share of
 * the usual dose (renal function [S6], [C]), over every administration time; each dose rises by
 * at most the sourced step, is made of the strengths, and the day never passes the goal or the
 * maximum (above it only with override.reason, checked before). Steps last the label's days, or
 * the request's stepDays, lengthened by the renal band's factor.
 */
export function planTitration(
  input: TaperRequestInput,
  facts: PatientFacts,
  opts: TitrationOptions = {},
): PlanOutcome {
  const drug = DRUGS.get(input.drugCode)!;
  const schedule = drug.titration!;
  const { startMgPerDose, stepMgPerDose } = schedule.value;
  const grid = gridFor({
    tabletsMg: tabletsFor(drug, input).tabletsMg,
    liquid: liquidFor(drug, input).liquid,
  });
  const times = input.administrationTimes;
  const current = (
    opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }))
  ).map((d) => toUg(d.mg));
  const currentField = opts.currentField ?? 'currentDosesMg';
  if (!grid.ensure(Math.max(...current, toUg(drug.maxDailyDoseMg?.value ?? 0))))
    return rejected({
      code: 'dose_too_fine',
      field: 'strengthsMg',
      message: 'The doses are too large for strengths this small.',
    });
  if (!current.every((ug) => grid.isDispensable(ug)))
    return rejected({
      code: 'current_dose_not_dispensable',
      field: currentField,
      message:
        'Each current dose must be made of the available strengths (or liquid, where allowed).',
    });

  const share = titrationDoseShare(drug, input, facts);
  const band = renalBand(drug, facts.creatinineClearanceMlMin);
  const ceilingUg = titrationCeilingUg(drug, share);
  const goal = input.goal.type === 'titrate' ? input.goal.targetDailyDoseMg : undefined;
  const targetUg =
    goal !== undefined
      ? toUg(goal)
      : // Absent: up to the maximum, as far as the strengths make it.
        (ceilingUg ?? 0);
  const stepUg = toUg(stepMgPerDose);
  const n = times.length;
  const baseDays = input.stepDays ?? schedule.value.stepDays;
  const factor = band?.factor ?? 1;
  const stepDays = Math.ceil(baseDays * factor);

  // The rising steps: each aims at the label's next level; a level the strengths cannot yet
  // reach for this patient is skipped, never rounded up.
  const rising: number[][] = [];
  let prev = current;
  for (let k = 0; sum(prev) < targetUg && k < MAX_STEPS; k++) {
    const levelUg = toUg(startMgPerDose) + k * stepUg;
    // The epsilon keeps 15000 x 1/3 at 5000 µg, not 4999.
    const intended = Math.min(targetUg, Math.floor(levelUg * n * share.fraction + 1e-6));
    if (intended <= sum(prev)) continue;
    const next = rise(prev, intended, stepUg, grid);
    if (sum(next) === sum(prev)) {
      if (intended === targetUg) break;
      continue;
    }
    rising.push(next);
    prev = next;
  }
  const reachedUg = sum(prev);
  if (!rising.length || (goal !== undefined && reachedUg !== targetUg)) {
    return rejected({
      code: 'target_not_dispensable',
      field: goal !== undefined ? 'goal.targetDailyDoseMg' : 'currentDosesMg',
      message:
        goal !== undefined
          ? `No rise to ${goal} mg/day over the administration times can be made from the strengths within ${stepMgPerDose} mg per dose per step.`
          : `${toMg(sum(current))} mg/day is already the most this titration may reach (${toMg(ceilingUg ?? 0)} mg/day).`,
    });
  }

  const steps: PlanStep[] = [];
  let day = isoDateToDay(input.startDate);
  const push = (ugs: readonly number[], days: number) => {
    steps.push({
      index: steps.length + 1,
      startDate: dayToIsoDate(day),
      endDate: dayToIsoDate(day + days - 1),
      dailyDoseMg: toMg(sum(ugs)),
      doses: toDoses(ugs, times, drug.code, grid),
    });
    day += days;
  };
  if (opts.holdDays) push(current, opts.holdDays);
  rising.forEach((ugs) => push(ugs, stepDays));

  const maxMg = drug.maxDailyDoseMg;
  const warnings: Warning[] = [
    ...renal(drug, facts.creatinineClearanceMlMin, toMg(rising[0].reduce((a, b) => a + b, 0)))
      .warnings,
    ...olderAdultWarning(facts, input),
    ...requestWarnings(drug, input, toMg(reachedUg)),
  ];
  if (share.fraction < 1) {
    warnings.push({
      code: 'renal_dose_reduced',
      severity: 'warning',
      message:
        share.from === 'request'
          ? `Titration doses at ${+(share.fraction * 100).toFixed(1)}% of the usual, as requested (renalDoseFraction).`
          : `Renal function ${share.label}: titration doses at ${+(share.fraction * 100).toFixed(1)}% of the usual (the mean dose reduction in CKD [S6], a configurable default): send renalDoseFraction to change it.`,
      source: SOURCES.S6,
    });
  }
  if (maxMg && reachedUg > toUg(maxMg.value)) {
    warnings.push({
      code: 'above_max_daily_dose',
      severity: 'critical',
      message: `${toMg(reachedUg)} mg/day is above the ${maxMg.value} mg/day maximum; planned by override: ${input.override?.reason}.`,
      source: SOURCES[maxMg.sources[0]],
    });
  }
  const overridden = Boolean(input.override) && baseDays < schedule.value.stepDays;
  if (overridden) {
    warnings.push({
      code: 'pace_override',
      severity: 'critical',
      message: `Faster than the label's titration by override: ${input.override?.reason}.`,
    });
  }

  const rationale: RationaleItem[] = [];
  if (opts.holdDays)
    rationale.push({
      rule: 'hold',
      text: `Current dose held for ${opts.holdDays} days before the next rise.`,
    });
  rationale.push(
    {
      rule: 'titration',
      text: `${drug.name} titration (${schedule.derived ?? 'label'}): ${startMgPerDose} mg per administration first, then ${stepMgPerDose} mg more per administration every ${schedule.value.stepDays} days; no dose rises by more than ${stepMgPerDose} mg in one step.`,
      source: SOURCES[schedule.sources[0]],
    },
    item(
      'step_days',
      factor > 1
        ? `Steps of ${baseDays} days x${factor} for renal function ${band!.label} [S6]: ${stepDays} days.`
        : `Steps of ${stepDays} days${input.stepDays !== undefined ? ' (requested)' : ' (label)'}.`,
      factor > 1 ? 'S6' : undefined,
    ),
    item(
      'target',
      `Titrate to ${toMg(reachedUg)} mg/day${
        goal === undefined ? ' (no target given: the most allowed for this patient)' : ''
      }, kept from the last step on; never above ${maxMg?.value} mg/day without an override.`,
      maxMg?.sources[maxMg.sources.length - 1],
    ),
  );
  if (share.fraction < 1)
    rationale.push({
      rule: 'renal_dose',
      text: `Each step aims at ${+(share.fraction * 100).toFixed(1)}% of the label's level (${share.from === 'request' ? 'renalDoseFraction' : `CKD band ${share.label}, mean dose reduction, configurable`}), rounded down to what the strengths make.`,
      source: SOURCES.S6,
    });

  const last = steps[steps.length - 1];
  // The plan completes after its last step: the dose must go on as a maintenance phase.
  warnings.push({
    code: 'titration_ends',
    severity: 'info',
    message: `The titration reaches ${toMg(reachedUg)} mg/day and ends on ${last.endDate}: revise it to goal maintain before then (or to a taper); ${drug.name} must never stop abruptly.`,
  });
  return {
    kind: 'planned',
    plan: {
      drugCode: drug.code,
      strategy: 'linear',
      startDate: input.startDate,
      endDate: last.endDate,
      startDailyDoseMg: toMg(sum(current)),
      targetDailyDoseMg: toMg(reachedUg),
      steps,
      warnings,
      rationale,
      pace: {
        stepDays,
        minStepDays: overridden ? baseDays : schedule.value.stepDays,
        minTaperDays: null,
        maxStepReductionPercent: null,
        maxStepMgPerDose: stepMgPerDose,
        maxStepMgFromStart: null,
        bands: null,
        smallestStrengthMg: toMg(grid.smallestTabletUg),
        overridden,
      },
    },
  };
}

/**
 * Maintenance: the doses taken now, kept open-ended (the step ends on OPEN_END) until a revision
 * changes them: a course's steady phase between titration and taper. Nothing is invented: no
 * dose changes, and the plan ends only by revision or cancellation.
 */
export function planMaintenance(
  input: TaperRequestInput,
  opts: Pick<TitrationOptions, 'current' | 'currentField'> & { currentIntervalDays?: number },
): PlanOutcome {
  const drug = DRUGS.get(input.drugCode)!;
  const field = opts.currentField ?? 'currentDosesMg';
  const current = opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }));
  if (current.some((d) => d.drugCode !== drug.code) || (opts.currentIntervalDays ?? 1) !== 1)
    return rejected({
      code: 'maintenance_unsupported',
      field,
      message: `Maintenance keeps daily doses of ${drug.name} alone: finish the switch or the alternate-day step first.`,
    });
  const grid = gridFor({
    tabletsMg: tabletsFor(drug, input).tabletsMg,
    liquid: liquidFor(drug, input).liquid,
  });
  const ugs = current.map((d) => toUg(d.mg));
  if (!grid.ensure(Math.max(...ugs)) || !ugs.every((ug) => grid.isDispensable(ug)))
    return rejected({
      code: 'current_dose_not_dispensable',
      field,
      message:
        'Each current dose must be made of the available strengths (or liquid, where allowed).',
    });
  if (sum(ugs) === 0)
    return rejected({
      code: 'invalid_doses',
      field,
      message: 'Maintenance keeps a dose the patient takes: the current doses are all 0.',
    });
  const daily = toMg(sum(ugs));
  const maxMg = drug.maxDailyDoseMg;
  const warnings: Warning[] =
    maxMg && daily > maxMg.value
      ? [
          {
            code: 'above_max_daily_dose',
            severity: 'critical',
            message: `${daily} mg/day is above the ${maxMg.value} mg/day maximum; kept by override: ${input.override?.reason}.`,
            source: SOURCES[maxMg.sources[0]],
          },
        ]
      : [];
  return {
    kind: 'planned',
    plan: {
      drugCode: drug.code,
      strategy: 'linear',
      startDate: input.startDate,
      endDate: OPEN_END,
      startDailyDoseMg: daily,
      targetDailyDoseMg: daily,
      steps: [
        {
          index: 1,
          startDate: input.startDate,
          endDate: OPEN_END,
          dailyDoseMg: daily,
          doses: toDoses(ugs, input.administrationTimes, drug.code, grid),
        },
      ],
      warnings,
      rationale: [
        item(
          'maintain',
          `Maintenance: ${daily} mg/day as now, open-ended (no end date) until a revision changes it; ${drug.name} is never stopped abruptly: taper it by revision.`,
          drug.minTaperDays?.sources[0],
        ),
      ],
    },
  };
}
