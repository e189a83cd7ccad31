import { BACLOFEN_60_TID, LORAZEPAM_3MG_TID_SWITCH } from './testing-fixtures';
import {
  dosesTakenOn,
  isoDateAddDays,
  planRuleViolations,
  planTaper,
  replanTaper,
  type PlannedTaper,
  type TaperRequestInput,
} from './index';

const facts = { today: '2025-01-01' };
const original = BACLOFEN_60_TID;
const baclofen = (mg: number[]) => mg.map((m) => ({ drugCode: 'baclofen', mg: m }));
const planned = (o: ReturnType<typeof planTaper>): PlannedTaper => {
  if (o.kind !== 'planned') throw new Error(JSON.stringify(o.problems));
  return o.plan;
};

describe('replanTaper (pauses and revisions)', () => {
  it('holds the current dose, then tapers more slowly from it', () => {
    const plan = planned(
      replanTaper(
        {
          original,
          fromDate: '2025-01-20',
          currentDoses: baclofen([10, 10, 10]),
          holdDays: 7,
          stepDays: 10,
        },
        facts,
      ),
    );
    expect(plan.steps[0]).toMatchObject({
      startDate: '2025-01-20',
      endDate: '2025-01-26',
      dailyDoseMg: 30,
    });
    expect(plan.steps[1].startDate).toBe('2025-01-27');
    expect(plan.pace!.stepDays).toBeGreaterThanOrEqual(10);
    const currentDoses = original.administrationTimes.map((time) => ({
      time,
      drugCode: 'baclofen',
      mg: 10,
    }));
    expect(
      planRuleViolations(
        plan,
        { ...original, startDate: '2025-01-20' },
        { currentDoses, holdSteps: 1 },
      ),
    ).toEqual([]);
    expect(plan.rationale.map((r) => r.rule)).toContain('hold');
  });

  it('switches strategy', () => {
    const plan = planned(
      replanTaper(
        {
          original,
          fromDate: '2025-01-20',
          currentDoses: baclofen([20, 20, 20]),
          strategy: 'proportional',
        },
        facts,
      ),
    );
    expect(plan.strategy).toBe('proportional');
  });

  it('continues a crossover on diazepam once the patient has switched', () => {
    const lorazepam: TaperRequestInput = {
      ...original,
      drugCode: 'lorazepam',
      strengthsMg: [1],
      currentDosesMg: [1, 1],
      administrationTimes: ['08:00', '22:00'],
      substituteWith: 'diazepam',
    };
    const plan = planned(
      replanTaper(
        {
          original: lorazepam,
          fromDate: '2025-03-01',
          currentDoses: [
            { drugCode: 'diazepam', mg: 8 },
            { drugCode: 'diazepam', mg: 10 },
          ],
        },
        facts,
      ),
    );
    expect(plan.startDailyDoseMg).toBe(18);
    expect(plan.steps.every((s) => s.doses.every((d) => d.drugCode === 'diazepam'))).toBe(true);
  });

  it('rejects, never throws, on bad input', () => {
    const out = replanTaper(
      { original, fromDate: 'soon', currentDoses: baclofen([10, 10, 10]), holdDays: -1 },
      facts,
    );
    expect(out.kind === 'rejected' && out.problems.map((p) => p.field)).toEqual([
      'startDate',
      'holdDays',
    ]);
  });
});

describe('replanTaper from alternate-day dosing (fluoxetine, NICE NG222, S33)', () => {
  const fluoxetine: TaperRequestInput = {
    ...original,
    drugCode: 'fluoxetine',
    strengthsMg: [20],
    currentDosesMg: [20],
    administrationTimes: ['08:00'],
    stepDays: 14,
    reason: 'stopping an antidepressant',
  };
  const first = planned(planTaper(fluoxetine, facts));
  const alternate = first.steps[0];

  it('a hold keeps the doses every other day (10 mg/day, not 20), and the next step stops', () => {
    expect(alternate.intervalDays).toBe(2);
    const fromDate = isoDateAddDays(alternate.startDate, 3);
    const now = dosesTakenOn(first.steps, fromDate, fluoxetine);
    expect(now.intervalDays).toBe(2);
    const plan = planned(
      replanTaper(
        {
          original: fluoxetine,
          fromDate,
          currentDoses: now.doses,
          currentIntervalDays: now.intervalDays,
          holdDays: 7,
        },
        facts,
      ),
    );
    expect(plan.startDailyDoseMg).toBe(10);
    expect(plan.steps.map((s) => [s.dailyDoseMg, s.intervalDays ?? 1, s.doses.length])).toEqual([
      [10, 2, 1],
      [0, 1, 0],
    ]);
    const timed = now.doses.map((d) => ({ time: '08:00', ...d }));
    expect(
      planRuleViolations(
        plan,
        { ...fluoxetine, startDate: fromDate },
        { currentDoses: timed, currentIntervalDays: 2, holdSteps: 1 },
      ),
    ).toEqual([]);
    // Read as a daily dose, the same hold would be a rise from 10 to 20 mg/day.
    const daily = planned(
      replanTaper({ original: fluoxetine, fromDate, currentDoses: now.doses, holdDays: 7 }, facts),
    );
    expect(
      planRuleViolations(
        daily,
        { ...fluoxetine, startDate: fromDate },
        { currentDoses: timed, currentIntervalDays: 2, holdSteps: 1 },
      ).map((p) => p.code),
    ).toContain('daily_dose_rises');
  });
});

