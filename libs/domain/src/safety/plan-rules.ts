import type {
  CurrentDose,
  PlanStep,
  PlannedDose,
  PlannedTaper,
  Problem,
  TaperRequestInput,
} from '../contract';
import type { DrugEntry } from '../catalogue/types';
import { DRUGS } from '../catalogue/drugs';
import { isoDateToDay } from '../dates';
import { liquidFor, tabletsFor } from '../dispensing/formulary';
import { toMg, toUg } from '../dispensing/grid';
import { equivalentUg, planEquivalence } from '../equivalents';

/** What the patient takes at one administration time when the plan starts, with its drug. */
export interface TimedDose extends CurrentDose {
  time: string;
}

export interface PlanRuleContext {
  /**
   * What the patient takes when the plan starts, per administration time with its drug (a
   * revision, hold or re-plan); by default the request's own doses of its drug.
   */
  currentDoses?: readonly TimedDose[];
  /** 2 when the current doses are given every other day (their daily dose is the mean). */
  currentIntervalDays?: number;
  /** Leading steps that hold the current doses: exempt from the minimum step length. */
  holdSteps?: number;
  /** The plan may go above a maximum daily dose or faster than the drug's pace (override.reason). */
  override?: boolean;
}

/** Every stable code planRuleViolations can return. */
export const PLAN_RULES = [
  'no_steps',
  'steps_not_contiguous',
  'unexpected_drug',
  'two_doses_at_one_time',
  'units_do_not_make_dose',
  'not_dispensable',
  'equivalent_mismatch',
  'daily_dose_mismatch',
  'above_max_daily_dose',
  'above_current_dose',
  'dose_rises',
  'daily_dose_rises',
  'target_not_reached',
  'step_too_short',
  'taper_too_short',
  // Titration plans (goal titrate): rises are the point, within the sourced step.
  'no_sourced_titration',
  'rise_exceeds_source',
  'dose_falls',
] as const;
export type PlanRule = (typeof PLAN_RULES)[number];

/** What a drug's doses may be made of in this plan: its strengths and the allowed liquid. */
interface Makeup {
  tabletsUg: ReadonlySet<number>;
  liquidMgPerMl: number | null;
}

function makeups(request: TaperRequestInput, drugCodes: readonly string[]): Map<string, Makeup> {
  const own = DRUGS.get(request.drugCode)!;
  const switching = drugCodes.length > 1;
  const out = new Map<string, Makeup>();
  out.set(own.code, {
    tabletsUg: new Set(tabletsFor(own, request).tabletsMg.map(toUg)),
    liquidMgPerMl: switching ? null : (liquidFor(own, request).liquid?.mgPerMl ?? null),
  });
  for (const code of drugCodes.slice(1)) {
    // The substitute is made of its catalogue strengths and, where allowed, its liquid.
    const sub = DRUGS.get(code)!;
    out.set(code, {
      tabletsUg: new Set((sub.tabletsMg?.value ?? []).map(toUg)),
      liquidMgPerMl: liquidFor(sub, request).liquid?.mgPerMl ?? null,
    });
  }
  return out;
}

const mg = (ug: number) => `${toMg(ug)} mg`;

function dayOf(date: string): number {
  // One parse: isoDateToDay validates and throws on what is not a calendar date.
  try {
    return isoDateToDay(date);
  } catch {
    return NaN;
  }
}

/**
 * The second line of defence: checks any plan, however it was produced (request, revision,
 * hold, automatic hold, re-anchoring), against the catalogue's rules rather than the limits the
 * plan reports about itself. Doses of two drugs are compared only as equivalents (the plan's
 * unit, diazepam in a crossover); a drug's own mg only with the same drug. An empty list is a
 * plan that keeps every rule. Each problem's code names the rule (PLAN_RULES); its field points
 * into the plan (`steps[i].doses[j]`) where one applies.
 */
