import type {
  CurrentDose,
  PatientFacts,
  PlanOutcome,
  PlanStep,
  PlannedDose,
  PlannedTaper,
  Problem,
  RationaleItem,
  ReplanInput,
  TaperRequestInput,
  Warning,
} from './contract';
import { DRUGS } from './catalogue/drugs';
import { SOURCES } from './catalogue/sources';
import type { DrugEntry } from './catalogue/types';
import { dayToIsoDate, isoDateToDay } from './dates';
import { equivalenceRatio, equivalentUg, planEquivalence } from './equivalents';
import { splitTarget } from './dispensing/distribute';
import { liquidFor, tabletsFor } from './dispensing/formulary';
import { gridFor, toMg, toUg, type DoseGrid } from './dispensing/grid';
import { switchCutWarnings, switchPhase, type Slot } from './planning/crossover';
import {
  cutWarnings,
  distributionRationale,
  limitsRationale,
  minTaperRationale,
  ROUNDING,
  stepDaysRationale,
} from './planning/explain';
import { reduce, type ReducedStep } from './planning/reduce';
import { planMaintenance, planTitration } from './planning/titrate';
import { checkTaperRequest, dailyDoseMg, SUBSTITUTE } from './safety/checks';
import { capUg, paceView, resolveLimits } from './safety/pace';
import { patientSlowing } from './safety/patient';
import { requestWarnings } from './safety/warnings';
import { chooseStrategy } from './strategies/select';

const rejected = (...problems: Problem[]): PlanOutcome => ({ kind: 'rejected', problems });
const isProblem = (x: unknown): x is Problem =>
  typeof x === 'object' && x !== null && 'code' in x && 'message' in x;
const sumEq = (slots: readonly Slot[]) => slots.reduce((a, s) => a + s.eqUg, 0);

interface PlanOptions {
  holdDays?: number;
  /** What the patient takes now per time with its drug (a re-plan); default the request's doses. */
  current?: readonly CurrentDose[];
  /** The field the current doses came from, for problems about them. */
  currentField?: string;
  /** 2: the current doses are given every other day (an alternate-day step in force). */
  currentIntervalDays?: number;
}

/** The full planner: deterministic; bad clinical input is a rejection, never an exception. */
export function planTaper(input: TaperRequestInput, facts: PatientFacts): PlanOutcome {
  const problems = checkTaperRequest(input, facts);
  return problems.length ? rejected(...problems) : plan(input, facts, {});
}

function currentDoseProblems(r: ReplanInput, drugCodes: readonly string[]): Problem[] {
  const times = r.original.administrationTimes;
  if (!Array.isArray(r.currentDoses) || r.currentDoses.length !== times.length) {
    return [
      {
        code: 'invalid_doses',
        field: 'currentDoses',
        message: `Give ${times.length} current doses, one per administration time (${times.join(', ')}).`,
      },
    ];
  }
  const out: Problem[] = [];
  r.currentDoses.forEach((d, i) => {
    if (!drugCodes.includes(d?.drugCode)) {
      out.push({
        code: 'unknown_current_drug',
        field: `currentDoses[${i}].drugCode`,
        message: `The dose at ${times[i]} is of ${drugCodes.join(' or ')}, the drugs this plan gives.`,
      });
    } else if (!Number.isFinite(d.mg) || d.mg < 0) {
      out.push({
        code: 'invalid_doses',
        field: `currentDoses[${i}].mg`,
        message: `The dose at ${times[i]} is a non-negative amount in mg.`,
      });
    }
  });
  return out;
}

/**
 * Re-plans from `fromDate` and the doses taken now (each with its drug), optionally holding them
 * `holdDays` first, with a new step length or strategy (pauses and revisions). Mid-switch, the
 * times already on the substitute stay on it and the switch goes on; doses of two drugs are only
 * compared or added as equivalents.
 */