describe('replanTaper in the middle of a lorazepam -> diazepam switch (NHS Scotland, S16b)', () => {
  // Lorazepam 1 mg three times a day; diazepam 10 mg per lorazepam 1 mg (S16a).
  const tid = LORAZEPAM_3MG_TID_SWITCH;
  const first = planned(planTaper(tid, facts));
  const perTime = (p: PlannedTaper) =>
    p.steps.map((s) =>
      tid.administrationTimes.map((t) => {
        const d = s.doses.find((x) => x.time === t);
        return d ? `${d.drugCode[0]}${d.doseMg}` : '-';
      }),
    );

  it('reads the doses of day 18 per time with their drug', () => {
    const day18 = isoDateAddDays(first.startDate, 17);
    expect(dosesTakenOn(first.steps, day18, tid).doses).toEqual([
      { drugCode: 'lorazepam', mg: 1 },
      { drugCode: 'diazepam', mg: 10 },
      { drugCode: 'diazepam', mg: 10 },
    ]);
    expect(dosesTakenOn(first.steps, '2025-01-01', tid).doses).toEqual([
      { drugCode: 'lorazepam', mg: 1 },
      { drugCode: 'lorazepam', mg: 1 },
      { drugCode: 'lorazepam', mg: 1 },
    ]);
  });

  it('a 7-day hold from day 18 holds the mixed doses as they are, then finishes the switch: 30 mg/day diazepam-equivalent, never 210', () => {
    const day18 = isoDateAddDays(first.startDate, 17);
    const plan = planned(
      replanTaper(
        {
          original: tid,
          fromDate: day18,
          currentDoses: dosesTakenOn(first.steps, day18, tid).doses,
          holdDays: 7,
        },
        facts,
      ),
    );
    // Then CKS's 4 mg cuts above 20 mg/day (S17), the midday dose first (S16b).
    expect(perTime(plan).slice(0, 4)).toEqual([
      ['l1', 'd10', 'd10'],
      ['d10', 'd10', 'd10'],
      ['d10', 'd6', 'd10'],
      ['d10', 'd2', 'd10'],
    ]);
    expect(plan.steps[0]).toMatchObject({ startDate: day18, dailyDoseMg: 30 });
    expect(plan.startDailyDoseMg).toBe(30);
    expect(Math.max(...plan.steps.map((s) => s.dailyDoseMg))).toBe(30);
    const doses = plan.steps.flatMap((s) => s.doses);
    expect(Math.max(...doses.filter((d) => d.drugCode === 'diazepam').map((d) => d.doseMg))).toBe(
      10,
    );
    expect(Math.max(...doses.filter((d) => d.drugCode === 'lorazepam').map((d) => d.doseMg))).toBe(
      1,
    );
    expect(plan.steps[plan.steps.length - 1].doses).toEqual([]);
  });

  it('continues the switch without a hold, bedtime first then backwards', () => {
    const plan = planned(
      replanTaper(
        {
          original: tid,
          fromDate: '2025-02-01',
          currentDoses: [
            { drugCode: 'lorazepam', mg: 1 },
            { drugCode: 'lorazepam', mg: 1 },
            { drugCode: 'diazepam', mg: 10 },
          ],
        },
        facts,
      ),
    );
    expect(perTime(plan).slice(0, 3)).toEqual([
      ['l1', 'd10', 'd10'],
      ['d10', 'd10', 'd10'],
      ['d10', 'd6', 'd10'],
    ]);
  });

  it('refuses a current dose of a drug the plan does not give, or one per time missing', () => {
    const out = replanTaper(
      {
        original: tid,
        fromDate: '2025-02-01',
        currentDoses: [
          { drugCode: 'lorazepam', mg: 1 },
          { drugCode: 'clonazepam', mg: 0.5 },
          { drugCode: 'diazepam', mg: -1 },
        ],
      },
      facts,
    );
    expect(out.kind === 'rejected' && out.problems.map((p) => [p.code, p.field])).toEqual([
      ['unknown_current_drug', 'currentDoses[1].drugCode'],
      ['invalid_doses', 'currentDoses[2].mg'],
    ]);
    const short = replanTaper(
      { original: tid, fromDate: '2025-02-01', currentDoses: [{ drugCode: 'lorazepam', mg: 1 }] },
      facts,
    );
    expect(short.kind === 'rejected' && short.problems.map((p) => p.field)).toEqual([
      'currentDoses',
    ]);
  });
});
