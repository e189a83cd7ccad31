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
import { splitTarget, type CutOrder } from './dispensing/distribute';
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
import { capUg, paceView, resolveLimits, type Limits } from './safety/pace';
import { patientSlowing, type Slowing } from './safety/patient';
import { requestWarnings } from './safety/warnings';
import { chooseStrategy, type Chosen } from './strategies/select';

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
  // Copied and set rather than spread into a literal (decision 0036); the same keys in the same
  // order.
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

/** The drugs and dose grids of a taper: its own drug, and the substitute a crossover tapers. */
interface Setting {
  drug: DrugEntry;
  switching: boolean;
  /** The drug the reduction is made in: the substitute in a crossover, else the drug itself. */
  reducing: DrugEntry;
  /** The own drug's strengths (no liquid when switching away from it). */
  fromGrid: DoseGrid;
  /** The reducing drug's strengths. */
  grid: DoseGrid;
  /** mg of the dose unit (the substitute, else the drug) per mg of the drug. */
  ratio: number;
}

/** Where the current doses leave off and the reduction on the reducing drug starts. */
interface Crossover {
  switchSteps: Slot[][];
  reduceStart: number[];
}

/** The reduction on the reducing drug: its target, limits, strategy and steps. */
interface Reduction {
  targetUg: number;
  limits: Limits;
  chosen: Chosen;
  order: CutOrder;
  steps: ReducedStep[];
}

/** How long each step lasts, and why. */
interface StepLength {
  stretched: number;
  slowing: Slowing;
  stepDays: number;
  stepOverridden: boolean;
}

function plan(input: TaperRequestInput, facts: PatientFacts, opts: PlanOptions): PlanOutcome {
  if (input.goal.type === 'titrate') return planTitration(input, facts, opts);
  if (input.goal.type === 'maintain')
    return planMaintenance(input, {
      current: opts.current,
      currentField: opts.currentField,
      currentIntervalDays: opts.currentIntervalDays,
    });
  const s = settingOf(input);
  const currentSlots = currentSlotsOf(s, input, opts);
  if (isProblem(currentSlots)) return rejected(currentSlots);
  const crossover = crossoverOf(s, currentSlots);
  if (isProblem(crossover)) return rejected(crossover);

  const startMg = dailyDoseMg(input.currentDosesMg);
  const baseDays =
    input.stepDays ?? s.drug.defaultStepDays?.value ?? s.drug.minStepDays?.value ?? 1;
  // Per day: on alternate days (a re-plan from an alternate-day step) the mean.
  const interval = opts.currentIntervalDays ?? 1;
  const minTaper = s.drug.minTaperDays?.value ?? null;
  const reduction = reductionOf(s, input, crossover, { baseDays, interval, minTaper });
  if (isProblem(reduction)) return rejected(reduction);
  const length = stepLengthOf(s, input, facts, crossover, reduction, {
    baseDays,
    minTaper,
    startMg,
  });
  if (isProblem(length)) return rejected(length);

  const planned = plannedOf(s, input, opts, currentSlots, crossover, reduction, length, {
    baseDays,
    interval,
    minTaper,
    startMg,
  });
  // planRuleViolations holds every plan to the catalogue where plans are proposed and approved;
  // the property tests prove the planner's own plans pass it, so it is not re-run here.
  return { kind: 'planned', plan: planned };
}

/** The dated steps with their warnings, rationale and pace: the plan as the contract shows it. */
function plannedOf(
  s: Setting,
  input: TaperRequestInput,
  opts: PlanOptions,
  currentSlots: Slot[],
  crossover: Crossover,
  reduction: Reduction,
  length: StepLength,
  t: { baseDays: number; interval: number; minTaper: number | null; startMg: number },
): PlannedTaper {
  const { baseDays, interval, minTaper, startMg } = t;
  const currentDailyUg = Math.round(sumEq(currentSlots) / interval);
  const { planSteps, firstReduced } = layOutSteps(s, input, opts, currentSlots, crossover, {
    steps: reduction.steps,
    stepDays: length.stepDays,
    interval,
  });
  const warnings = [
    ...crossoverWarnings(s, crossover),
    ...planWarnings(s, input, opts, currentSlots, crossover, reduction, length, {
      startMg,
      planSteps,
      firstReduced,
      currentDailyUg,
    }),
  ];
  const rationale = planRationale(s, input, opts, crossover, reduction, length, baseDays);

  const last = planSteps[planSteps.length - 1];
  const planned: PlannedTaper = {
    drugCode: s.drug.code,
    strategy: reduction.chosen.strategy,
    startDate: input.startDate,
    endDate: last.endDate,
    startDailyDoseMg: toMg(currentDailyUg),
    targetDailyDoseMg: toMg(reduction.targetUg),
    steps: planSteps,
    warnings,
    rationale,
    pace: paceView(
      reduction.limits,
      length.stepDays,
      length.stepOverridden ? baseDays : (s.drug.minStepDays?.value ?? 1),
      minTaper,
    ),
  };
  // Set after the literal so it stays the last key and only a crossover carries it.
  if (s.switching) planned.doseUnitDrugCode = SUBSTITUTE;
  return planned;
}

