import type { PatientFacts, Problem, TaperRequestInput } from '../contract';
import { DRUGS } from '../catalogue/drugs';
import { requestMustSupply } from '../catalogue/requirements';
import type { DrugEntry } from '../catalogue/types';
import { isIsoDate } from '../dates';
import { liquidFor, tabletsFor } from '../dispensing/formulary';
import { toUg } from '../dispensing/grid';
import { titrationCeilingUg, titrationDoseShare } from '../planning/titrate';
import { drugPercentCap } from './pace';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const SUBSTITUTE = 'diazepam';
/** Longest step or hold the planner accepts (a year). */
const MAX_DAYS = 365;

const problem = (code: string, field: string | undefined, message: string): Problem =>
  field === undefined ? { code, message } : { code, field, message };

export function dailyDoseMg(doses: readonly number[]): number {
  let total = 0;
  for (const d of doses) total += d;
  return total;
}

function doseProblems(input: TaperRequestInput): Problem[] {
  const out: Problem[] = [];
  const { currentDosesMg: doses, administrationTimes: times } = input;
  // A titration may start from nothing (every current dose 0).
  const titrating = input.goal?.type === 'titrate';
  if (!Array.isArray(doses) || doses.length === 0 || doses.length > 12) {
    out.push(
      problem(
        'invalid_doses',
        'currentDosesMg',
        'Give 1 to 12 current doses, one per administration time.',
      ),
    );
  } else if (
    doses.some((d) => !Number.isFinite(d) || d < 0) ||
    (!titrating && dailyDoseMg(doses) <= 0)
  ) {
    out.push(
      problem(
        'invalid_doses',
        'currentDosesMg',
        titrating
          ? 'Doses are non-negative mg amounts (0 where the patient takes nothing yet).'
          : 'Doses are non-negative mg amounts with a positive total.',
      ),
    );
  }
  if (!Array.isArray(times) || times.some((t) => !HH_MM.test(t))) {
    out.push(problem('invalid_time', 'administrationTimes', 'Administration times are "HH:mm".'));
  } else if (
    new Set(times).size !== times.length ||
    times.some((t, i) => i > 0 && t <= times[i - 1])
  ) {
    out.push(
      problem(
        'invalid_time',
        'administrationTimes',
        'Administration times must be distinct and in order through the day.',
      ),
    );
  }
  if (Array.isArray(doses) && Array.isArray(times) && doses.length !== times.length) {
    out.push(
      problem(
        'doses_times_mismatch',
        'administrationTimes',
        `${doses.length} doses but ${times.length} administration times: give one time per dose.`,
      ),
    );
  }
  return out;
}

/**
 * A titration: only along a sourced schedule, above what the patient takes now, and within the
 * maximum daily dose (above it only with override.reason) and this patient's renal share of it.
 */
