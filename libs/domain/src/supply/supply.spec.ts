import fc from 'fast-check';
import {
  expandDoses,
  isoDateAddDays,
  isoDaysBetween,
  listDrugs,
  planTaper,
  type DrugView,
  type PlanStep,
  type PlannedTaper,
  type TaperRequestInput,
} from '../index';
import { BACLOFEN_60_TID, LORAZEPAM_3MG_TID_SWITCH } from '../testing-fixtures';
import { pharmacyOrders } from './orders';
import {
  courseSteps,
  daysOfSupply,
  dosesFrom,
  supplyOutlook,
  supplyState,
  type Dispensed,
} from './supply';

const TIMES = [['08:00'], ['08:00', '20:00'], ['08:00', '14:00', '20:00']];
const SITE_STRENGTHS = [
  [10, 20],
  [1, 2.5, 5],
  [0.5, 1, 2],
];
const ZONES = ['UTC', 'Europe/London', 'America/New_York'];
const name = (code: string) => code[0].toUpperCase() + code.slice(1);
const milli = (x: number) => Math.round(x * 1000);

/** A random discontinuation of any catalogue drug, planned by planTaper (rejections skipped). */
function randomPlan(drug: DrugView): fc.Arbitrary<PlannedTaper | null> {
  const needs = drug.requestMustSupply as string[];
  const liquid = (drug.formulations as { liquid: { mgPerMl: number | null } | null }).liquid;
  return fc
    .record({
      strengths: drug.strengthsMg.length
        ? fc.constant(drug.strengthsMg)
        : fc.constantFrom(...SITE_STRENGTHS),
      n: fc.integer({ min: 1, max: 3 }),
      counts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
      pick: fc.nat(),
      stepDays: fc.integer({ min: 7, max: 21 }),
      allowLiquid: liquid ? fc.boolean() : fc.constant(false),
      liquidMgPerMl: fc.constantFrom(1, 2, 5),
    })
    .map((g) => {
      const times = TIMES[g.n - 1];
      const strength = g.strengths[g.pick % g.strengths.length];
      const current = times.map((_, i) => milli(g.counts[i] * strength) / 1000);
      const daily = current.reduce((a, b) => a + b, 0);
      const input: TaperRequestInput = {
        drugCode: drug.code,
        route: 'oral',
        currentDosesMg: current,
        administrationTimes: times,
        startDate: '2025-03-03',
        goal: { type: 'discontinue' },
        reason: 'property test',
        ...(drug.strengthsMg.length ? {} : { strengthsMg: g.strengths }),
        ...(needs.includes('stepDays') || g.allowLiquid ? { stepDays: g.stepDays } : {}),
        ...(needs.includes('maxStepReductionPercent') ? { maxStepReductionPercent: 25 } : {}),
        ...(g.allowLiquid
          ? { allowLiquid: true, liquidMgPerMl: liquid?.mgPerMl ?? g.liquidMgPerMl }
          : {}),
        ...(drug.maxDailyDoseMg !== null && daily > drug.maxDailyDoseMg
          ? { override: { reason: 'property test above max' } }
          : {}),
      };
      const outcome = planTaper(input, { today: '2025-03-01' });
      return outcome.kind === 'planned' ? outcome.plan : null;
    });
}

/** Each product's units over every dose of a step, day by day (the independent count). */
function unitsGivenInStep(step: PlanStep, days: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let d = 0; d < days; d++) {
    if (step.intervalDays && d % step.intervalDays !== 0) continue;
    for (const dose of step.doses)
      for (const u of dose.units) {
        const key = `${dose.drugCode}|${u.form ?? 'tablet'}|${u.strengthMg}`;
        out.set(key, (out.get(key) ?? 0) + milli(u.count));
      }
  }
  return out;
}

const DRUGS = listDrugs();