function settingOf(input: TaperRequestInput): Setting {
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
  return { drug, switching, reducing, fromGrid, grid, ratio };
}

/**
 * Each time's current dose, counted in its own drug's mg and made of its own drug's strengths;
 * a dose the strengths cannot make is the problem.
 */
function currentSlotsOf(s: Setting, input: TaperRequestInput, opts: PlanOptions): Slot[] | Problem {
  const { drug, switching, grid, fromGrid, ratio } = s;
  const current = opts.current ?? input.currentDosesMg.map((mg) => ({ drugCode: drug.code, mg }));
  const currentSlots: Slot[] = current.map((d) => {
    const ug = toUg(d.mg);
    const onSubstitute = switching && d.drugCode === SUBSTITUTE;
    // drugCode written out (undefined outside a crossover) so every slot has one shape.
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
    if (notDispensable) return notDispensable;
  }
  return currentSlots;
}

/** The switch phase of a crossover (none otherwise), and the doses the reduction starts from. */
function crossoverOf(s: Setting, currentSlots: readonly Slot[]): Crossover | Problem {
  const currentUg = currentSlots.map((c) => c.ug);
  if (!s.switching) return { switchSteps: [], reduceStart: currentUg };
  const sw = switchPhase(currentSlots, s.grid, SUBSTITUTE);
  if (isProblem(sw)) return sw;
  return { switchSteps: sw.steps, reduceStart: sw.diazepamUg };
}

/** The reduction from the crossover's end (or the current doses) to the goal's target. */
function reductionOf(
  s: Setting,
  input: TaperRequestInput,
  { reduceStart, switchSteps }: Crossover,
  t: { baseDays: number; interval: number; minTaper: number | null },
): Reduction | Problem {
  const { grid, reducing, switching, ratio } = s;
  const targetMg = input.goal.type === 'reduce' ? input.goal.targetDailyDoseMg : 0;
  const targetUg = equivalentUg(toUg(targetMg), ratio);
  const floors = splitTarget(reduceStart, targetUg, grid);
  if (!floors) {
    return {
      code: 'target_not_dispensable',
      field: 'goal.targetDailyDoseMg',
      message: `No split of ${targetMg} mg/day over the administration times can be made from the strengths without raising a dose.`,
    };
  }
  const startUg = Math.round(reduceStart.reduce((a, b) => a + b, 0) / t.interval);
  const limits = resolveLimits(reducing, input, t.baseDays, startUg, grid.smallestTabletUg);
  const chosen = chooseStrategy(reducing, input, limits, grid, startUg);
  const order = switching ? 'sequential' : 'balanced';
  const steps =
    t.interval > 1
      ? stopFromAlternateDays(floors, startUg, capUg(limits, startUg))
      : reduce({
          grid,
          start: reduceStart,
          floors,
          next: chosen.next,
          limits,
          order,
          stepOffset: 0,
          needsIntermediate: t.minTaper !== null && switchSteps.length === 0,
          alternateDay: Boolean(reducing.alternateDay) && !switching,
        });
  if (isProblem(steps)) return steps;
  return { targetUg, limits, chosen, order, steps };
}

/**
 * The step length: the requested or drug's default, stretched so the steps before the target
 * fill the drug's minimum taper, then slowed for the patient.
 */
function stepLengthOf(
  s: Setting,
  input: TaperRequestInput,
  facts: PatientFacts,
  { switchSteps }: Crossover,
  { steps }: Reduction,
  t: { baseDays: number; minTaper: number | null; startMg: number },
): StepLength | Problem {
  const { drug } = s;
  const { baseDays, minTaper, startMg } = t;
  // Steps before the target step make up the taper length.
  const before = switchSteps.length + steps.length - 1;
  if (minTaper !== null && before === 0) {
    const field = drug.liquid && !input.allowLiquid ? 'allowLiquid' : 'strengthsMg';
    return {
      code: 'cannot_taper',
      field,
      message: `${startMg} mg/day cannot be reduced in steps with these strengths over ${minTaper} days: allow a liquid or smaller strengths.`,
    };
  }
  const stretched = minTaper !== null ? Math.max(baseDays, Math.ceil(minTaper / before)) : baseDays;
  const slowing = patientSlowing(drug, facts, startMg);
  const stepDays = Math.ceil(stretched * slowing.factor);
  const stepOverridden = drug.minStepDays !== null && baseDays < drug.minStepDays.value;
  return { stretched, slowing, stepDays, stepOverridden };
}

/**
 * The dated steps: an optional hold of the current doses, the switch phase, then the
 * reduction's steps. `firstReduced` is the index of the first step on the reducing drug.
 */
function layOutSteps(
  s: Setting,
  input: TaperRequestInput,
  opts: PlanOptions,
  currentSlots: Slot[],
  { switchSteps }: Crossover,
  r: { steps: readonly ReducedStep[]; stepDays: number; interval: number },
): { planSteps: PlanStep[]; firstReduced: number } {
  const { grid, drug } = s;
  const times = input.administrationTimes;
  const reducedDrugCode = s.switching ? SUBSTITUTE : undefined;
  const raw: Slot[][] = [
    ...switchSteps,
    ...r.steps.map((st) =>
      st.ug.map((u): Slot => ({ ug: u, eqUg: u, grid, drugCode: reducedDrugCode })),
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
  if (opts.holdDays) push(currentSlots, opts.holdDays, r.interval);
  const firstReduced = planSteps.length + switchSteps.length + 1;
  raw.forEach((slots, i) => {
    // A reduction step may need to be longer (a rate cap) or go to alternate days.
    const st = r.steps[i - switchSteps.length];
    push(slots, Math.max(r.stepDays, st?.minDays ?? 0), st?.intervalDays);
  });
  return { planSteps, firstReduced };
}

/** A crossover's equivalence is the prescriber's to confirm. */
function crossoverWarnings(s: Setting, { switchSteps }: Crossover): Warning[] {
  if (!switchSteps.length) return [];
  return [
    {
      code: 'equivalence_configurable',
      severity: 'warning',
      message: `Diazepam equivalence ${s.ratio} mg per mg ${s.drug.name} ([C]): confirm; sources differ twofold. Switching goes better over 1-2 weeks than 1-2 days.`,
      source: SOURCES.S14a,
    },
  ];
}

/** Overrides, the patient's slowing, the request's own warnings, and cuts above the limits. */
function planWarnings(
  s: Setting,
  input: TaperRequestInput,
  opts: PlanOptions,
  currentSlots: readonly Slot[],
  { switchSteps }: Crossover,
  { limits, steps }: Reduction,
  length: StepLength,
  p: { startMg: number; planSteps: PlanStep[]; firstReduced: number; currentDailyUg: number },
): Warning[] {
  const { drug, reducing, grid } = s;
  return [
    ...overrideWarnings(drug, input, p.startMg, limits.overridden || length.stepOverridden),
    ...length.slowing.warnings,
    ...requestWarnings(drug, input, p.startMg),
    ...switchCutWarnings(
      currentSlots,
      switchSteps,
      (prevUg) => capUg(limits, prevUg),
      opts.holdDays ? 2 : 1,
    ),
    ...cutWarnings(
      reducing,
      grid,
      limits,
      steps,
      p.planSteps,
      p.firstReduced,
      toMg(p.currentDailyUg),
    ),
  ];
}

/** Why the plan is as it is, in the order a reader follows it. */
function planRationale(
  s: Setting,
  input: TaperRequestInput,
  opts: PlanOptions,
  { switchSteps }: Crossover,
  { chosen, limits, order, targetUg }: Reduction,
  length: StepLength,
  baseDays: number,
): RationaleItem[] {
  const { drug, reducing } = s;
  const rationale: RationaleItem[] = [];
  if (switchSteps.length) {
    rationale.push({
      rule: 'crossover',
      text: `Switched to diazepam one administration per step, bedtime first, at ${s.ratio} mg diazepam per mg ${drug.name}; equivalences are [C] and sources differ twofold.`,
      source: SOURCES.S16a,
    });
  }
  if (opts.holdDays)
    rationale.push({
      rule: 'hold',
      text: `Current dose held for ${opts.holdDays} days before the next reduction.`,
      source: SOURCES.S14b,
    });
  rationale.push(
    chosen.rationale,
    stepDaysRationale(
      drug,
      input.stepDays,
      baseDays,
      length.stretched,
      length.stepDays,
      length.slowing.reasons,
    ),
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
  return rationale;
}
