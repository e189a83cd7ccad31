import { PLAN_RULES, PlannedTaper, Problem, TimedDose } from '@taperwatch/domain';
import { ProblemException, defaultProblem } from '@taperwatch/http';
import { PlanEntity } from '@taperwatch/persistence';

/**
 * What a revision's rules were checked against when proposed, kept with its 'propose'
 * transition as the record. Approval keeps its hold steps but re-reads the starting doses from
 * the parent as they are then (a hold proposed last week may be above today's dose).
 */
export interface StoredRuleContext {
  currentDoses: TimedDose[];
  /** 2 when those doses were given every other day (an alternate-day step). */
  currentIntervalDays: number;
  holdSteps: number;
}

/** What the patient takes when a plan starts: each time's dose with its drug, and how often. */
export interface CurrentDoses {
  doses: TimedDose[];
  /** 2 when the step in force gives them every other day; else 1. */
  intervalDays: number;
}

/** A stored plan as the planner produced it (after any re-anchoring), for the rule check. */
export function plannedTaperOf(plan: PlanEntity): PlannedTaper {
  return {
    drugCode: plan.drugCode,
    strategy: plan.strategy as PlannedTaper['strategy'],
    startDate: plan.startDate,
    endDate: plan.endDate,
    startDailyDoseMg: plan.startDailyDoseMg,
    targetDailyDoseMg: plan.targetDailyDoseMg,
    steps: plan.steps as PlannedTaper['steps'],
    warnings: plan.warnings as PlannedTaper['warnings'],
    rationale: plan.rationale as PlannedTaper['rationale'],
    ...(plan.equivalentDrugCode ? { doseUnitDrugCode: plan.equivalentDrugCode } : {}),
  };
}

/**
 * The second line of defence refuses a plan with 422 naming each broken rule (its code, in
 * `rules` and in each error) and where in the plan it is.
 */
export function ruleProblem(what: string, problems: Problem[]): ProblemException {
  const rules = [...new Set(problems.map((p) => p.code))];
  return new ProblemException({
    ...defaultProblem(
      422,
      `${what} breaks the catalogue's rules (${rules.join(', ')}): ${problems.map((p) => p.message).join(' ')}`,
    ),
    errors: problems.map((p) => ({ field: p.field ?? p.code, message: `${p.code}: ${p.message}` })),
    rules,
  });
}

/** A problem code that names one of the catalogue's plan rules. */
export const isPlanRule = (code: string): boolean =>
  (PLAN_RULES as readonly string[]).includes(code);