function titrationProblems(
  drug: DrugEntry,
  input: TaperRequestInput,
  facts: PatientFacts,
  daily: number,
): Problem[] {
  const out: Problem[] = [];
  if (input.substituteWith !== undefined)
    out.push(
      problem('substitution_unsupported', 'substituteWith', 'A titration switches no drug.'),
    );
  if (
    input.adverseEffectAction !== undefined &&
    input.adverseEffectAction !== 'hold' &&
    input.adverseEffectAction !== 'step_back'
  )
    out.push(
      problem(
        'invalid_adverse_effect_action',
        'adverseEffectAction',
        'adverseEffectAction is hold or step_back.',
      ),
    );
  const fraction = input.renalDoseFraction;
  if (fraction !== undefined && !(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
    out.push(
      problem(
        'invalid_renal_dose_fraction',
        'renalDoseFraction',
        'renalDoseFraction is the share of the usual titration dose: above 0 and at most 1.',
      ),
    );
    return out;
  }
  return out.concat(titrationTargetProblems(drug, input, facts, daily));
}

/** A titration's target: above the current dose, within the maximum and the renal share. */
function titrationTargetProblems(
  drug: DrugEntry,
  input: TaperRequestInput,
  facts: PatientFacts,
  daily: number,
): Problem[] {
  const out: Problem[] = [];
  if (input.goal.type !== 'titrate') return out;
  const target = input.goal.targetDailyDoseMg;
  if (target === undefined) return out;
  if (!Number.isFinite(target) || target <= 0) {
    out.push(
      problem('invalid_goal', 'goal.targetDailyDoseMg', 'targetDailyDoseMg is above 0 mg/day.'),
    );
    return out;
  }
  if (toUg(target) <= toUg(daily)) {
    out.push(
      problem(
        'titrate_target_not_higher',
        'goal.targetDailyDoseMg',
        `Target ${target} mg/day is not above the current ${toUg(daily) / 1000} mg/day.`,
      ),
    );
  }
  if (input.override) return out;
  const max = drug.maxDailyDoseMg?.value;
  const share = titrationDoseShare(drug, input, facts);
  const ceiling = titrationCeilingUg(drug, share);
  if (max !== undefined && target > max) {
    out.push(
      problem(
        'above_max_daily_dose',
        'goal.targetDailyDoseMg',
        `${target} mg/day is above ${drug.name}'s maximum of ${max} mg/day: titrate to at most ${max} mg/day, or give override.reason.`,
      ),
    );
  } else if (ceiling !== null && toUg(target) > ceiling) {
    out.push(
      problem(
        'above_renal_dose',
        'goal.targetDailyDoseMg',
        `${target} mg/day is above ${ceiling / 1000} mg/day, the maximum at ${+(share.fraction * 100).toFixed(1)}% of the usual dose for this patient's renal function (a configurable default): send renalDoseFraction to change the share, or override.reason.`,
      ),
    );
  }
  return out;
}

function goalProblems(input: TaperRequestInput, daily: number): Problem[] {
  if (
    input.goal?.type === 'discontinue' ||
    input.goal?.type === 'titrate' ||
    input.goal?.type === 'maintain'
  )
    return [];
  if (
    input.goal?.type !== 'reduce' ||
    !Number.isFinite(input.goal.targetDailyDoseMg) ||
    input.goal.targetDailyDoseMg < 0
  ) {
    return [
      problem(
        'invalid_goal',
        'goal',
        'The goal is { type: "discontinue" }, { type: "reduce", targetDailyDoseMg >= 0 }, { type: "titrate", targetDailyDoseMg? } or { type: "maintain" }.',
      ),
    ];
  }
  // Compared in whole micrograms, as the planner counts: 0.1 + 0.2 is 0.3 here.
  if (toUg(input.goal.targetDailyDoseMg) >= toUg(daily)) {
    return [
      problem(
        'reduce_target_not_lower',
        'goal.targetDailyDoseMg',
        `Target ${input.goal.targetDailyDoseMg} mg/day is not below the current ${toUg(daily) / 1000} mg/day.`,
      ),
    ];
  }
  return [];
}

function paceProblems(drug: DrugEntry, input: TaperRequestInput): Problem[] {
  const out: Problem[] = [];
  const required = requestMustSupply(drug);
  const overridden = Boolean(input.override);
  const { stepDays, maxStepReductionPercent: percent } = input;
  if (stepDays === undefined && required.includes('stepDays')) {
    out.push(
      problem(
        'step_days_required',
        'stepDays',
        `The catalogue's sources give no step interval for ${drug.name}: give stepDays.`,
      ),
    );
  }
  const strategy = input.strategy ?? drug.defaultStrategy.value;
  // A percent-based strategy needs a percent from somewhere (dose bands are in mg).
  const percentless =
    strategy !== 'linear' && !drug.proportional && !drug.stepCap && !drug.startFractionCap;
  if (percent === undefined && (required.includes('maxStepReductionPercent') || percentless)) {
    out.push(
      problem(
        'max_step_reduction_required',
        'maxStepReductionPercent',
        `The catalogue's sources give no ${percentless ? 'percent step' : 'safe step size'} for ${drug.name}: give maxStepReductionPercent.`,
      ),
    );
  }
  return [
    ...out,
    ...stepDaysProblems(drug, stepDays, overridden),
    ...percentProblems(drug, input, overridden),
  ];
}

/** A requested step length: whole days in range, and no shorter than the drug's without override. */
function stepDaysProblems(
  drug: DrugEntry,
  stepDays: number | undefined,
  overridden: boolean,
): Problem[] {
  const out: Problem[] = [];
  if (stepDays !== undefined) {
    if (!Number.isInteger(stepDays) || stepDays < 1 || stepDays > MAX_DAYS) {
      out.push(
        problem(
          'invalid_step_days',
          'stepDays',
          `stepDays is a whole number of days, 1 to ${MAX_DAYS}.`,
        ),
      );
    } else if (drug.minStepDays && stepDays < drug.minStepDays.value && !overridden) {
      out.push(
        problem(
          'pace_too_fast',
          'stepDays',
          `${drug.name} steps last at least ${drug.minStepDays.value} days; a shorter step needs override.reason.`,
        ),
      );
    }
  }
  return out;
}

/** A requested percent cut: above 0, at most 100, and within the drug's cap without override. */
function percentProblems(
  drug: DrugEntry,
  input: TaperRequestInput,
  overridden: boolean,
): Problem[] {
  const out: Problem[] = [];
  const { stepDays, maxStepReductionPercent: percent } = input;
  if (percent !== undefined) {
    const base = stepDays ?? drug.defaultStepDays?.value ?? drug.minStepDays?.value ?? 1;
    const limit = drugPercentCap(drug, base, input.durationOfUseWeeks);
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      out.push(
        problem(
          'invalid_percent',
          'maxStepReductionPercent',
          'maxStepReductionPercent is above 0 and at most 100.',
        ),
      );
    } else if (limit !== null && percent > limit + 1e-9 && !overridden) {
      out.push(
        problem(
          'pace_too_fast',
          'maxStepReductionPercent',
          `${drug.name} steps cut at most ${+limit.toFixed(2)}% per ${base}-day step; a larger cut needs override.reason.`,
        ),
      );
    }
  }
  return out;
}

