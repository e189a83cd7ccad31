import { planTaper, replanTaper } from '../planner';
import type { PlannedTaper, TaperRequestInput } from '../contract';
import { BACLOFEN_60_TID, LORAZEPAM_3MG_TID_SWITCH } from '../testing-fixtures';
import { planRuleViolations } from './plan-rules';

const facts = { today: '2025-01-01' };
const planned = (o: ReturnType<typeof planTaper>): PlannedTaper => {
  if (o.kind !== 'planned') throw new Error(JSON.stringify(o.problems));
  return o.plan;
};
const codes = (plan: PlannedTaper, request: TaperRequestInput, ctx = {}) => [
  ...new Set(planRuleViolations(plan, request, ctx).map((p) => p.code)),
];

// Lorazepam 1 mg three times a day switched to diazepam, 10 mg per lorazepam 1 mg (S16a, S16b).
const LORAZEPAM_TID = LORAZEPAM_3MG_TID_SWITCH;

describe('planRuleViolations: every plan against the catalogue, however it was made', () => {
  it('passes the planned crossover and the baclofen taper (G1 shape, S16b; label titration, S2)', () => {
    expect(planRuleViolations(planned(planTaper(LORAZEPAM_TID, facts)), LORAZEPAM_TID)).toEqual([]);
    expect(planRuleViolations(planned(planTaper(BACLOFEN_60_TID, facts)), BACLOFEN_60_TID)).toEqual(
      [],
    );
  });

  it('refuses the 210 mg/day plan a hold mid-switch once made (lorazepam mg added to diazepam mg)', () => {
    const good = planned(planTaper(LORAZEPAM_TID, facts));
    // The old re-plan read [lorazepam 1, diazepam 10, diazepam 10] as lorazepam [1, 10, 10].
    const bad = structuredClone(good);
    bad.steps[0].doses = bad.steps[0].doses.map((d) => ({
      ...d,
      drugCode: 'diazepam',
      doseMg: d.time === '08:00' ? 10 : 100,
      units: [{ strengthMg: 10, count: d.time === '08:00' ? 1 : 10, form: 'tablet' as const }],
      equivalentMg: undefined,
    }));
    bad.steps[0].dailyDoseMg = 210;
    const problems = planRuleViolations(bad, LORAZEPAM_TID, {
      currentDoses: [
        { time: '08:00', drugCode: 'lorazepam', mg: 1 },
        { time: '14:00', drugCode: 'diazepam', mg: 10 },
        { time: '22:00', drugCode: 'diazepam', mg: 10 },
      ],
      holdSteps: 1,
    });
    expect(problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['above_current_dose', 'daily_dose_rises']),
    );
    const above = problems.find((p) => p.code === 'above_current_dose')!;
    expect(above.field).toBe('steps[0].doses[1]');
    expect(above.message).toBe(
      'Step 1 (2025-01-06) at 14:00: 100 mg Diazepam is more than the patient takes now at that time (10 mg Diazepam).',
    );
    // The step after it falls back to 20-30 mg: a rise from nothing is also caught per time.
    expect(codes(bad, LORAZEPAM_TID)).toEqual(
      expect.arrayContaining(['above_current_dose', 'daily_dose_rises']),
    );
  });

  it("names a dose of a drug the patient is not given, or the first drug again after a time's switch", () => {
    const plan = structuredClone(planned(planTaper(LORAZEPAM_TID, facts)));
    plan.steps[0].doses[0].drugCode = 'clonazepam';
    expect(codes(plan, LORAZEPAM_TID)).toContain('unexpected_drug');
    const back = structuredClone(planned(planTaper(LORAZEPAM_TID, facts)));
    // Step 2 gives lorazepam at 22:00, which step 1 had already switched to diazepam.
    back.steps[1].doses[2] = {
      time: '22:00',
      drugCode: 'lorazepam',
      doseMg: 1,
      units: [{ strengthMg: 1, count: 1, form: 'tablet' }],
      equivalentMg: 10,
    };
    const problems = planRuleViolations(back, LORAZEPAM_TID);
    expect(problems.map((p) => [p.code, p.field])).toEqual([
      ['unexpected_drug', 'steps[1].doses[2]'],
    ]);
  });

  it('holds a drug to its maximum daily dose unless overridden (baclofen 80 mg/day, S2)', () => {
    const plan = structuredClone(planned(planTaper(BACLOFEN_60_TID, facts)));
    const request = { ...BACLOFEN_60_TID, currentDosesMg: [30, 30, 30] };
    plan.steps[0].doses = plan.steps[0].doses.map((d) => ({
      ...d,
      doseMg: 30,
      units: [
        { strengthMg: 10, count: 1, form: 'tablet' as const },
        { strengthMg: 20, count: 1, form: 'tablet' as const },
      ],
    }));
    plan.steps[0].dailyDoseMg = 90;
    plan.startDailyDoseMg = 90;
    expect(codes(plan, request)).toEqual(['above_max_daily_dose']);
    expect(codes(plan, { ...request, override: { reason: 'neurology advice' } })).toEqual([]);
  });

  it('checks that the units make the dose, of strengths the plan may use, and the daily sums', () => {
    const plan = structuredClone(planned(planTaper(BACLOFEN_60_TID, facts)));
    plan.steps[1].doses[0].units = [{ strengthMg: 15, count: 1, form: 'tablet' }];
    plan.steps[2].doses[0].units = [{ strengthMg: 5, count: 1, form: 'tablet' }];
    plan.steps[3].dailyDoseMg += 5;
    // The daily dose shown is checked against the doses, and rises are judged on the doses.
    expect(codes(plan, BACLOFEN_60_TID)).toEqual([
      'units_do_not_make_dose',
      'not_dispensable',
      'daily_dose_mismatch',
    ]);
  });

  it('finds a dose that rises from one step to the next, and a plan that misses its goal or ends before the 14-day minimum (S4, S5a)', () => {
    const plan = structuredClone(planned(planTaper(BACLOFEN_60_TID, facts)));
    plan.steps[2].doses[0] = { ...plan.steps[0].doses[0] };
    plan.steps[2].dailyDoseMg = plan.steps[2].doses.reduce((a, d) => a + d.doseMg, 0);
    plan.steps.pop();
    plan.endDate = plan.steps[plan.steps.length - 1].endDate;
    expect(codes(plan, BACLOFEN_60_TID)).toEqual([
      'dose_rises',
      'target_not_reached',
      'taper_too_short',
    ]);
  });

  it('the planner re-plans a mixed switch within the rules, holding it first', () => {
    const currentDoses = [
      { drugCode: 'lorazepam', mg: 1 },
      { drugCode: 'diazepam', mg: 10 },
      { drugCode: 'diazepam', mg: 10 },
    ];
    const plan = planned(
      replanTaper(
        { original: LORAZEPAM_TID, fromDate: '2025-02-01', currentDoses, holdDays: 7 },
        facts,
      ),
    );
    const timed = currentDoses.map((d, i) => ({
      time: LORAZEPAM_TID.administrationTimes[i],
      ...d,
    }));
    expect(
      planRuleViolations(
        plan,
        { ...LORAZEPAM_TID, startDate: '2025-02-01' },
        {
          currentDoses: timed,
          holdSteps: 1,
        },
      ),
    ).toEqual([]);
  });
});
