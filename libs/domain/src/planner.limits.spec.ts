import { isoDaysBetween, type TaperRequestInput } from './index';
import { SPEC_REQUEST, dosesPerTime, plannedOrThrow } from './testing-fixtures';

const base = SPEC_REQUEST;
const planned = (input: TaperRequestInput) => plannedOrThrow(input);

const perTime = dosesPerTime;

describe('per-administration cap (baclofen label titration run backwards, S2, S3)', () => {
  const tid = ['08:00', '14:00', '20:00'];

  it('[20, 5, 5]: the 20 mg dose falls by 5 mg, never to 5 mg in one step', () => {
    const plan = planned({
      ...base,
      drugCode: 'baclofen',
      currentDosesMg: [20, 5, 5],
      administrationTimes: tid,
    });
    let prev = [20, 5, 5];
    for (const doses of perTime(plan, tid)) {
      doses.forEach((d, i) => expect(prev[i] - d).toBeLessThanOrEqual(5));
      prev = doses;
    }
    expect(perTime(plan, tid)[0]).toEqual([15, 0, 0]);
    expect(plan.warnings.map((w) => w.code)).not.toContain('cut_exceeds_source');
  });

  it('the rationale says the cap is per administration, as the code applies it', () => {
    const plan = planned({
      ...base,
      drugCode: 'baclofen',
      currentDosesMg: [20, 20, 20],
      administrationTimes: tid,
    });
    const texts = plan.rationale.map((r) => r.text).join(' ');
    expect(texts).toMatch(/Each administration falls by at most 5 mg per step, dose by dose/);
    expect(texts).not.toMatch(/always cut one smallest tablet/);
  });
});

describe('no ceiling overridden by dispensing', () => {
  it('lorazepam on 0.5/1 mg tablets: the steps past 25% per 2 weeks are flagged and name the switch to diazepam (S14b, S16a)', () => {
    const plan = planned({
      ...base,
      drugCode: 'lorazepam',
      strengthsMg: [0.5, 1],
      currentDosesMg: [1, 1],
      administrationTimes: ['08:00', '20:00'],
    });
    const flagged = plan.warnings.filter((w) => w.code === 'cut_exceeds_source');
    expect(flagged.map((w) => w.stepIndex)).toEqual([2, 3, 4]);
    for (const w of flagged) expect(w.message).toMatch(/switch to diazepam .*substituteWith/);
  });

  it('a rate limit lengthens the step at the same cut, never past its stated percent (CDC 10% per month after a year, S23)', () => {
    // 7-day steps get 10% x 7/28 = 2.5% of 180 mg (4.5 mg); the smallest cut, 15 mg, is 8.3%:
    // within 10% over 24 days. Below 150 mg/day 15 mg is more than 10%: flagged, not widened.
    const plan = planned({
      ...base,
      drugCode: 'morphine',
      strengthsMg: [15, 30, 60],
      currentDosesMg: [60, 60, 60],
      administrationTimes: ['06:00', '14:00', '22:00'],
      stepDays: 7,
      durationOfUseWeeks: 104,
    });
    const days = plan.steps.map((s) => isoDaysBetween(s.startDate, s.endDate) + 1);
    expect(plan.steps[0].dailyDoseMg).toBe(165);
    expect(days[0]).toBe(24);
    let prev = 180;
    plan.steps.forEach((s, i) => {
      const cut = prev - s.dailyDoseMg;
      const flagged = plan.warnings.some(
        (w) => w.code === 'cut_exceeds_source' && w.stepIndex === s.index,
      );
      expect(flagged).toBe(cut > prev * 0.1 + 1e-9);
      if (!flagged)
        expect(cut).toBeLessThanOrEqual((prev * 0.1 * Math.min(days[i], 28)) / 28 + 1e-9);
      prev = s.dailyDoseMg;
    });
  });
});
