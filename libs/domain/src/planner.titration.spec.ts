import {
  checkTaperRequest,
  dosesOfStepBefore,
  planRuleViolations,
  planTaper,
  replanTaper,
  type PlannedTaper,
  type TaperRequestInput,
} from './index';
import { SPEC_FACTS, dosesPerTime, plannedOrThrow } from './testing-fixtures';

const facts = SPEC_FACTS;
const TIMES = ['08:00', '14:00', '20:00'];
const titrate: TaperRequestInput = {
  drugCode: 'baclofen',
  route: 'oral',
  reason: 'cocaine cravings',
  startDate: '2025-01-06',
  currentDosesMg: [0, 0, 0],
  administrationTimes: TIMES,
  goal: { type: 'titrate', targetDailyDoseMg: 60 },
};

const planned = plannedOrThrow;
const at = (plan: PlannedTaper) => dosesPerTime(plan, TIMES);
const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

describe('titration (G4 baclofen label bounds, S2, S3, S4)', () => {
  it('G4: 5 mg three times a day to 20 mg three times a day over 12 days in 3-day steps (S2, S3)', () => {
    const plan = planned(titrate);
    expect(at(plan)).toEqual([
      [5, 5, 5],
      [10, 10, 10],
      [15, 15, 15],
      [20, 20, 20],
    ]);
    expect(plan.steps.map((s) => [s.startDate, s.endDate])).toEqual([
      ['2025-01-06', '2025-01-08'],
      ['2025-01-09', '2025-01-11'],
      ['2025-01-12', '2025-01-14'],
      ['2025-01-15', '2025-01-17'],
    ]);
    expect(plan.steps.map((s) => s.dailyDoseMg)).toEqual([15, 30, 45, 60]);
    expect(plan.startDailyDoseMg).toBe(0);
    expect(plan.targetDailyDoseMg).toBe(60);
    // Each dose of real 5/10/20 mg tablets (S1, S3), naming its drug.
    for (const s of plan.steps)
      for (const d of s.doses) {
        expect(d.drugCode).toBe('baclofen');
        expect(d.units.reduce((a, u) => a + u.strengthMg * u.count, 0)).toBe(d.doseMg);
        for (const u of d.units) expect([5, 10, 20]).toContain(u.strengthMg);
      }
    expect(planRuleViolations(plan, titrate)).toEqual([]);
    // It ends: the course goes on by a revision to maintenance, never by stopping.
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({
        code: 'titration_ends',
        message: expect.stringMatching(/2025-01-17/),
      }),
    );
  });

  it('without a target titrates to the 80 mg/day maximum, 5 mg per dose per step (S2, S3, S4)', () => {
    const plan = planned({ ...titrate, goal: { type: 'titrate' } });
    expect(plan.steps.map((s) => s.dailyDoseMg)).toEqual([15, 30, 45, 60, 75, 80]);
    expect(at(plan).at(-1)).toEqual([25, 25, 30]);
    expect(planRuleViolations(plan, { ...titrate, goal: { type: 'titrate' } })).toEqual([]);
  });

  it('a target of 100 mg/day is refused at the 80 mg/day cap without an override (G4, S2, S3, S4)', () => {
    const over = { ...titrate, goal: { type: 'titrate' as const, targetDailyDoseMg: 100 } };
    const outcome = planTaper(over, facts);
    expect(outcome.kind).toBe('rejected');
    const problems = outcome.kind === 'rejected' ? outcome.problems : [];
    expect(problems).toEqual([
      expect.objectContaining({ code: 'above_max_daily_dose', field: 'goal.targetDailyDoseMg' }),
    ]);
    expect(problems[0].message).toMatch(/80 mg\/day/);
    // With a reason it is planned, flagged critical, and the rules accept it only so.
    const plan = planned({ ...over, override: { reason: 'specialist trial protocol' } });
    expect(plan.targetDailyDoseMg).toBe(100);
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({ code: 'above_max_daily_dose', severity: 'critical' }),
    );
    expect(codes(planRuleViolations(plan, over, { override: false }))).toContain(
      'above_max_daily_dose',
    );
  });

  it('CrCl 25 mL/min starts lower and rises slower: a third of the usual dose, steps x3 (S6 CKD bands, configurable)', () => {
    const plan = planned(
      { ...titrate, goal: { type: 'titrate' } },
      {
        ...facts,
        creatinineClearanceMlMin: 25,
      },
    );
    // Usual levels 15, 30, 45 … mg/day x 1/3 = 5, 10, 15 … up to 80 x 1/3 = 26.7, made of
    // 5 mg tablets: 25 mg/day; each step 3 days x 3 = 9 days; bedtime dose raised first.
    expect(at(plan)).toEqual([
      [0, 0, 5],
      [5, 0, 5],
      [5, 5, 5],
      [5, 5, 10],
      [10, 5, 10],
    ]);
    expect(plan.steps.map((s) => s.dailyDoseMg)).toEqual([5, 10, 15, 20, 25]);
    expect(plan.steps[0].endDate).toBe('2025-01-14');
    expect(plan.pace!.stepDays).toBe(9);
    expect(plan.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining(['renal_impairment', 'renal_dose_reduced']),
    );
    expect(plan.warnings.find((w) => w.code === 'renal_dose_reduced')!.message).toMatch(
      /renalDoseFraction/,
    );
    // A target above the renal share is refused, naming the field that changes the default.
    const high = checkTaperRequest(titrate, { ...facts, creatinineClearanceMlMin: 25 });
    expect(high).toEqual([
      expect.objectContaining({ code: 'above_renal_dose', field: 'goal.targetDailyDoseMg' }),
    ]);
    // The request may change the [C] default: the usual dose kept, steps still x3.
    const asked = planned(
      { ...titrate, renalDoseFraction: 1 },
      { ...facts, creatinineClearanceMlMin: 25 },
    );
    expect(asked.steps.map((s) => s.dailyDoseMg)).toEqual([15, 30, 45, 60]);
    expect(asked.pace!.stepDays).toBe(9);
  });

  it('older adults get a warning and the requested slower steps, never an invented pace (S4)', () => {
    const old = { ...facts, birthDate: '1950-01-01' };
    const plan = planned(titrate, old);
    expect(plan.pace!.stepDays).toBe(3);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: 'older_adult' }));
    const slower = planned({ ...titrate, stepDays: 7 }, old);
    expect(slower.pace!.stepDays).toBe(7);
  });

  it('CNS-depressant co-medications warn (S12)', () => {
    const plan = planned({ ...titrate, coMedications: ['diazepam 5 mg at night'] });
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({ code: 'cns_depressant_comedication' }),
    );
  });

  it('a drug without a sourced titration is rejected naming the missing fact', () => {
    const problems = checkTaperRequest(
      { ...titrate, drugCode: 'diazepam', currentDosesMg: [2, 2, 2] },
      facts,
    );
    expect(problems).toEqual([
      expect.objectContaining({ code: 'no_sourced_titration', field: 'goal.type' }),
    ]);
    expect(problems[0].message).toMatch(/no sourced titration schedule for Diazepam/);
    expect(problems[0].message).toMatch(/reduce or discontinue/);
  });

  it("a step back is the previous step's dose, never nothing", () => {
    const plan = planned(titrate);
    // 2025-01-10 is in step 2 (10 mg three times a day): back to step 1's 5 mg.
    expect(dosesOfStepBefore(plan.steps, '2025-01-10', titrate)).toEqual(
      TIMES.map(() => ({ drugCode: 'baclofen', mg: 5 })),
    );
    // In step 1 the step before is no dose at all: a step back would stop the drug.
    expect(dosesOfStepBefore(plan.steps, '2025-01-07', titrate)).toBeNull();
  });

  it('a revision holds the current dose, then rises again (a hold on adverse effects)', () => {
    const outcome = replanTaper(
      {
        original: titrate,
        fromDate: '2025-01-10',
        currentDoses: TIMES.map(() => ({ drugCode: 'baclofen', mg: 10 })),
        holdDays: 3,
      },
      facts,
    );
    if (outcome.kind !== 'planned') throw new Error(JSON.stringify(outcome));
    expect(outcome.plan.steps.map((s) => s.dailyDoseMg)).toEqual([30, 45, 60]);
    const current = TIMES.map((time) => ({ time, drugCode: 'baclofen', mg: 10 }));
    expect(
      planRuleViolations(outcome.plan, titrate, { currentDoses: current, holdSteps: 1 }),
    ).toEqual([]);
  });
});

