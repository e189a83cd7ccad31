/** The pure taper domain: catalogue, pre-flight checks and the planner. No I/O, no clock. */
export * from './contract';
export { listDrugs, findDrug } from './catalogue/view';
export {
  DRUG_CODE_SYSTEM,
  EXTERNAL_ID_SYSTEM,
  ORAL_ROUTE,
  PLAN_IDENTIFIER_SYSTEM,
  RXNORM,
  UCUM,
  drugOfConcept,
  medicationConcept,
} from './catalogue/fhir-concepts';
export {
  ismpGraceMinutes,
  cessationRiskHours,
  dosingIntervalHours,
  drugCessationRule,
  isLongHalfLife,
  CESSATION_HALF_LIVES,
  CESSATION_MISSED_FRACTION,
  type DrugCessationRule,
} from './catalogue/monitoring';
export { checkTaperRequest } from './safety/checks';
export {
  planRuleViolations,
  PLAN_RULES,
  type PlanRule,
  type PlanRuleContext,
  type TimedDose,
} from './safety/plan-rules';
export { planTaper, replanTaper } from './planner';
export {
  equivalenceRatio,
  toEquivalentMg,
  fromEquivalentMg,
  planEquivalence,
  type EquivalenceBasis,
  type PlanEquivalence,
} from './equivalents';
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
export {
  reanchorSteps,
  pastStartProblems,
  firstDoseDay,
  type Reanchored,
} from './lifecycle/reanchor';
export { zonedInstant, zonedDate, isKnownZone } from './schedule/local-time';
export { expandDoses, type ScheduledDose } from './schedule/expand';
export {
  OPEN_END,
  administrationsPerDay,
  stepOn,
  dosesOn,
  heldSteps,
  resumedSteps,
} from './schedule/steps';
export { describeUnits } from './schedule/tablets';
export { dosesOfStepBefore, dosesTakenOn, requestDoses } from './schedule/taken';
export { stepDrugs, planDrugCodes, type StepDrug } from './schedule/drugs';
export {
  SYMPTOM_SCALES,
  COWS_MAX,
  cowsBand,
  assessSymptoms,
  assessChecklist,
  BACLOFEN_CHECKLIST_ITEMS,
  BACLOFEN_ADVERSE_EFFECTS,
  BACLOFEN_RED_FLAGS,
  type BaclofenChecklistItem,
  type ChecklistBand,
  type SymptomScale,
  type CowsBand,
  type SymptomAssessment,
} from './symptoms/scales';
export {
  news2Response,
  assessNews2,
  type News2Response,
  type News2Banding,
} from './symptoms/news2';
export {
  corticosteroidWithdrawal,
  type CorticosteroidCourse,
  type CorticosteroidCriterion,
  type CorticosteroidDecision,
} from './corticosteroids';
export {
  classifyTimeliness,
  administrationWindow,
  administrationWindowMinutes,
  dosesPerDayOf,
  MINUTE_MS,
  HOUR_MS,
  type EpochMs,
  type Timeliness,
  type DoseFrequency,
  type TimelinessInput,
  type AdministrationWindow,
  type WindowState,
} from './watch/timeliness';
export {
  missedAt,
  isOverdue,
  resolveGraceMinutes,
  parseGraceMinutesSetting,
  MAX_GRACE_MINUTES,
  type WatchedDoseStatus,
  type GraceSources,
} from './watch/missed';
export {
  evaluateDoseAlerts,
  CESSATION_WINDOW_HOURS,
  type WatchedDose,
  type WatchedDrug,
  type CessationInput,
  type CessationReason,
  type MissedDoseAlert,
  type CessationAlert,
  type WatchAlert,
} from './watch/cessation';
export {
  noContactAlert,
  silenceStartedAt,
  NO_CONTACT_HOURS_RANGE,
  type SilenceInput,
  type NoContactAlert,
} from './watch/silence';
export {
  validateEscalationPolicy,
  freezePolicy,
  POLICY_LIMITS,
  type EscalationPolicy,
  type EscalationStep,
  type EscalationTarget,
  type FieldError,
  type PolicyValidation,
} from './escalation/policy';
// Aliased: bare open/fire/resolve would read ambiguously at the call sites.
export {
  open as openEscalation,
  fire as fireEscalation,
  acknowledge as acknowledgeEscalation,
  resolve as resolveEscalation,
  isDue as isEscalationDue,
  isPending as isEscalationPending,
  roundGapMinutes,
  deliveryKey,
  type EscalationState,
  type EscalationStatus,
  type ExpectedStep,
  type Delivery,
  type FireResult,
} from './escalation/engine';

/** Pharmacy orders per step and when a dispensed supply runs out. */
export * from './supply';
export {
  emarStatusDecision,
  FHIR_ADMINISTRATION_STATUSES,
  RECORDED_FHIR_STATUSES,
  NOT_GIVEN_REASON_SYSTEMS,
  NOT_GIVEN_REASON_CODES,
  type EmarOutcome,
  type EmarStatusDecision,
  type StatedReason,
} from './watch/emar-status';

/** Whether an EHR order stops or cuts a withdrawal-risk drug faster than the catalogue allows. */
export {
  assessOrderChange,
  catalogueDrugNamed,
  type OrderChange,
  type OrderRisk,
} from './safety/order-risk';
