/** The pure taper domain: catalogue, pre-flight checks and the planner. No I/O, no clock. */
export * from './contract';
export { listDrugs, findDrug } from './catalogue/view';
export {
  ismpGraceMinutes,
  cessationRiskHours,
  CESSATION_MISSED_FRACTION,
} from './catalogue/monitoring';
export { checkTaperRequest } from './safety/checks';
export { planTaper, replanTaper } from './planner';
export { isoDateAddDays, isoDaysBetween, isIsoDate } from './dates';
export {
  PLAN_STATES,
  IN_FORCE,
  REVISABLE,
  transition,
  type PlanState,
  type PlanAction,
  type TransitionResult,
} from './lifecycle/plan-lifecycle';
export { zonedInstant, zonedDate, isKnownZone } from './schedule/local-time';
export { expandDoses, type ScheduledDose } from './schedule/expand';
export { OPEN_END, stepOn, dosesOn, heldSteps, resumedSteps } from './schedule/steps';
export { describeUnits } from './schedule/tablets';
export {
  SYMPTOM_SCALES,
  COWS_MAX,
  cowsBand,
  assessSymptoms,
  type SymptomScale,
  type CowsBand,
  type SymptomAssessment,
} from './symptoms/scales';