function strategyProblems(input: TaperRequestInput): Problem[] {
  if (input.strategy !== 'hyperbolic') return [];
  const h = input.hyperbolic;
  if (!h) {
    return [
      problem(
        'hyperbolic_parameters_required',
        'strategy',
        'Hyperbolic tapering needs receptor-occupancy parameters, which are clinician-set ([C]): give hyperbolic.emaxPercent and hyperbolic.ed50Mg.',
      ),
    ];
  }
  if (
    !(h.emaxPercent > 0 && h.emaxPercent <= 100) ||
    !(h.ed50Mg > 0) ||
    !Number.isFinite(h.ed50Mg)
  ) {
    return [
      problem(
        'invalid_hyperbolic_parameters',
        'hyperbolic',
        'emaxPercent is in (0, 100] and ed50Mg is above 0.',
      ),
    ];
  }
  return [];
}

function substitutionProblems(drug: DrugEntry, input: TaperRequestInput): Problem[] {
  if (input.substituteWith === undefined) return [];
  if (
    input.substituteWith !== SUBSTITUTE ||
    (drug.drugClass !== 'benzodiazepine' && drug.drugClass !== 'z-drug') ||
    drug.code === SUBSTITUTE
  ) {
    return [
      problem(
        'substitution_unsupported',
        'substituteWith',
        'Only a benzodiazepine or Z-drug other than diazepam can be switched, and only to diazepam.',
      ),
    ];
  }
  const ratio = input.diazepamMgPerMg;
  if (ratio !== undefined && !(ratio > 0 && Number.isFinite(ratio))) {
    return [
      problem('invalid_equivalence', 'diazepamMgPerMg', 'diazepamMgPerMg is a positive number.'),
    ];
  }
  if (ratio === undefined && !drug.diazepamEquivalence) {
    return [
      problem(
        'equivalence_required',
        'diazepamMgPerMg',
        `Sources differ twofold on ${drug.name}'s diazepam equivalent (S14a): give diazepamMgPerMg.`,
      ),
    ];
  }
  return [];
}

