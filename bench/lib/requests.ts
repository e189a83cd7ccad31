import { TaperRequestInput, checkTaperRequest } from '@taperwatch/domain';
import { BACLOFEN_60_TID } from '@taperwatch/domain/testing-fixtures';

/** The planning date of every bench request (any fixed date works: the planner is pure). */
export const BENCH_TODAY = '2026-12-01';

/** Baclofen 60 mg/day (20 mg TID) to stop: the specs' reference request. */
export const BACLOFEN_60: TaperRequestInput = { ...BACLOFEN_60_TID, startDate: BENCH_TODAY };

/** Diazepam 40 mg/day candidates, in order of preference; the first the catalogue accepts wins. */
const DIAZEPAM_40_CANDIDATES: TaperRequestInput[] = [
  {
    drugCode: 'diazepam',
    route: 'oral',
    currentDosesMg: [10, 10, 20],
    administrationTimes: ['08:00', '14:00', '22:00'],
    startDate: BENCH_TODAY,
    goal: { type: 'discontinue' },
    reason: 'long-term use, patient wishes to stop',
  },
  {
    drugCode: 'diazepam',
    route: 'oral',
    currentDosesMg: [10, 10, 10, 10],
    administrationTimes: ['08:00', '12:00', '17:00', '22:00'],
    startDate: BENCH_TODAY,
    goal: { type: 'discontinue' },
    reason: 'long-term use, patient wishes to stop',
  },
];

/** The diazepam 40 mg/day request the catalogue accepts (checked with checkTaperRequest). */
export function diazepam40(): TaperRequestInput {
  const problems: string[] = [];
  for (const candidate of DIAZEPAM_40_CANDIDATES) {
    const found = checkTaperRequest(candidate, { today: BENCH_TODAY });
    if (found.length === 0) return candidate;
    problems.push(found.map((p) => p.code).join(','));
  }
  throw new Error(`no diazepam 40 mg/day request passes the checks: ${problems.join(' / ')}`);
}

/** A taper request body for POST /v1/taper-requests, starting today (a past start is 422). */
export function taperRequestBody(patientId: string, input: TaperRequestInput = BACLOFEN_60) {
  return { patientId, ...input, startDate: new Date().toISOString().slice(0, 10) };
}

/**
 * Diazepam 40 mg/day as 20 mg at 08:00 and 20:00 to stop in 21-day steps: a plan of more than
 * 60 weeks, of which approval writes only the horizon's doses (as in
 * test/plans-in-force.e2e-spec.ts). Checked against the catalogue.
 */
export function diazepam60Weeks(startDate: string): TaperRequestInput {
  const request: TaperRequestInput = {
    drugCode: 'diazepam',
    route: 'oral',
    currentDosesMg: [20, 20],
    administrationTimes: ['08:00', '20:00'],
    startDate,
    stepDays: 21,
    goal: { type: 'discontinue' },
    reason: 'long-term use, patient wishes to stop',
  };
  const problems = checkTaperRequest(request, { today: startDate });
  if (problems.length > 0) {
    throw new Error(`the 60-week diazepam request fails: ${problems.map((p) => p.code).join()}`);
  }
  return request;
}
