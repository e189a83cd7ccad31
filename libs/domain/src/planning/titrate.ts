import type {
  CurrentDose,
  PatientFacts,
  PlanOutcome,
  PlanStep,
  PlannedDose,
  PlannedTaper,
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
  const grid = gridFor({
    tabletsMg: tabletsFor(drug, input).tabletsMg,
    liquid: liquidFor(drug, input).liquid,
  });
  const current = (
    opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }))
  ).map((d) => toUg(d.mg));
  const notDispensable = currentDoseProblem(drug, grid, current, opts.currentField);
  if (notDispensable) return rejected(notDispensable);

  const share = titrationDoseShare(drug, input, facts);
  const band = renalBand(drug, facts.creatinineClearanceMlMin);
  const ceilingUg = titrationCeilingUg(drug, share);
  const goal = input.goal.type === 'titrate' ? input.goal.targetDailyDoseMg : undefined;
  const targetUg =
    goal !== undefined
      ? toUg(goal)
      : // Absent: up to the maximum, as far as the strengths make it.
        (ceilingUg ?? 0);
  const baseDays = input.stepDays ?? schedule.value.stepDays;
  const factor = band?.factor ?? 1;
  const t: Titration = {
    drug,
    schedule,
    grid,
    current,
    share,
    band,
    goal,
    baseDays,
    factor,
    stepDays: Math.ceil(baseDays * factor),
    overridden: Boolean(input.override) && baseDays < schedule.value.stepDays,
    rising: risingSteps(current, targetUg, share, schedule.value, input, grid),
  };
  const reachedUg = sum(t.rising[t.rising.length - 1] ?? current);
  if (!t.rising.length || (goal !== undefined && reachedUg !== targetUg)) {
    return rejected(unreachable(t, ceilingUg));
  }

  return { kind: 'planned', plan: plannedTitration(t, input, facts, opts.holdDays, reachedUg) };
}

/** What a titration is planned from, shared by its phases. */
interface Titration {
  drug: DrugEntry;
  schedule: NonNullable<DrugEntry['titration']>;
  grid: DoseGrid;
  /** µg per administration now. */
  current: number[];
  share: TitrationDoseShare;
  band: ReturnType<typeof renalBand>;
  /** The requested daily mg; undefined: as far as allowed. */
  goal: number | undefined;
  baseDays: number;
  /** The renal band's step-length factor. */
  factor: number;
  stepDays: number;
  overridden: boolean;
  /** µg per administration of each rising step. */
  rising: number[][];
}

/** The dated steps with their warnings and rationale: the titration as the contract shows it. */
function plannedTitration(
  t: Titration,
  input: TaperRequestInput,
  facts: PatientFacts,
  holdDays: number | undefined,
  reachedUg: number,
): PlannedTaper {
  const steps = titrationSteps(t, input, holdDays);
  const warnings = titrationWarnings(t, input, facts, reachedUg);
  const rationale = titrationRationale(t, input, holdDays, reachedUg);
  const last = steps[steps.length - 1];
  // The plan completes after its last step: the dose must go on as a maintenance phase.
  warnings.push({
    code: 'titration_ends',
    severity: 'info',
    message: `The titration reaches ${toMg(reachedUg)} mg/day and ends on ${last.endDate}: revise it to goal maintain before then (or to a taper); ${t.drug.name} must never stop abruptly.`,
  });
  return {
    drugCode: t.drug.code,
    strategy: 'linear',
    startDate: input.startDate,
    endDate: last.endDate,
    startDailyDoseMg: toMg(sum(t.current)),
    targetDailyDoseMg: toMg(reachedUg),
    steps,
    warnings,
    rationale,
    pace: {
      stepDays: t.stepDays,
      minStepDays: t.overridden ? t.baseDays : t.schedule.value.stepDays,
      minTaperDays: null,
      maxStepReductionPercent: null,
      maxStepMgPerDose: t.schedule.value.stepMgPerDose,
      maxStepMgFromStart: null,
      bands: null,
      smallestStrengthMg: toMg(t.grid.smallestTabletUg),
      overridden: t.overridden,
    },
  };
}

/** A current dose the strengths cannot make (or make at all this large) is the problem. */
function currentDoseProblem(
  drug: DrugEntry,
  grid: DoseGrid,
  current: readonly number[],
  currentField = 'currentDosesMg',
): Problem | undefined {
  if (!grid.ensure(Math.max(...current, toUg(drug.maxDailyDoseMg?.value ?? 0))))
    return {
      code: 'dose_too_fine',
      field: 'strengthsMg',
      message: 'The doses are too large for strengths this small.',
    };
  if (!current.every((ug) => grid.isDispensable(ug)))
    return {
      code: 'current_dose_not_dispensable',
      field: currentField,
      message:
        'Each current dose must be made of the available strengths (or liquid, where allowed).',
    };
  return undefined;
}

/**
 * The rising steps: each aims at the label's next level; a level the strengths cannot yet
 * reach for this patient is skipped, never rounded up.
 */