describe('a course: titration, maintenance (open-ended), taper', () => {
  const at20 = TIMES.map(() => ({ drugCode: 'baclofen', mg: 20 }));
  const maintain: TaperRequestInput = { ...titrate, goal: { type: 'maintain' } };

  it('maintenance keeps the doses taken now with no end date, and keeps the plan rules', () => {
    const outcome = replanTaper(
      { original: maintain, fromDate: '2025-01-18', currentDoses: at20 },
      facts,
    );
    if (outcome.kind !== 'planned') throw new Error(JSON.stringify(outcome));
    expect(outcome.plan.steps).toEqual([
      expect.objectContaining({ startDate: '2025-01-18', endDate: '9999-12-31', dailyDoseMg: 60 }),
    ]);
    expect(outcome.plan.endDate).toBe('9999-12-31');
    const current = TIMES.map((time) => ({ time, drugCode: 'baclofen', mg: 20 }));
    expect(planRuleViolations(outcome.plan, maintain, { currentDoses: current })).toEqual([]);
    // A maintenance plan that gives less than now is not maintenance.
    const lower = TIMES.map((time) => ({ time, drugCode: 'baclofen', mg: 25 }));
    expect(codes(planRuleViolations(outcome.plan, maintain, { currentDoses: lower }))).toContain(
      'target_not_reached',
    );
  });

  it('the taper from maintenance is the label titration run backwards over at least 14 days (G4, S2, S3, S4, S5a)', () => {
    const outcome = replanTaper(
      {
        original: { ...maintain, goal: { type: 'discontinue' } },
        fromDate: '2025-03-01',
        currentDoses: at20,
      },
      facts,
    );
    if (outcome.kind !== 'planned') throw new Error(JSON.stringify(outcome));
    expect(outcome.plan.steps.map((s) => s.dailyDoseMg)).toEqual([45, 30, 15, 0]);
  });
});

