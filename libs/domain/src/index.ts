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