function risingSteps(
  current: number[],
  targetUg: number,
  share: TitrationDoseShare,
  schedule: NonNullable<DrugEntry['titration']>['value'],
  input: TaperRequestInput,
  grid: DoseGrid,
): number[][] {
  const stepUg = toUg(schedule.stepMgPerDose);
  const n = input.administrationTimes.length;
  const rising: number[][] = [];
  let prev = current;
  for (let k = 0; sum(prev) < targetUg && k < MAX_STEPS; k++) {
    const levelUg = toUg(schedule.startMgPerDose) + k * stepUg;
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
  return rising;
}

/** No rise reaches the goal, or the current dose is already the most allowed. */
function unreachable(t: Titration, ceilingUg: number | null): Problem {
  const { goal } = t;
  return {
    code: 'target_not_dispensable',
    field: goal !== undefined ? 'goal.targetDailyDoseMg' : 'currentDosesMg',
    message:
      goal !== undefined
        ? `No rise to ${goal} mg/day over the administration times can be made from the strengths within ${t.schedule.value.stepMgPerDose} mg per dose per step.`
        : `${toMg(sum(t.current))} mg/day is already the most this titration may reach (${toMg(ceilingUg ?? 0)} mg/day).`,
  };
}

/** The dated steps: an optional hold of the current doses, then the rising steps. */
function titrationSteps(
  t: Titration,
  input: TaperRequestInput,
  holdDays: number | undefined,
): PlanStep[] {
  const times = input.administrationTimes;
  const steps: PlanStep[] = [];
  let day = isoDateToDay(input.startDate);
  const push = (ugs: readonly number[], days: number) => {
    steps.push({
      index: steps.length + 1,
      startDate: dayToIsoDate(day),
      endDate: dayToIsoDate(day + days - 1),
      dailyDoseMg: toMg(sum(ugs)),
      doses: toDoses(ugs, times, t.drug.code, t.grid),
    });
    day += days;
  };
  if (holdDays) push(t.current, holdDays);
  t.rising.forEach((ugs) => push(ugs, t.stepDays));
  return steps;
}

/** Renal and age cautions, the request's own warnings, a reduced share and any override. */
function titrationWarnings(
  t: Titration,
  input: TaperRequestInput,
  facts: PatientFacts,
  reachedUg: number,
): Warning[] {
  const { drug, share } = t;
  const maxMg = drug.maxDailyDoseMg;
  const warnings: Warning[] = [
    ...renal(drug, facts.creatinineClearanceMlMin, toMg(t.rising[0].reduce((a, b) => a + b, 0)))
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
  if (t.overridden) {
    warnings.push({
      code: 'pace_override',
      severity: 'critical',
      message: `Faster than the label's titration by override: ${input.override?.reason}.`,
    });
  }
  return warnings;
}

/** Why the titration is as it is: hold, schedule, step length, target and any reduced share. */
function titrationRationale(
  t: Titration,
  input: TaperRequestInput,
  holdDays: number | undefined,
  reachedUg: number,
): RationaleItem[] {
  const { drug, schedule, share, factor, baseDays, stepDays, goal } = t;
  const { startMgPerDose, stepMgPerDose } = schedule.value;
  const maxMg = drug.maxDailyDoseMg;
  const rationale: RationaleItem[] = [];
  if (holdDays)
    rationale.push({
      rule: 'hold',
      text: `Current dose held for ${holdDays} days before the next rise.`,
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
        ? `Steps of ${baseDays} days x${factor} for renal function ${t.band!.label} [S6]: ${stepDays} days.`
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
  return rationale;
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
  const kept = maintainedDoses(drug, input, opts);
  if ('code' in kept) return rejected(kept);
  const { ugs, grid } = kept;
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

/** The doses maintenance keeps, in µg on the drug's strengths, or why they cannot be kept. */
function maintainedDoses(
  drug: DrugEntry,
  input: TaperRequestInput,
  opts: Pick<TitrationOptions, 'current' | 'currentField'> & { currentIntervalDays?: number },
): { ugs: number[]; grid: DoseGrid } | Problem {
  const field = opts.currentField ?? 'currentDosesMg';
  const current = opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }));
  if (current.some((d) => d.drugCode !== drug.code) || (opts.currentIntervalDays ?? 1) !== 1)
    return {
      code: 'maintenance_unsupported',
      field,
      message: `Maintenance keeps daily doses of ${drug.name} alone: finish the switch or the alternate-day step first.`,
    };
  const grid = gridFor({
    tabletsMg: tabletsFor(drug, input).tabletsMg,
    liquid: liquidFor(drug, input).liquid,
  });
  const ugs = current.map((d) => toUg(d.mg));
  if (!grid.ensure(Math.max(...ugs)) || !ugs.every((ug) => grid.isDispensable(ug)))
    return {
      code: 'current_dose_not_dispensable',
      field,
      message:
        'Each current dose must be made of the available strengths (or liquid, where allowed).',
    };
  if (sum(ugs) === 0)
    return {
      code: 'invalid_doses',
      field,
      message: 'Maintenance keeps a dose the patient takes: the current doses are all 0.',
    };
  return { ugs, grid };
}