function formularyProblems(drug: DrugEntry, input: TaperRequestInput): Problem[] {
  // In a crossover the liquid, if any, is the substitute's.
  const liquidDrug = input.substituteWith === SUBSTITUTE ? DRUGS.get(SUBSTITUTE)! : drug;
  return [...tabletsFor(drug, input).problems, ...liquidFor(liquidDrug, input).problems];
}

function requestProblems(drug: DrugEntry, input: TaperRequestInput): Problem[] {
  const out: Problem[] = [];
  if (!drug.routes.includes(input.route)) {
    out.push(
      problem(
        'unsupported_route',
        'route',
        `${drug.name} is planned for ${drug.routes.join(', ')} use only, not "${input.route}".`,
      ),
    );
  }
  if (!isIsoDate(input.startDate))
    out.push(problem('invalid_date', 'startDate', 'startDate is a calendar date YYYY-MM-DD.'));
  if (input.override && !input.override.reason?.trim()) {
    out.push(problem('override_reason_required', 'override.reason', 'An override needs a reason.'));
  }
  if (!input.reason?.trim())
    out.push(problem('reason_required', 'reason', 'Say why the taper is requested.'));
  if (input.durationOfUseWeeks !== undefined && !(input.durationOfUseWeeks >= 0)) {
    out.push(problem('invalid_duration', 'durationOfUseWeeks', 'durationOfUseWeeks is 0 or more.'));
  }
  return out;
}

/**
 * The synchronous pre-flight checks (HTTP 422 when any is found). Cheap by design: no dose
 * tables, no planning; the planner repeats nothing of this and may still reject what only
 * planning can find.
 */
export function checkTaperRequest(input: TaperRequestInput, facts: PatientFacts): Problem[] {
  const drug = DRUGS.get(input.drugCode);
  if (!drug) {
    return [
      problem(
        'unknown_drug',
        'drugCode',
        `Unknown drug "${input.drugCode}"; GET /v1/drugs lists the catalogue.`,
      ),
    ];
  }
  if (input.goal?.type === 'titrate' && !drug.titration) {
    // The one missing fact: nothing else about the request matters until it is a taper.
    return [
      problem(
        'no_sourced_titration',
        'goal.type',
        `The catalogue has no sourced titration schedule for ${drug.name}: it cannot be titrated here. Send a taper (goal reduce or discontinue) instead.`,
      ),
    ];
  }
  const out = [...requestProblems(drug, input), ...doseProblems(input)];
  if (!isIsoDate(facts.today))
    out.push(problem('invalid_date', undefined, 'The planning date is not a calendar date.'));
  const dosesValid = !out.some((p) => p.field === 'currentDosesMg');
  const daily = dosesValid ? dailyDoseMg(input.currentDosesMg) : 0;
  if (dosesValid) {
    out.push(...goalProblems(input, daily));
    if (input.goal?.type === 'titrate') out.push(...titrationProblems(drug, input, facts, daily));
    const max = drug.maxDailyDoseMg?.value;
    if (max !== undefined && daily > max && !input.override) {
      out.push(
        problem(
          'above_max_daily_dose',
          'currentDosesMg',
          `${toUg(daily) / 1000} mg/day is above ${drug.name}'s maximum of ${max} mg/day; planning from it needs override.reason.`,
        ),
      );
    }
  }
  out.push(
    ...strategyProblems(input),
    ...substitutionProblems(drug, input),
    ...formularyProblems(drug, input),
    // Maintenance keeps the doses: no step pace to check.
    ...(input.goal?.type === 'maintain' ? [] : paceProblems(drug, input)),
  );
  return out;
}