describe('plan rules for titration plans (the second line of defence)', () => {
  const good = () => planned(titrate);

  it('rises are allowed, but never more than 5 mg per administration per step (S2, S3)', () => {
    const plan = good();
    plan.steps[1].doses[0] = {
      ...plan.steps[1].doses[0],
      doseMg: 20,
      units: [{ strengthMg: 20, count: 1, form: 'tablet' }],
    };
    plan.steps[1].dailyDoseMg = 40;
    expect(codes(planRuleViolations(plan, titrate))).toContain('rise_exceeds_source');
  });

  it('a dose that falls after the first step breaks the titration', () => {
    const plan = good();
    plan.steps[2] = { ...plan.steps[2], doses: plan.steps[0].doses, dailyDoseMg: 15 };
    expect(codes(planRuleViolations(plan, titrate))).toContain('dose_falls');
  });

  it('keeps the taper rules that still apply: real strengths, only its drug, step length', () => {
    const plan = good();
    plan.steps[0].doses[0] = {
      ...plan.steps[0].doses[0],
      units: [{ strengthMg: 2.5, count: 2, form: 'tablet' }],
    };
    plan.steps[1].doses[1] = { ...plan.steps[1].doses[1], drugCode: 'diazepam' };
    plan.steps[2] = { ...plan.steps[2], endDate: '2025-01-12' };
    const found = codes(planRuleViolations(plan, titrate));
    expect(found).toEqual(
      expect.arrayContaining(['not_dispensable', 'unexpected_drug', 'steps_not_contiguous']),
    );
  });

  it('a taper plan is still refused for rising (taper rules unchanged)', () => {
    const plan = good();
    const taper: TaperRequestInput = {
      ...titrate,
      currentDosesMg: [5, 5, 5],
      goal: { type: 'discontinue' },
    };
    expect(codes(planRuleViolations(plan, taper))).toEqual(
      expect.arrayContaining(['dose_rises', 'daily_dose_rises']),
    );
  });

  it('a titration of a drug with no sourced schedule is refused', () => {
    const plan = good();
    expect(codes(planRuleViolations(plan, { ...titrate, drugCode: 'diazepam' }))).toEqual([
      'no_sourced_titration',
    ]);
  });
});