export function planRuleViolations(
  plan: PlannedTaper,
  request: TaperRequestInput,
  context: PlanRuleContext = {},
): Problem[] {
  const out: Problem[] = [];
  const add = (code: PlanRule, message: string, field?: string) =>
    out.push(field === undefined ? { code, message } : { code, field, message });
  const steps = plan.steps;
  if (!steps.length) {
    add('no_steps', 'The plan has no steps.');
    return out;
  }
  const drug = DRUGS.get(request.drugCode);
  if (!drug) {
    add('unexpected_drug', `${request.drugCode} is not a drug in the catalogue.`);
    return out;
  }
  // A titration rises by design: its rises are held to the sourced step per administration
  // instead of the taper's "never above the current dose"; every other rule stays.
  const titrating = request.goal.type === 'titrate';
  const titration = drug.titration?.value;
  if (titrating && !titration) {
    add(
      'no_sourced_titration',
      `The catalogue has no sourced titration schedule for ${drug.name}: it is only tapered.`,
    );
    return out;
  }
  const c = ruleCheck(request, context, drug, titrating, titration, add);

  if (steps[0].startDate !== plan.startDate)
    add('steps_not_contiguous', 'The first step does not start on the plan start date.');
  if (steps[steps.length - 1].endDate !== plan.endDate)
    add('steps_not_contiguous', 'The last step does not end on the plan end date.');

  // Day numbers, each date parsed once (NaN for a date that is not one).
  const startDays = steps.map((st) => dayOf(st.startDate));
  const endDays = steps.map((st) => dayOf(st.endDate));
  let prev = c.fromCurrent;
  let prevEqUg = Math.round(c.currentEqUg / (context.currentIntervalDays ?? 1));
  for (let i = 0; i < steps.length; i++) {
    const next = checkStep(c, steps, i, { prev, prevEqUg, startDays, endDays });
    prev = next.now;
    prevEqUg = next.dailyEqUg;
  }
  checkTarget(c, plan, context, { prevEqUg, startDays });
  return out;
}

/** Per time: the drug and µg given (and its equivalent), as of the previous step. */
type Given = { drugCode: string; ug: number; eqUg: number };

type TitrationSchedule = NonNullable<DrugEntry['titration']>['value'];

/** What every rule of one plan's check reads: the request, its drug and the current doses. */
interface RuleCheck {
  add: (code: PlanRule, message: string, field?: string) => void;
  request: TaperRequestInput;
  drug: DrugEntry;
  titrating: boolean;
  titration: TitrationSchedule | undefined;
  equivalence: ReturnType<typeof planEquivalence>;
  substitute: string | undefined;
  formularies: Map<string, Makeup>;
  override: boolean;
  holdSteps: number;
  nameOf: (code: string) => string;
  eqUgOf: (code: string, ug: number) => number | null;
  fromCurrent: Map<string, Given>;
  currentEqUg: number;
  /** Times already on the substitute; grows as the steps switch them. */
  switched: Set<string>;
}

function ruleCheck(
  request: TaperRequestInput,
  context: PlanRuleContext,
  drug: DrugEntry,
  titrating: boolean,
  titration: TitrationSchedule | undefined,
  add: RuleCheck['add'],
): RuleCheck {
  const equivalence = planEquivalence(request);
  const substitute = request.substituteWith;
  const formularies = makeups(request, equivalence.drugCodes);
  const override = context.override ?? Boolean(request.override);
  const holdSteps = context.holdSteps ?? 0;
  const nameOf = (code: string) => DRUGS.get(code)?.name ?? code;
  const eqUgOf = (code: string, ug: number) => {
    const r = equivalence.ratio(code);
    return r === null ? null : equivalentUg(ug, r);
  };

  const current =
    context.currentDoses ??
    request.administrationTimes.map((time, i) => ({
      time,
      drugCode: request.drugCode,
      mg: request.currentDosesMg[i] ?? 0,
    }));
  const fromCurrent = new Map<string, Given>();
  let currentEqUg = 0;
  for (const d of current) {
    const ug = toUg(d.mg);
    const eqUg = eqUgOf(d.drugCode, ug) ?? ug;
    if (ug > 0) fromCurrent.set(d.time, { drugCode: d.drugCode, ug, eqUg });
    currentEqUg += eqUg;
  }
  const switched = new Set(
    [...fromCurrent].filter(([, g]) => g.drugCode === substitute).map(([t]) => t),
  );
  return {
    add,
    request,
    drug,
    titrating,
    titration,
    equivalence,
    substitute,
    formularies,
    override,
    holdSteps,
    nameOf,
    eqUgOf,
    fromCurrent,
    currentEqUg,
    switched,
  };
}