export function replanTaper(r: ReplanInput, facts: PatientFacts): PlanOutcome {
  const equivalence = planEquivalence(r.original);
  const doseProblems = currentDoseProblems(r, equivalence.drugCodes);
  if (doseProblems.length) return rejected(...doseProblems);
  // The request's checks and warnings count the request's own drug: each current dose in its mg.
  const own = r.original.drugCode;
  const asOwnMg = r.currentDoses.map((d) => {
    if (d.drugCode === own) return d.mg;
    const eq = equivalence.toEquivalentMg(d.drugCode, d.mg);
    return (eq === null ? null : equivalence.fromEquivalentMg(own, eq)) ?? d.mg;
  });
  // Copied and set rather than spread into a literal (Node 20's slow path, ~0.8 µs a re-plan);
  // the same keys in the same order.
  const input: TaperRequestInput = Object.assign({}, r.original, {
    currentDosesMg: asOwnMg,
    startDate: r.fromDate,
  });
  if (r.stepDays !== undefined) input.stepDays = r.stepDays;
  if (r.strategy !== undefined) input.strategy = r.strategy;
  const problems = checkTaperRequest(input, facts).map((p) =>
    p.field === 'currentDosesMg' ? { ...p, field: 'currentDoses' } : p,
  );
  if (
    r.holdDays !== undefined &&
    (!Number.isInteger(r.holdDays) || r.holdDays < 0 || r.holdDays > 365)
  ) {
    problems.push({
      code: 'invalid_hold_days',
      field: 'holdDays',
      message: 'holdDays is a whole number of days, 0 to 365.',
    });
  }
  if (
    r.currentIntervalDays !== undefined &&
    r.currentIntervalDays !== 1 &&
    r.currentIntervalDays !== 2
  ) {
    problems.push({
      code: 'invalid_interval',
      field: 'currentIntervalDays',
      message: 'currentIntervalDays is 1 (every day) or 2 (alternate days).',
    });
  }
  if (problems.length) return rejected(...problems);
  return plan(input, facts, {
    holdDays: r.holdDays,
    current: r.currentDoses,
    currentField: 'currentDoses',
    currentIntervalDays: r.currentIntervalDays,
  });
}

/**
 * From alternate-day dosing the only step left is the stop (alternate days are used only on the
 * way to stopping, NICE [S33]); a stop above the limit at that dose is flagged as any such cut.
 */
function stopFromAlternateDays(
  floors: readonly number[],
  dailyUg: number,
  capUg: number,
): ReducedStep[] | Problem {
  if (floors.some((ug) => ug > 0)) {
    return {
      code: 'invalid_interval',
      field: 'currentIntervalDays',
      message: 'Alternate-day dosing is a last step before stopping: re-plan it to stop.',
    };
  }
  const stop: ReducedStep = { ug: floors.slice() };
  if (dailyUg > capUg + 1e-6) stop.exceeds = { capUg, perDose: false };
  return [stop];
}

function dispensableOrProblem(
  grid: DoseGrid,
  doses: readonly number[],
  field: string,
): Problem | undefined {
  if (!grid.ensure(Math.max(...doses))) {
    return {
      code: 'dose_too_fine',
      field: 'strengthsMg',
      message: 'The doses are too large for strengths this small.',
    };
  }
  if (doses.every((ug) => grid.isDispensable(ug))) return undefined;
  return {
    code: 'current_dose_not_dispensable',
    field,
    message:
      'Each current dose must be made of the available strengths (or liquid, where allowed).',
  };
}

function toDoses(
  slots: readonly Slot[],
  times: readonly string[],
  drugCode: string,
): PlannedDose[] {
  const out: PlannedDose[] = [];
  slots.forEach((s, i) => {
    if (s.ug === 0) return;
    const dose: PlannedDose = {
      time: times[i],
      drugCode: s.drugCode ?? drugCode,
      doseMg: toMg(s.ug),
      units: s.grid.units(s.ug),
    };
    if (s.eqUg !== s.ug) dose.equivalentMg = toMg(s.eqUg);
    out.push(dose);
  });
  return out;
}

function overrideWarnings(
  drug: DrugEntry,
  input: TaperRequestInput,
  startMg: number,
  overridden: boolean,
): Warning[] {
  const out: Warning[] = [];
  const max = drug.maxDailyDoseMg;
  if (max && startMg > max.value) {
    out.push({
      code: 'above_max_daily_dose',
      severity: 'critical',
      message: `${startMg} mg/day is above the ${max.value} mg/day maximum; planned by override: ${input.override?.reason}.`,
      source: SOURCES[max.sources[0]],
    });
  }
  if (overridden) {
    out.push({
      code: 'pace_override',
      severity: 'critical',
      message: `Faster than the drug's safe limits by override: ${input.override?.reason}.`,
    });
  }
  return out;
}

