import { BACLOFEN_60_TID } from './testing-fixtures';
import { planTaper, replanTaper, type PlannedTaper, type TaperRequestInput } from './index';
import { planViolations } from './planning/invariants';

const facts = { today: '2025-01-01' };
const original = BACLOFEN_60_TID;
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
          currentDosesMg: [10, 10, 10],
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
    const start = original.administrationTimes.map((time) => ({ time, mg: 10 }));
    expect(planViolations(plan, { tabletsMg: [5, 10, 20], liquidMgPerMl: null }, start, 1)).toEqual(
      [],
    );
    expect(plan.rationale.map((r) => r.rule)).toContain('hold');
  });

  it('switches strategy', () => {
    const plan = planned(
      replanTaper(
        {
          original,
          fromDate: '2025-01-20',
          currentDosesMg: [20, 20, 20],
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
          currentDosesMg: [8, 10],
          currentDrugCode: 'diazepam',
        },
        facts,
      ),
    );
    expect(plan.startDailyDoseMg).toBe(18);
    expect(plan.steps.every((s) => s.doses.every((d) => d.drugCode === 'diazepam'))).toBe(true);
  });

  it('rejects, never throws, on bad input', () => {
    const out = replanTaper(
      { original, fromDate: 'soon', currentDosesMg: [10, 10, 10], holdDays: -1 },
      facts,
    );
    expect(out.kind === 'rejected' && out.problems.map((p) => p.field)).toEqual([
      'startDate',
      'holdDays',
    ]);
  });
});