/** A titration's largest rise per administration from `fromUg`. */
function riseLimitUg(titration: TitrationSchedule, fromUg: number): number {
  // From nothing the first dose may be the schedule's start dose.
  return toUg(
    fromUg === 0
      ? Math.max(titration.startMgPerDose, titration.stepMgPerDose)
      : titration.stepMgPerDose,
  );
}

/** The step before this one: what it gave per time and per day, and every step's days. */
interface Before {
  prev: Map<string, Given>;
  prevEqUg: number;
  startDays: number[];
  endDays: number[];
}

/** One step's dates, length, doses, daily dose and maximum; what it gives, for the next. */
function checkStep(
  c: RuleCheck,
  steps: readonly PlanStep[],
  i: number,
  { prev, prevEqUg, startDays, endDays }: Before,
): { now: Map<string, Given>; dailyEqUg: number } {
  const { add, drug, titrating, titration, override, holdSteps } = c;
  const step = steps[i];
  // Built only for a problem: the checks run on every plan the planner makes.
  const at = () => `steps[${i}]`;
  const label = () => `Step ${step.index} (${step.startDate})`;
  if (step.index !== i + 1)
    add('steps_not_contiguous', `${label()} is numbered out of order.`, at());
  if (i > 0 && startDays[i] !== endDays[i - 1] + 1)
    add('steps_not_contiguous', `${label()} does not follow the previous step's last day.`, at());
  const days = endDays[i] - startDays[i] + 1;
  if (!(days >= 1)) add('steps_not_contiguous', `${label()} ends before it starts.`, at());
  const minStep = titrating ? titration!.stepDays : drug.minStepDays?.value;
  const isLast = i === steps.length - 1;
  // The last step keeps the target from its start: its length is not a step interval.
  if (minStep && !override && i >= holdSteps && !isLast && days < minStep)
    add(
      'step_too_short',
      `${label()} lasts ${days} days; ${drug.name} steps last at least ${minStep} days.`,
      at(),
    );

  const now = new Map<string, Given>();
  const perDrugUg = new Map<string, number>();
  let stepEqUg = 0;
  step.doses.forEach((dose, j) => {
    stepEqUg += checkDose(c, step, i, dose, j, { prev, now, perDrugUg });
  });

  const dailyEqUg = checkDaily(c, step, i, { prev, prevEqUg, now, perDrugUg, stepEqUg });
  return { now, dailyEqUg };
}

/** The step's daily dose: as shown, not above the step before (a taper), within each maximum. */
function checkDaily(
  c: RuleCheck,
  step: PlanStep,
  i: number,
  d: Pick<Before, 'prev' | 'prevEqUg'> & Omit<DoseState, 'prev'> & { stepEqUg: number },
): number {
  const { add, titrating, override, equivalence, nameOf } = c;
  const { prev, prevEqUg, now, perDrugUg, stepEqUg } = d;
  const at = () => `steps[${i}]`;
  const label = () => `Step ${step.index} (${step.startDate})`;
  // Alternate-day steps (intervalDays 2) give their doses every other day: a day's mean.
  const interval = step.intervalDays ?? 1;
  const dailyEqUg = Math.round(stepEqUg / interval);
  if (toUg(step.dailyDoseMg) !== dailyEqUg)
    add(
      'daily_dose_mismatch',
      `${label()}: its doses add up to ${mg(dailyEqUg)}${equivalence.drugCodes.length > 1 ? ` ${nameOf(equivalence.unitDrugCode)}-equivalent` : ''} a day, not the ${step.dailyDoseMg} mg shown.`,
      at(),
    );
  if (titrating) {
    // A time given before and now missing is a dose that fell to nothing.
    if (i > 0)
      for (const [time, g] of prev)
        if (!now.has(time))
          add(
            'dose_falls',
            `${label()} gives nothing at ${time}; the step before gave ${toMg(g.ug)} mg.`,
            at(),
          );
  } else if (dailyEqUg > prevEqUg)
    add(
      'daily_dose_rises',
      `${label()}: ${mg(dailyEqUg)}/day is more than ${i === 0 ? 'the patient takes now' : 'the step before'} (${mg(prevEqUg)}/day).`,
      at(),
    );
  if (!override) {
    for (const [code, ug] of perDrugUg) {
      const max = DRUGS.get(code)?.maxDailyDoseMg?.value;
      if (max !== undefined && ug > toUg(max))
        add(
          'above_max_daily_dose',
          `${label()}: ${mg(ug)}/day of ${nameOf(code)} is above its maximum of ${max} mg/day; planning above it needs override.reason.`,
          at(),
        );
    }
  }
  return dailyEqUg;
}

