import { isoDaysBetween, planTaper, type PlannedTaper } from './index';
import { SPEC_FACTS, SPEC_REQUEST, dosesPerTime, plannedOrThrow } from './testing-fixtures';

const facts = SPEC_FACTS;
const base = SPEC_REQUEST;
const planned = plannedOrThrow;
const at = dosesPerTime;

const taperDays = (plan: PlannedTaper) =>
  isoDaysBetween(plan.startDate, plan.steps[plan.steps.length - 1].startDate);

describe('golden schedules from published sources', () => {
  it('G1 lorazepam 1 mg twice daily -> diazepam crossover, step by step (NHS Scotland switching schedule, S16b)', () => {
    const plan = planned({
      ...base,
      drugCode: 'lorazepam',
      strengthsMg: [0.5, 1],
      currentDosesMg: [1, 1],
      administrationTimes: ['08:00', '22:00'],
      substituteWith: 'diazepam',
      allowLiquid: true,
      liquidMgPerMl: 1,
    });
    const drugs = plan.steps.map((s) => s.doses.map((d) => d.drugCode));
    expect(drugs[0]).toEqual(['lorazepam', 'diazepam']);
    expect(drugs[1]).toEqual(['diazepam', 'diazepam']);
    const expected = [
      [1, 10],
      [10, 10],
      [9, 10],
      [8, 10],
      [7, 10],
      [6, 10],
      [5, 10],
      [4, 10],
      [3, 10],
      [2, 10],
      [1, 10],
      [0, 10],
      [0, 9],
      [0, 8],
      [0, 7],
      [0, 6],
      [0, 5],
      [0, 4],
      [0, 3],
      [0, 2],
      [0, 1],
      [0, 0],
    ];
    expect(at(plan, ['08:00', '22:00'])).toEqual(expected);
    expect(plan.steps.map((s) => s.dailyDoseMg)).toEqual([
      20, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
    expect(plan.steps[0].doses[0].equivalentMg).toBe(10);
    expect(plan.warnings.map((w) => w.code)).toContain('equivalence_configurable');
  });

  describe('G2 diazepam 40 mg/day follows the CKS bands exactly (NICE CKS / Ashton, S17)', () => {
    const qid = {
      ...base,
      drugCode: 'diazepam',
      administrationTimes: ['08:00', '12:00', '17:00', '22:00'],
    };
    const liquid = { allowLiquid: true, liquidMgPerMl: 1, liquidStepMl: 0.5 };
    /** CKS [S17]: -2 to 4 mg to 20 mg, -1 to 2 mg to 10, -1 mg to 5, -0.5 to 1 mg to 0. */
    const band = (prev: number): [number, number] =>
      prev > 20 ? [2, 4] : prev > 10 ? [1, 2] : prev > 5 ? [1, 1] : [0.5, 1];
    const flaggedSteps = (plan: PlannedTaper) =>
      plan.warnings.filter((w) => w.code === 'cut_exceeds_source').map((w) => w.stepIndex);
    const cuts = (plan: PlannedTaper, from: number) =>
      plan.steps.map((s, i) => {
        const prev = i === 0 ? from : plan.steps[i - 1].dailyDoseMg;
        return { index: s.index, prev, cut: prev - s.dailyDoseMg };
      });

    it('with the liquid every cut is inside its band, every step 1-2 weeks, 30-60 weeks in all, nothing flagged', () => {
      const plan = planned({ ...qid, currentDosesMg: [10, 10, 10, 10], ...liquid });
      for (const { prev, cut } of cuts(plan, 40)) {
        const [min, max] = band(prev);
        expect(cut).toBeGreaterThanOrEqual(min);
        expect(cut).toBeLessThanOrEqual(max);
      }
      expect(flaggedSteps(plan)).toEqual([]);
      for (const s of plan.steps) {
        const days = isoDaysBetween(s.startDate, s.endDate) + 1;
        expect(days).toBeGreaterThanOrEqual(7);
        expect(days).toBeLessThanOrEqual(14);
      }
      const weeks = taperDays(plan) / 7;
      expect(weeks).toBeGreaterThanOrEqual(30);
      expect(weeks).toBeLessThanOrEqual(60);
      // The tail below 10 mg/day: ten 1 mg steps (CKS: -1 mg to 5, then 0.5-1 mg to 0).
      expect(plan.steps.map((s) => s.dailyDoseMg).filter((d) => d < 10)).toEqual([
        9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
      ]);
    });

    it('from 20 mg/day it lasts 20-40 weeks', () => {
      const plan = planned({ ...qid, currentDosesMg: [5, 5, 5, 5], ...liquid });
      const weeks = taperDays(plan) / 7;
      expect(weeks).toBeGreaterThanOrEqual(20);
      expect(weeks).toBeLessThanOrEqual(40);
    });

    it('on 2, 5 and 10 mg tablets alone, a cut beyond its band is never silent: each is flagged with the liquid as the fix', () => {
      const plan = planned({ ...qid, currentDosesMg: [10, 10, 10, 10] });
      const flagged = flaggedSteps(plan);
      for (const { index, prev, cut } of cuts(plan, 40)) {
        const [min, max] = band(prev);
        if (cut > max) expect(flagged).toContain(index);
        else {
          expect(flagged).not.toContain(index);
          expect(cut).toBeGreaterThanOrEqual(min);
        }
      }
      // The tablets cannot make 1 mg below 10 mg/day: 10 -> 8 -> ... -> 0 in 2 mg cuts, flagged.
      expect(flagged.length).toBeGreaterThan(0);
      for (const w of plan.warnings.filter((x) => x.code === 'cut_exceeds_source'))
        expect(w.message).toMatch(/allowLiquid with liquidMgPerMl/);
      for (const s of plan.steps)
        for (const d of s.doses)
          for (const u of d.units) expect([2, 5, 10]).toContain(u.strengthMg);
    });
  });

  it('G3 morphine SR 90 mg q8h reproduces the VA "slowest" taper months 1-6 exactly (VA Opioid Taper Decision Tool, S26)', () => {
    const plan = planned({
      ...base,
      drugCode: 'morphine',
      strengthsMg: [15, 30, 60],
      currentDosesMg: [90, 90, 90],
      administrationTimes: ['06:00', '14:00', '22:00'],
      maxStepReductionPercent: 10,
      stepDays: 28,
      durationOfUseWeeks: 104,
    });
    expect(at(plan, ['06:00', '14:00', '22:00']).slice(0, 6)).toEqual([
      [90, 75, 90],
      [75, 75, 90],
      [75, 75, 75],
      [75, 60, 75],
      [60, 60, 75],
      [60, 60, 60],
    ]);
    expect(
      plan.steps.slice(0, 6).every((s) => isoDaysBetween(s.startDate, s.endDate) + 1 === 28),
    ).toBe(true);
  });

  describe('G4 baclofen label bounds (S2, S3, S4, S5a)', () => {
    const tid = { ...base, drugCode: 'baclofen', administrationTimes: ['08:00', '14:00', '20:00'] };

    it('60 mg/day runs the label titration backwards (5 mg per dose per step), stretched to at least 14 days', () => {
      const plan = planned({ ...tid, currentDosesMg: [20, 20, 20] });
      expect(at(plan, tid.administrationTimes)).toEqual([
        [15, 15, 15],
        [10, 10, 10],
        [5, 5, 5],
        [0, 0, 0],
      ]);
      expect(taperDays(plan)).toBeGreaterThanOrEqual(14);
      expect(plan.pace!.stepDays).toBeGreaterThanOrEqual(3);
      for (const s of plan.steps) for (const d of s.doses) expect(d.doseMg % 5).toBe(0);
      expect(plan.rationale.map((r) => r.rule)).toEqual(
        expect.arrayContaining(['linear (label titration reversed)', 'minimum taper length']),
      );
    });

    it('above 80 mg/day is rejected, and with an override planned with a critical warning', () => {
      const qid = {
        ...base,
        drugCode: 'baclofen',
        currentDosesMg: [25, 25, 20, 20],
        administrationTimes: ['08:00', '12:00', '16:00', '22:00'],
      };
      const rejected = planTaper(qid, facts);
      expect(rejected.kind === 'rejected' && rejected.problems.map((p) => p.code)).toEqual([
        'above_max_daily_dose',
      ]);
      const plan = planned({ ...qid, override: { reason: 'inherited regimen' } });
      expect(plan.warnings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'above_max_daily_dose', severity: 'critical' }),
        ]),
      );
    });

    it('sub-5 mg steps only with the liquid', () => {
      const plan = planned({ ...tid, currentDosesMg: [5, 5, 5] });
      expect(at(plan, tid.administrationTimes)).toEqual([
        [5, 0, 5],
        [0, 0, 0],
      ]);
      expect(taperDays(plan)).toBeGreaterThanOrEqual(14);
      const single = planTaper(
        { ...tid, currentDosesMg: [5], administrationTimes: ['08:00'] },
        facts,
      );
      expect(single.kind === 'rejected' && single.problems[0]).toMatchObject({
        code: 'cannot_taper',
        field: 'allowLiquid',
      });
      // Its liquids differ fivefold (1 and 5 mg/mL): the request names the one dispensed.
      const unnamed = planTaper(
        { ...tid, currentDosesMg: [5], administrationTimes: ['08:00'], allowLiquid: true },
        facts,
      );
      expect(unnamed.kind === 'rejected' && unnamed.problems).toEqual([
        expect.objectContaining({ code: 'liquid_concentration_required', field: 'liquidMgPerMl' }),
      ]);
      expect(unnamed.kind === 'rejected' && unnamed.problems[0].message).toMatch(
        /1 mg\/mL, 5 mg\/mL/,
      );
      const liquid = planned({
        ...tid,
        currentDosesMg: [5],
        administrationTimes: ['08:00'],
        allowLiquid: true,
        liquidMgPerMl: 1,
      });
      expect(liquid.steps[0].doses[0].units).toEqual([
        { strengthMg: 1, count: expect.any(Number), form: 'liquid' },
      ]);
      expect(taperDays(liquid)).toBeGreaterThanOrEqual(14);
    });
  });

  it('baclofen 60 mg/day with CrCl 95 versus 25: slower, with a critical renal warning (S6, S4)', () => {
    const input = {
      ...base,
      drugCode: 'baclofen',
      currentDosesMg: [20, 20, 20],
      administrationTimes: ['08:00', '14:00', '20:00'],
    };
    const normal = planned(input, { ...facts, creatinineClearanceMlMin: 95 });
    const impaired = planned(input, { ...facts, creatinineClearanceMlMin: 25 });
    expect(taperDays(impaired)).toBeGreaterThan(taperDays(normal));
    expect(normal.warnings.filter((w) => w.code.startsWith('renal'))).toEqual([]);
    expect(impaired.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'renal_impairment', severity: 'critical' }),
      ]),
    );
  });

  it.each([
    ['pregabalin', 7, 'S22'],
    ['gabapentin', 7, 'S37'],
    ['metoprolol', 7, 'S35'],
    ['propranolol', 14, 'S36'],
    ['clonidine', 2, 'S34b'],
  ])('G6 minimum duration: %s tapers over at least %i days (label, %s)', (drugCode, days) => {
    const strengths = drugCode === 'clonidine' ? {} : { strengthsMg: [25, 50, 100] };
    const doses = drugCode === 'clonidine' ? [0.2, 0.1] : [100, 100];
    const plan = planned({
      ...base,
      drugCode,
      ...strengths,
      currentDosesMg: doses,
      administrationTimes: ['08:00', '20:00'],
    });
    expect(taperDays(plan)).toBeGreaterThanOrEqual(days);
    if (drugCode === 'metoprolol') expect(taperDays(plan)).toBeLessThanOrEqual(14);
  });

  describe('G7 SSRI proportional steps (NICE NG222, S33)', () => {
    const flagged = (plan: PlannedTaper) =>
      plan.warnings.filter((w) => w.code === 'cut_exceeds_source').map((w) => w.stepIndex);

    it('citalopram 20 mg: no step over 50% of the current dose, later steps at most 25%, liquid below the smallest tablet, each step gated on symptoms', () => {
      const plan = planned({
        ...base,
        drugCode: 'citalopram',
        strengthsMg: [10, 20],
        currentDosesMg: [20],
        administrationTimes: ['08:00'],
        stepDays: 14,
        allowLiquid: true,
        liquidMgPerMl: 2,
        liquidStepMl: 0.25,
      });
      const measureMg = 2 * 0.25;
      let prev = 20;
      plan.steps.forEach((s, i) => {
        const cut = prev - s.dailyDoseMg;
        const limit = i === 0 ? 0.5 : 0.25;
        if (flagged(plan).includes(s.index)) {
          // Only where one liquid measure, the smallest cut there is, is already above the limit.
          expect(cut).toBeGreaterThan(prev * limit);
          expect(cut).toBeCloseTo(measureMg, 9);
        } else expect(cut).toBeLessThanOrEqual(prev * limit + 1e-9);
        prev = s.dailyDoseMg;
      });
      expect(plan.steps[0].dailyDoseMg).toBe(10);
      for (const s of plan.steps)
        for (const d of s.doses)
          if (d.doseMg < 10) expect(d.units).toEqual([expect.objectContaining({ form: 'liquid' })]);
      expect(plan.steps.some((s) => s.doses.some((d) => d.doseMg < 10))).toBe(true);
      expect(plan.warnings.map((w) => w.code)).toContain('symptom_gated_steps');
    });

    it('citalopram on tablets alone: 10 -> 0 mg is not passed off as within the limits; the liquid is named as the fix', () => {
      const plan = planned({
        ...base,
        drugCode: 'citalopram',
        strengthsMg: [10, 20],
        currentDosesMg: [20],
        administrationTimes: ['08:00'],
        stepDays: 14,
      });
      expect(plan.steps.map((s) => s.dailyDoseMg)).toEqual([10, 0]);
      expect(flagged(plan)).toEqual([2]);
      const [warning] = plan.warnings.filter((w) => w.code === 'cut_exceeds_source');
      expect(warning).toMatchObject({ severity: 'warning' });
      expect(warning.message).toMatch(/Step 2 \(10 → 0 mg\/day\)/);
      expect(warning.message).toMatch(/allowLiquid with liquidMgPerMl/);
      expect(warning.message).toMatch(/strengthsMg/);
    });

    it('fluoxetine 20 mg: alternate-day dosing as one step, 1-2 weeks before the next', () => {
      const plan = planned({
        ...base,
        drugCode: 'fluoxetine',
        strengthsMg: [20],
        currentDosesMg: [20],
        administrationTimes: ['08:00'],
      });
      const [alternate, next] = plan.steps;
      expect(alternate).toMatchObject({
        intervalDays: 2,
        dailyDoseMg: 10,
        doses: [expect.objectContaining({ drugCode: 'fluoxetine', doseMg: 20 })],
      });
      const days = isoDaysBetween(alternate.startDate, alternate.endDate) + 1;
      expect(days).toBeGreaterThanOrEqual(7);
      expect(days).toBeLessThanOrEqual(14);
      expect(next.intervalDays).toBeUndefined();
      expect(next.startDate > alternate.endDate).toBe(true);
      expect(flagged(plan)).not.toContain(alternate.index);
      expect(plan.rationale.map((r) => r.text).join(' ')).toMatch(/alternate-day/);
    });
  });

  it('G5 clonidine with a beta-blocker warns that the beta-blocker is withdrawn first (S34b)', () => {
    const plan = planned({
      ...base,
      drugCode: 'clonidine',
      currentDosesMg: [0.1, 0.1],
      administrationTimes: ['08:00', '20:00'],
      coMedications: ['metoprolol 50 mg'],
    });
    expect(plan.warnings).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'withdraw_beta_blocker_first' })]),
    );
    // Reduced over 2-4 days [S34b].
    expect(taperDays(plan)).toBeGreaterThanOrEqual(2);
    expect(taperDays(plan)).toBeLessThanOrEqual(4);
  });
});