function plan(input: TaperRequestInput, facts: PatientFacts, opts: PlanOptions): PlanOutcome {
  if (input.goal.type === 'titrate') return planTitration(input, facts, opts);
  if (input.goal.type === 'maintain')
    return planMaintenance(input, {
      current: opts.current,
      currentField: opts.currentField,
      currentIntervalDays: opts.currentIntervalDays,
    });
  const drug = DRUGS.get(input.drugCode)!;
  const switching = input.substituteWith === SUBSTITUTE;
  const reducing = switching ? DRUGS.get(SUBSTITUTE)! : drug;
  const fromGrid = gridFor({
    tabletsMg: tabletsFor(drug, input).tabletsMg,
    liquid: switching ? null : liquidFor(drug, input).liquid,
  });
  const grid = switching
    ? gridFor({ tabletsMg: reducing.tabletsMg!.value, liquid: liquidFor(reducing, input).liquid })
    : fromGrid;
  // Checked before planning: a crossover's drug has a ratio (catalogue or diazepamMgPerMg).
  // The ratio planEquivalence(input) gives the request's own drug, without its per-plan closures.
  const unit = input.substituteWith ?? drug.code;
  const ratio = equivalenceRatio(drug.code, unit, input.diazepamMgPerMg)!;
  const times = input.administrationTimes;
  const current = opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }));
  // Each time's dose is counted in its own drug's mg and made of its own drug's strengths.
  const currentSlots: Slot[] = current.map((d) => {
    const ug = toUg(d.mg);
    const onSubstitute = switching && d.drugCode === SUBSTITUTE;
    // drugCode written out (undefined outside a crossover), not spread in: Node 20's slow path.
    return {
      ug,
      eqUg: onSubstitute ? ug : equivalentUg(ug, ratio),
      grid: onSubstitute ? grid : fromGrid,
      drugCode: switching ? (onSubstitute ? SUBSTITUTE : drug.code) : undefined,
    };
  });
  const currentUg = currentSlots.map((c) => c.ug);
  // Outside a crossover every slot is on fromGrid: one check, no grouping by grid per plan.
  const grids = switching ? new Set(currentSlots.map((c) => c.grid)) : null;
  for (const g of grids ?? [fromGrid]) {
    const doses = grids ? currentSlots.filter((c) => c.grid === g).map((c) => c.ug) : currentUg;
    const notDispensable = dispensableOrProblem(g, doses, opts.currentField ?? 'currentDosesMg');
    if (notDispensable) return rejected(notDispensable);
  }

  const warnings: Warning[] = [];
  const rationale: RationaleItem[] = [];

  // Switch phase (crossover), then the reduction on the drug that is tapered to the end.
  let switchSteps: Slot[][] = [];
  let reduceStart = currentUg;
  if (switching) {
    const sw = switchPhase(currentSlots, grid, SUBSTITUTE);
    if (isProblem(sw)) return rejected(sw);
    switchSteps = sw.steps;
    reduceStart = sw.diazepamUg;
  }
  if (switchSteps.length) {
    rationale.push({
      rule: 'crossover',
      text: `Switched to diazepam one administration per step, bedtime first, at ${ratio} mg diazepam per mg ${drug.name}; equivalences are [C] and sources differ twofold.`,
      source: SOURCES.S16a,
    });
    warnings.push({
      code: 'equivalence_configurable',
      severity: 'warning',
      message: `Diazepam equivalence ${ratio} mg per mg ${drug.name} ([C]): confirm; sources differ twofold. Switching goes better over 1-2 weeks than 1-2 days.`,
      source: SOURCES.S14a,
    });
  }
  const targetMg = input.goal.type === 'reduce' ? input.goal.targetDailyDoseMg : 0;
  const targetUg = equivalentUg(toUg(targetMg), ratio);
  const floors = splitTarget(reduceStart, targetUg, grid);
  if (!floors) {
    return rejected({
      code: 'target_not_dispensable',
      field: 'goal.targetDailyDoseMg',
      message: `No split of ${targetMg} mg/day over the administration times can be made from the strengths without raising a dose.`,
    });
  }

  const startMg = dailyDoseMg(input.currentDosesMg);
  const baseDays = input.stepDays ?? drug.defaultStepDays?.value ?? drug.minStepDays?.value ?? 1;
  // Per day: on alternate days (a re-plan from an alternate-day step) the mean.
  const interval = opts.currentIntervalDays ?? 1;
  const currentDailyUg = Math.round(sumEq(currentSlots) / interval);
  const startUg = Math.round(reduceStart.reduce((a, b) => a + b, 0) / interval);
  const limits = resolveLimits(reducing, input, baseDays, startUg, grid.smallestTabletUg);
  const chosen = chooseStrategy(reducing, input, limits, grid, startUg);
  const order = switching ? 'sequential' : 'balanced';
  const minTaper = drug.minTaperDays?.value ?? null;
  const steps =
    interval > 1
      ? stopFromAlternateDays(floors, startUg, capUg(limits, startUg))
      : reduce({
          grid,
          start: reduceStart,
          floors,
          next: chosen.next,
          limits,
          order,
          stepOffset: 0,
          needsIntermediate: minTaper !== null && switchSteps.length === 0,
          alternateDay: Boolean(reducing.alternateDay) && !switching,
        });
  if (isProblem(steps)) return rejected(steps);

  // Steps before the target step make up the taper length.
  const before = switchSteps.length + steps.length - 1;
  if (minTaper !== null && before === 0) {
    const field = drug.liquid && !input.allowLiquid ? 'allowLiquid' : 'strengthsMg';
    return rejected({
      code: 'cannot_taper',
      field,
      message: `${startMg} mg/day cannot be reduced in steps with these strengths over ${minTaper} days: allow a liquid or smaller strengths.`,
    });
  }
  const stretched = minTaper !== null ? Math.max(baseDays, Math.ceil(minTaper / before)) : baseDays;
  const slowing = patientSlowing(drug, facts, startMg);
  const stepDays = Math.ceil(stretched * slowing.factor);
  const stepOverridden = drug.minStepDays !== null && baseDays < drug.minStepDays.value;

  const reducedDrugCode = switching ? SUBSTITUTE : undefined;
  const raw: Slot[][] = [
    ...switchSteps,
    ...steps.map((s) =>
      s.ug.map((u): Slot => ({ ug: u, eqUg: u, grid, drugCode: reducedDrugCode })),
    ),
  ];
  const planSteps: PlanStep[] = [];
  // Day numbers in the loop; strings only for output.
  let day = isoDateToDay(input.startDate);
  const push = (slots: Slot[], days: number, intervalDays = 1) => {
    const cursor = dayToIsoDate(day);
    const endDate = dayToIsoDate(day + days - 1);
    const step: PlanStep = {
      index: planSteps.length + 1,
      startDate: cursor,
      endDate,
      dailyDoseMg: toMg(Math.round(sumEq(slots) / intervalDays)),
      doses: toDoses(slots, times, drug.code),
    };
    if (intervalDays > 1) step.intervalDays = intervalDays;
    planSteps.push(step);
    day += days;
  };
  if (opts.holdDays) push(currentSlots, opts.holdDays, interval);
  const firstReduced = planSteps.length + switchSteps.length + 1;
  raw.forEach((slots, i) => {
    // A reduction step may need to be longer (a rate cap) or go to alternate days.
    const r = steps[i - switchSteps.length];
    push(slots, Math.max(stepDays, r?.minDays ?? 0), r?.intervalDays);
  });

  warnings.push(
    ...overrideWarnings(drug, input, startMg, limits.overridden || stepOverridden),
    ...slowing.warnings,
    ...requestWarnings(drug, input, startMg),
    ...switchCutWarnings(
      currentSlots,
      switchSteps,
      (prevUg) => capUg(limits, prevUg),
      opts.holdDays ? 2 : 1,
    ),
    ...cutWarnings(reducing, grid, limits, steps, planSteps, firstReduced, toMg(currentDailyUg)),
  );
  if (opts.holdDays)
    rationale.push({
      rule: 'hold',
      text: `Current dose held for ${opts.holdDays} days before the next reduction.`,
      source: SOURCES.S14b,
    });
  rationale.push(
    chosen.rationale,
    stepDaysRationale(drug, input.stepDays, baseDays, stretched, stepDays, slowing.reasons),
    ...limitsRationale(reducing, limits),
    ...minTaperRationale(drug),
    distributionRationale(order),
    ROUNDING,
    {
      rule: 'target',
      text:
        targetUg === 0
          ? 'Discontinue: the last step is 0 mg with no doses.'
          : `Reduce to ${toMg(targetUg)} mg/day, kept from the last step on.`,
    },
  );

  const last = planSteps[planSteps.length - 1];
  const planned: PlannedTaper = {
    drugCode: drug.code,
    strategy: chosen.strategy,
    startDate: input.startDate,
    endDate: last.endDate,
    startDailyDoseMg: toMg(currentDailyUg),
    targetDailyDoseMg: toMg(targetUg),
    steps: planSteps,
    warnings,
    rationale,
    pace: paceView(
      limits,
      stepDays,
      stepOverridden ? baseDays : (drug.minStepDays?.value ?? 1),
      minTaper,
    ),
  };
  // Set after the literal, not spread into it (Node 20's slow path); it stays the last key.
  if (switching) planned.doseUnitDrugCode = SUBSTITUTE;
  // planRuleViolations holds every plan to the catalogue where plans are proposed and approved;
  // the property tests prove the planner's own plans pass it, so it is not re-run here.
  return { kind: 'planned', plan: planned };
}