/** What a dose is checked against, and what its step has given so far. */
interface DoseState {
  prev: Map<string, Given>;
  now: Map<string, Given>;
  perDrugUg: Map<string, number>;
}

/**
 * One dose: its drug, its makeup, its equivalent, and against the current dose and the step
 * before. Returns its equivalent µg for the step's daily dose (0 when it has none).
 */
function checkDose(
  c: RuleCheck,
  step: PlanStep,
  i: number,
  dose: PlannedDose,
  j: number,
  { prev, now, perDrugUg }: DoseState,
): number {
  const { add, request, drug, equivalence, substitute, formularies, nameOf, eqUgOf, switched } = c;
  const at = () => `steps[${i}]`;
  const label = () => `Step ${step.index} (${step.startDate})`;
  const f = () => `${at()}.doses[${j}]`;
  const what = () => `${label()} at ${dose.time}`;
  const ug = toUg(dose.doseMg);
  const formulary = formularies.get(dose.drugCode);
  if (!formulary) {
    add(
      'unexpected_drug',
      `${what()} gives ${nameOf(dose.drugCode)}; this plan gives ${equivalence.drugCodes.map(nameOf).join(' and ')} only.`,
      f(),
    );
    return 0;
  }
  if (dose.drugCode === request.drugCode && switched.has(dose.time))
    add(
      'unexpected_drug',
      `${what()} gives ${drug.name} again after that time was switched to ${nameOf(substitute!)}.`,
      f(),
    );
  if (dose.drugCode === substitute) switched.add(dose.time);
  if (now.has(dose.time))
    add('two_doses_at_one_time', `${what()}: two doses at one administration time.`, f());

  checkMakeup(c, dose, formulary, { what, f });

  const eqUg = eqUgOf(dose.drugCode, ug);
  if (eqUg === null) {
    add('unexpected_drug', `${what()}: ${nameOf(dose.drugCode)} has no known equivalence.`, f());
    return 0;
  }
  if (toUg(dose.equivalentMg ?? dose.doseMg) !== eqUg)
    add(
      'equivalent_mismatch',
      `${what()}: ${dose.doseMg} mg ${nameOf(dose.drugCode)} is ${mg(eqUg)} ${nameOf(equivalence.unitDrugCode)}, not the ${dose.equivalentMg ?? dose.doseMg} mg shown.`,
      f(),
    );
  now.set(dose.time, { drugCode: dose.drugCode, ug, eqUg });
  perDrugUg.set(dose.drugCode, (perDrugUg.get(dose.drugCode) ?? 0) + ug);

  checkChange(c, i, dose, { ug, eqUg }, prev.get(dose.time), { what, f });
  return eqUg;
}

/** Where a problem about a dose points, built only when there is one. */
interface DoseAt {
  what: () => string;
  f: () => string;
}

/** The dose is made of whole tablets of this plan's strengths or its allowed liquid. */
function checkMakeup(
  c: RuleCheck,
  dose: PlannedDose,
  formulary: Makeup,
  { what, f }: DoseAt,
): void {
  const { add, nameOf } = c;
  const made = dose.units.reduce((a, u) => a + u.strengthMg * u.count, 0);
  if (Math.abs(made - dose.doseMg) > 1e-6)
    add(
      'units_do_not_make_dose',
      `${what()}: the tablets or liquid make ${+made.toFixed(3)} mg, not the ${dose.doseMg} mg planned.`,
      f(),
    );
  for (const u of dose.units) {
    const liquid = u.form === 'liquid';
    const ok = liquid
      ? u.strengthMg === formulary.liquidMgPerMl && u.count > 0
      : // No source says any tablet is scored: whole tablets only.
        formulary.tabletsUg.has(toUg(u.strengthMg)) && u.count > 0 && Number.isInteger(u.count);
    if (!ok)
      add(
        'not_dispensable',
        `${what()}: ${u.count} x ${u.strengthMg} mg${liquid ? '/mL liquid' : ''} is not a ${nameOf(dose.drugCode)} form this plan may use.`,
        f(),
      );
  }
}

