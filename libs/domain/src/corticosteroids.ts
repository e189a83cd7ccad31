import type { Source } from './contract';
import { SOURCES } from './catalogue/sources';

/**
 * A corticosteroid course as the BNF's withdrawal criteria read it [S38a]. Each criterion is an
 * input the prescriber answers: none is assumed absent.
 */
export interface CorticosteroidCourse {
  /** Daily dose as prednisolone mg (other corticosteroids: their prednisolone equivalent). */
  prednisoloneMgPerDay: number;
  /** Days the course has lasted. */
  durationDays: number;
  /** Repeated evening doses. */
  eveningDoses: boolean;
  /** Repeated courses. */
  repeatedCourses: boolean;
  /** A short course taken within a year of stopping long-term therapy. */
  shortCourseWithinYearOfLongTerm: boolean;
}

export type CorticosteroidCriterion =
  | 'above_40mg_for_over_a_week'
  | 'over_3_weeks'
  | 'evening_doses'
  | 'repeated_courses'
  | 'short_course_after_long_term';

export interface CorticosteroidDecision {
  /** Gradual withdrawal, or an abrupt stop is acceptable (course ≤ 3 weeks, no criterion met). */
  decision: 'gradual' | 'abrupt_stop_allowed';
  /** The criteria this course meets (empty when an abrupt stop is allowed). */
  criteria: CorticosteroidCriterion[];
  source: Source;
}

const WEEK_DAYS = 7;

/**
 * BNF [S38a]: withdraw gradually after more than 40 mg prednisolone a day for more than a week,
 * more than 3 weeks' use, repeated evening doses, repeated courses, or a short course within a
 * year of long-term therapy; otherwise a course of up to 3 weeks may be stopped abruptly.
 */
export function corticosteroidWithdrawal(course: CorticosteroidCourse): CorticosteroidDecision {
  const { prednisoloneMgPerDay: mg, durationDays: days } = course;
  if (!(Number.isFinite(mg) && mg >= 0)) throw new RangeError('prednisoloneMgPerDay is 0 or more');
  if (!(Number.isFinite(days) && days >= 0)) throw new RangeError('durationDays is 0 or more');
  const criteria: CorticosteroidCriterion[] = [];
  if (mg > 40 && days > WEEK_DAYS) criteria.push('above_40mg_for_over_a_week');
  if (days > 3 * WEEK_DAYS) criteria.push('over_3_weeks');
  if (course.eveningDoses) criteria.push('evening_doses');
  if (course.repeatedCourses) criteria.push('repeated_courses');
  if (course.shortCourseWithinYearOfLongTerm) criteria.push('short_course_after_long_term');
  return {
    decision: criteria.length > 0 ? 'gradual' : 'abrupt_stop_allowed',
    criteria,
    source: SOURCES.S38a,
  };
}