describe('pharmacy orders', () => {
  it('orders baclofen 45 mg/day as 10 mg and 5 mg tablets, one of each three times a day (G2 plan, CKS [S17])', () => {
    const outcome = planTaper(BACLOFEN_60_TID, { today: '2025-01-01' });
    if (outcome.kind !== 'planned') throw new Error('baclofen reference did not plan');
    const [first] = pharmacyOrders(outcome.plan.steps, name);
    expect(first).toMatchObject({ stepIndex: 1, days: 5, dosingDays: 5 });
    expect(first.lines).toEqual([
      expect.objectContaining({
        strengthMg: 10,
        form: 'tablet',
        directions: 'Baclofen 10 mg tablets: one at 08:00, 14:00 and 20:00',
        quantity: 15,
        unit: 'tablet',
      }),
      expect.objectContaining({
        strengthMg: 5,
        directions: 'Baclofen 5 mg tablets: one at 08:00, 14:00 and 20:00',
        quantity: 15,
      }),
    ]);
    // A 3-day period: 9 of each.
    expect(pharmacyOrders(outcome.plan.steps, name, 3)[0].lines.map((l) => l.quantity)).toEqual([
      9, 9,
    ]);
  });

  it('names each drug of a lorazepam → diazepam switch on its own lines (NHS Scotland [S16b])', () => {
    const outcome = planTaper(LORAZEPAM_3MG_TID_SWITCH, { today: '2025-01-01' });
    if (outcome.kind !== 'planned') throw new Error('switch reference did not plan');
    const drugs = new Set(
      pharmacyOrders(outcome.plan.steps, name).flatMap((o) => o.lines.map((l) => l.drugCode)),
    );
    expect(drugs).toEqual(new Set(['lorazepam', 'diazepam']));
  });

  it('rounds half tablets up only on the step total, and words doses grouped by count', () => {
    const step: PlanStep = {
      index: 1,
      startDate: '2025-01-01',
      endDate: '2025-01-03',
      dailyDoseMg: 12.5,
      doses: [
        { time: '20:00', drugCode: 'x', doseMg: 7.5, units: [{ strengthMg: 5, count: 1.5 }] },
        { time: '08:00', drugCode: 'x', doseMg: 5, units: [{ strengthMg: 5, count: 1 }] },
      ],
    };
    const [order] = pharmacyOrders([step], () => 'Drug X');
    expect(order.lines[0]).toMatchObject({
      exactQuantity: 7.5,
      quantity: 8,
      directions: 'Drug X 5 mg tablets: one at 08:00; one and a half at 20:00',
    });
    const alternate = pharmacyOrders([{ ...step, intervalDays: 2 }], () => 'Drug X')[0];
    expect(alternate).toMatchObject({ dosingDays: 2 });
    expect(alternate.lines[0].directions).toMatch(/, every other day$/);
    expect(alternate.lines[0].quantity).toBe(5);
  });

  it('property: every catalogue drug, random plans by planTaper — each step’s quantities equal the sum of the tablets (and mL) of every dose of the step, per drug and strength', () => {
    for (const drug of DRUGS) {
      let planned = 0;
      fc.assert(
        fc.property(
          randomPlan(drug),
          fc.option(fc.integer({ min: 1, max: 30 })),
          (plan, period) => {
            if (!plan) return;
            planned++;
            const orders = pharmacyOrders(plan.steps, name, period ?? undefined);
            plan.steps.forEach((step, i) => {
              const stepDays = isoDaysBetween(step.startDate, step.endDate) + 1;
              const days = period ? Math.min(period, stepDays) : stepDays;
              const given = unitsGivenInStep(step, days);
              const lines = orders[i].lines;
              expect(lines.map((l) => `${l.drugCode}|${l.form}|${l.strengthMg}`).sort()).toEqual(
                [...given.keys()].sort(),
              );
              for (const line of lines) {
                const exact = given.get(`${line.drugCode}|${line.form}|${line.strengthMg}`)! / 1000;
                expect(line.exactQuantity).toBeCloseTo(exact, 9);
                expect(line.quantity).toBe(
                  line.form === 'tablet' ? Math.ceil(exact - 1e-9) : exact,
                );
              }
            });
          },
        ),
        { numRuns: 15 },
      );
      // Not vacuous: random requests of every drug plan.
      expect(planned).toBeGreaterThan(0);
    }
  });
});