/**
 * Against the current dose and the step before: a taper never rises above either; a titration
 * rises by at most the sourced step and never falls after its first step.
 */
function checkChange(
  c: RuleCheck,
  i: number,
  dose: PlannedDose,
  { ug, eqUg }: { ug: number; eqUg: number },
  before: Given | undefined,
  { what, f }: DoseAt,
): void {
  const { add, titrating, titration, fromCurrent, nameOf } = c;
  const was = fromCurrent.get(dose.time);
  if (titrating) {
    // Against the step before (the current dose for step 1, which may hold or step back).
    const fromUg = before?.ug ?? 0;
    if (ug - fromUg > riseLimitUg(titration!, fromUg))
      add(
        'rise_exceeds_source',
        `${what()}: ${dose.doseMg} mg rises by more than ${toMg(riseLimitUg(titration!, fromUg))} mg per administration from ${toMg(fromUg)} mg, the sourced titration step.`,
        f(),
      );
    if (i > 0 && ug < fromUg)
      add(
        'dose_falls',
        `${what()}: ${dose.doseMg} mg is less than the step before gave at that time (${toMg(fromUg)} mg): a titration only holds or rises after its first step.`,
        f(),
      );
    return;
  }
  const above = !was ? true : eqUg > was.eqUg || (was.drugCode === dose.drugCode && ug > was.ug);
  if (above)
    add(
      'above_current_dose',
      `${what()}: ${dose.doseMg} mg ${nameOf(dose.drugCode)} is more than the patient takes now at that time (${was ? `${toMg(was.ug)} mg ${nameOf(was.drugCode)}` : 'nothing'}).`,
      f(),
    );
  if (i > 0) {
    const rises = !before
      ? true
      : before.drugCode === dose.drugCode
        ? ug > before.ug
        : eqUg > before.eqUg;
    if (rises)
      add(
        'dose_rises',
        `${what()}: ${dose.doseMg} mg ${nameOf(dose.drugCode)} is more than the step before gave at that time (${before ? `${toMg(before.ug)} mg ${nameOf(before.drugCode)}` : 'nothing'}).`,
        f(),
      );
  }
}

/** The last step reaches the goal, and a taper lasts at least the drug's minimum. */
function checkTarget(
  c: RuleCheck,
  plan: PlannedTaper,
  context: PlanRuleContext,
  { prevEqUg, startDays }: { prevEqUg: number; startDays: number[] },
): void {
  const { add, request, drug, titrating, holdSteps, currentEqUg, eqUgOf } = c;
  const steps = plan.steps;
  const goal = request.goal;
  const targetMg =
    goal.type === 'reduce'
      ? goal.targetDailyDoseMg
      : goal.type === 'titrate'
        ? // Without a target the plan names the most it may reach: its own targetDailyDoseMg.
          (goal.targetDailyDoseMg ?? plan.targetDailyDoseMg)
        : goal.type === 'maintain'
          ? // Maintenance keeps what the patient takes now.
            toMg(Math.round(currentEqUg / (context.currentIntervalDays ?? 1)))
          : 0;
  const targetEqUg =
    goal.type === 'maintain'
      ? toUg(targetMg)
      : (eqUgOf(request.drugCode, toUg(targetMg)) ?? toUg(targetMg));
  if (prevEqUg !== targetEqUg || toUg(plan.targetDailyDoseMg) !== targetEqUg)
    add(
      'target_not_reached',
      `The last step gives ${mg(prevEqUg)}/day, not the goal of ${mg(targetEqUg)}/day.`,
      `steps[${steps.length - 1}]`,
    );
  const minTaper = drug.minTaperDays?.value;
  const taperDays = startDays[steps.length - 1] - startDays[holdSteps];
  const tapering = !titrating && goal.type !== 'maintain';
  if (tapering && minTaper && holdSteps < steps.length && taperDays < minTaper)
    add(
      'taper_too_short',
      `The taper reaches its goal in ${taperDays} days; ${drug.name} is tapered over at least ${minTaper} days.`,
    );
}
