import fc from 'fast-check';
import { planRuleViolations, planTaper, type TaperRequestInput } from './index';

/*
 * Every titration the planner makes keeps the baclofen label's bounds whatever the request and
 * patient [S2, S3, S4]: no dose rises by more than 5 mg per administration per step (from
 * nothing, to at most 5 mg), no day above 80 mg/day without an override, nothing ever falls,
 * steps last at least 3 days, each dose is made of the strengths, and the plan passes the
 * second line of defence as proposed. With a renal band [S6] no step passes its share of the
 * usual level.
 */
const TIMES = [
  ['08:00'],
  ['08:00', '20:00'],
  ['08:00', '14:00', '20:00'],
  ['08:00', '12:00', '17:00', '22:00'],
];

const arbitrary = fc
  .record({
    times: fc.constantFrom(...TIMES),
    startPerDose: fc.constantFrom(0, 5, 10),
    target: fc.option(
      fc.integer({ min: 1, max: 16 }).map((k) => k * 5),
      { nil: undefined },
    ),
    crcl: fc.option(fc.integer({ min: 10, max: 120 }), { nil: undefined }),
    fraction: fc.option(fc.constantFrom(0.25, 0.5, 0.75, 1), { nil: undefined }),
    stepDays: fc.option(fc.integer({ min: 3, max: 14 }), { nil: undefined }),
    liquid: fc.boolean(),
  })
  .map(({ times, startPerDose, target, crcl, fraction, stepDays, liquid }) => {
    const input: TaperRequestInput = {
      drugCode: 'baclofen',
      route: 'oral',
      reason: 'property',
      startDate: '2025-01-06',
      currentDosesMg: times.map(() => startPerDose),
      administrationTimes: times,
      goal: { type: 'titrate', ...(target !== undefined ? { targetDailyDoseMg: target } : {}) },
      ...(fraction !== undefined ? { renalDoseFraction: fraction } : {}),
      ...(stepDays !== undefined ? { stepDays } : {}),
      ...(liquid ? { allowLiquid: true, liquidMgPerMl: 1 } : {}),
    };
    return { input, crcl };
  });

describe('titration plans keep the label bounds (G4 property, S2, S3, S4, S6)', () => {
  it('rises of at most 5 mg per dose per step, never above 80 mg/day, and the plan rules pass', () => {
    let planned = 0;
    fc.assert(
      fc.property(arbitrary, ({ input, crcl }) => {
        const outcome = planTaper(input, {
          today: '2025-01-01',
          ...(crcl !== undefined ? { creatinineClearanceMlMin: crcl } : {}),
        });
        if (outcome.kind === 'rejected') return; // refused requests are the checks' business
        planned++;
        const plan = outcome.plan;
        expect(planRuleViolations(plan, input)).toEqual([]);
        let prev = input.currentDosesMg;
        for (const step of plan.steps) {
          const doses = input.administrationTimes.map(
            (t) => step.doses.find((d) => d.time === t)?.doseMg ?? 0,
          );
          doses.forEach((mg, i) => {
            expect(mg).toBeGreaterThanOrEqual(prev[i]);
            expect(mg - prev[i]).toBeLessThanOrEqual(5 + 1e-9);
          });
          expect(step.dailyDoseMg).toBeLessThanOrEqual(80);
          for (const d of step.doses)
            expect(d.units.reduce((a, u) => a + u.strengthMg * u.count, 0)).toBeCloseTo(
              d.doseMg,
              6,
            );
          prev = doses;
        }
        expect(plan.pace!.stepDays).toBeGreaterThanOrEqual(3);
        const band = crcl !== undefined && crcl <= 80;
        if (band && input.renalDoseFraction === undefined) {
          // The renal share of the 80 mg/day maximum is never passed.
          const share = crcl > 50 ? 2 / 3 : crcl > 30 ? 1 / 2 : 1 / 3;
          expect(plan.targetDailyDoseMg).toBeLessThanOrEqual(80 * share + 1e-6);
        }
      }),
      { numRuns: 300 },
    );
    // Most generated requests are plannable: the property is not vacuous.
    expect(planned).toBeGreaterThan(100);
  });
});