describe('supply', () => {
  const steps: PlanStep[] = [
    {
      index: 1,
      startDate: '2025-01-06',
      endDate: '2025-01-19',
      dailyDoseMg: 30,
      doses: ['08:00', '14:00', '20:00'].map((time) => ({
        time,
        drugCode: 'baclofen',
        doseMg: 10,
        units: [{ strengthMg: 10, count: 1, form: 'tablet' as const }],
      })),
    },
    { index: 2, startDate: '2025-01-20', endDate: '2025-01-20', dailyDoseMg: 0, doses: [] },
  ];
  const dispensed = (quantity: number, at: string, strengthMg = 10): Dispensed => ({
    drugCode: 'baclofen',
    form: 'tablet',
    strengthMg,
    quantity,
    dispensedAt: new Date(at),
  });

  it('21 tablets of 10 mg at three a day last 7 days: out at day 8’s 08:00 dose, low 3 days before', () => {
    const out = supplyOutlook(steps, 'UTC', 'baclofen', [dispensed(21, '2025-01-06T07:00:00Z')]);
    expect(out).toEqual({
      drugCode: 'baclofen',
      runsOutAt: new Date('2025-01-13T08:00:00Z'),
      dosesCovered: 21,
    });
    expect(daysOfSupply(new Date('2025-01-06T07:00:00Z'), out.runsOutAt)).toBe(7);
    expect(supplyState(out.runsOutAt, new Date('2025-01-10T07:59:00Z'), 3)).toEqual({
      kind: 'covered',
    });
    expect(supplyState(out.runsOutAt, new Date('2025-01-10T08:00:00Z'), 3).kind).toBe('low');
    expect(supplyState(out.runsOutAt, new Date('2025-01-13T08:00:00Z'), 3).kind).toBe('out');
  });

  it('a refill before the run-out carries on; one after it leaves the gap as the run-out; another strength makes no dose', () => {
    const refill = supplyOutlook(steps, 'UTC', 'baclofen', [
      dispensed(21, '2025-01-06T07:00:00Z'),
      dispensed(21, '2025-01-12T10:00:00Z'),
    ]);
    // 42 tablets: every dose of the 14-day step, so the supply lasts the plan.
    expect(refill).toMatchObject({ runsOutAt: null, dosesCovered: 42 });
    const late = supplyOutlook(steps, 'UTC', 'baclofen', [
      dispensed(21, '2025-01-06T07:00:00Z'),
      dispensed(21, '2025-01-13T09:00:00Z'),
    ]);
    expect(late.runsOutAt).toEqual(new Date('2025-01-13T08:00:00Z'));
    const wrong = supplyOutlook(steps, 'UTC', 'baclofen', [
      dispensed(90, '2025-01-06T07:00:00Z', 5),
    ]);
    expect(wrong).toMatchObject({ runsOutAt: new Date('2025-01-06T08:00:00Z'), dosesCovered: 0 });
  });

  it('counts a course across its versions: a revision from day 4 takes the same supply from then on', () => {
    // Version 2 holds 10 mg three times a day from 2025-01-09; 21 tablets dispensed under
    // version 1 on 2025-01-06 still run out after 7 days, at day 8's first dose.
    const revision: PlanStep[] = [{ ...steps[0], startDate: '2025-01-09', endDate: '2025-01-30' }];
    const course = courseSteps([steps, revision]);
    expect(course.map((s) => [s.startDate, s.endDate])).toEqual([
      ['2025-01-06', '2025-01-08'],
      ['2025-01-09', '2025-01-30'],
    ]);
    const dispensedOnce = [dispensed(21, '2025-01-06T07:00:00Z')];
    expect(supplyOutlook(course, 'UTC', 'baclofen', dispensedOnce).runsOutAt).toEqual(
      new Date('2025-01-13T08:00:00Z'),
    );
    // The version in force alone would count from 2025-01-09 and overstate the supply.
    expect(supplyOutlook(revision, 'UTC', 'baclofen', dispensedOnce).runsOutAt).toEqual(
      new Date('2025-01-16T08:00:00Z'),
    );
  });

  it('a supply that outlasts the plan never runs out', () => {
    const out = supplyOutlook(steps, 'UTC', 'baclofen', [dispensed(100, '2025-01-06T07:00:00Z')]);
    expect(out).toEqual({ drugCode: 'baclofen', runsOutAt: null, dosesCovered: 42 });
  });

  it('property: every catalogue drug, random plans — a supply of exactly the first k doses’ units lasts exactly k doses, and the doses walked are the schedule’s', () => {
    for (const drug of DRUGS) {
      let planned = 0;
      fc.assert(
        fc.property(
          randomPlan(drug),
          fc.constantFrom(...ZONES),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (plan, zone, fraction) => {
            if (!plan) return;
            planned++;
            const from = new Date('2025-03-01T00:00:00Z');
            const to = new Date(`${isoDateAddDays(plan.endDate, 2)}T00:00:00Z`);
            for (const code of new Set(plan.steps.flatMap((s) => s.doses.map((d) => d.drugCode)))) {
              const doses = [...dosesFrom(plan.steps, code, zone, from)];
              // The same doses the dose rows get (expandDoses), one per instant and drug.
              const scheduled = expandDoses(plan.steps, zone, from, to).filter(
                (d) => d.drugCode === code,
              );
              expect(new Set(doses.map((d) => d.dueAt.getTime()))).toEqual(
                new Set(scheduled.map((d) => d.dueAt.getTime())),
              );
              const k = Math.floor(fraction * doses.length);
              const totals = new Map<string, Dispensed>();
              for (const dose of doses.slice(0, k))
                for (const u of dose.units) {
                  const key = `${u.form ?? 'tablet'}|${u.strengthMg}`;
                  const d = totals.get(key) ?? {
                    drugCode: code,
                    form: u.form ?? 'tablet',
                    strengthMg: u.strengthMg,
                    quantity: 0,
                    dispensedAt: from,
                  };
                  d.quantity = milli(d.quantity + u.count) / 1000;
                  totals.set(key, d);
                }
              const out = supplyOutlook(plan.steps, zone, code, [...totals.values()]);
              if (k === 0) {
                expect(out.dosesCovered).toBe(0);
                continue;
              }
              expect(out.dosesCovered).toBe(k);
              expect(out.runsOutAt).toEqual(k < doses.length ? doses[k].dueAt : null);
            }
          },
        ),
        { numRuns: 10 },
      );
      // Not vacuous: random requests of every drug plan.
      expect(planned).toBeGreaterThan(0);
    }
  });
});
