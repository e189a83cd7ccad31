import fc from 'fast-check';
import { drugCessationRule } from '../catalogue/monitoring';
import { listDrugs } from '../catalogue/view';
import { evaluateDoseAlerts, type CessationInput, type WatchedDose } from './cessation';
import type { WatchedDoseStatus } from './missed';
import { HOUR_MS } from './timeliness';

const T0 = Date.UTC(2025, 0, 6, 7);
const NOT_TAKEN: WatchedDoseStatus[] = ['held', 'refused', 'not_given', 'missed'];
const ANY: WatchedDoseStatus[] = [...NOT_TAKEN, 'given', 'scheduled', 'cancelled'];

/**
 * Catalogue drugs the hours rule watches (a sourced half-life short of a day): their real
 * half-lives, at the scenario's own dosing interval, drive the properties.
 */
const WATCHED = listDrugs().filter(
  (d) => d.halfLifeHours !== null && drugCessationRule(d.halfLifeHours, 24).cessationRiskHours,
);

interface Scenario {
  input: CessationInput;
  dueBeforeNow: number[];
}

/** A regular schedule from a day before monitoring to a day after `now`, statuses from `status`. */
function scenario(status: fc.Arbitrary<WatchedDoseStatus>): fc.Arbitrary<Scenario> {
  return fc
    .record({
      drug: fc.constantFrom(...WATCHED),
      perDay: fc.constantFrom(1, 2, 3, 4, 6),
      doseMg: fc.constantFrom(0.5, 2.5, 5, 10, 20, 100),
      offsetMinutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      nowHours: fc.double({ min: 0, max: 96, noNaN: true }),
      statuses: fc.array(status, { minLength: 200, maxLength: 200 }),
    })
    .map(({ drug, perDay, doseMg, offsetMinutes, nowHours, statuses }) => {
      const now = T0 + nowHours * HOUR_MS;
      const interval = (24 / perDay) * HOUR_MS;
      const doses: WatchedDose[] = [];
      for (
        let t = T0 - 24 * HOUR_MS + offsetMinutes * 60_000, i = 0;
        t <= now + 24 * HOUR_MS;
        t += interval, i++
      ) {
        doses.push({
          id: `d${i}`,
          dueAt: t,
          doseMg,
          status: t > now ? 'scheduled' : statuses[i % statuses.length],
        });
      }
      return {
        input: {
          now,
          monitoringStartedAt: T0,
          lastTakenAt: null,
          stepDailyDoseMg: perDay * doseMg,
          doses,
          cessationMissedFraction: drug.cessationMissedFraction,
          cessationRiskHours: drugCessationRule(drug.halfLifeHours, 24 / perDay).cessationRiskHours,
        },
        dueBeforeNow: doses.filter((d) => d.dueAt <= now).map((d) => d.dueAt),
      };
    });
}

const hasCessation = (input: CessationInput) =>
  evaluateDoseAlerts(input).some((a) => a.type === 'abrupt_cessation_risk');

describe('evaluateDoseAlerts properties', () => {
  it('never a cessation alert when every due dose is taken and the last one is recent', () => {
    fc.assert(
      fc.property(
        scenario(fc.constant('given')),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ input }, f) => {
          const risk = input.cessationRiskHours!;
          const lastTakenAt = input.now - f * risk * HOUR_MS;
          const doses = input.doses.map((d) =>
            d.status === 'given' ? { ...d, administeredAt: d.dueAt } : d,
          );
          expect(hasCessation({ ...input, doses, lastTakenAt })).toBe(false);
        },
      ),
    );
  });

  it('always a cessation alert when nothing is taken for more than cessationRiskHours', () => {
    fc.assert(
      fc.property(
        scenario(fc.constantFrom(...NOT_TAKEN, 'scheduled')),
        fc.double({ min: 0.001, max: 48, noNaN: true }),
        ({ input }, extraHours) => {
          const lastTakenAt = input.now - (input.cessationRiskHours! + extraHours) * HOUR_MS;
          // Monitoring began before that last dose; every dose due after it was not taken.
          const doses = input.doses.map((d) =>
            d.dueAt > lastTakenAt && d.status === 'given' ? { ...d, status: 'missed' as const } : d,
          );
          const alerts = evaluateDoseAlerts({
            ...input,
            monitoringStartedAt: Math.min(input.monitoringStartedAt, lastTakenAt),
            lastTakenAt,
            doses,
          });
          const cessation = alerts.find((a) => a.type === 'abrupt_cessation_risk');
          expect(cessation).toBeDefined();
          expect(
            cessation && 'reasons' in cessation && cessation.reasons.map((r) => r.rule),
          ).toContain('hours_since_taken');
        },
      ),
    );
  });

  it('missed_dose iff at least one monitored due dose is missed, refused or not given (never held)', () => {
    fc.assert(
      fc.property(scenario(fc.constantFrom(...ANY)), ({ input }) => {
        const missed = input.doses.filter(
          (d) =>
            ['missed', 'refused', 'not_given'].includes(d.status) &&
            d.dueAt >= input.monitoringStartedAt &&
            d.dueAt <= input.now,
        );
        const alert = evaluateDoseAlerts(input).find((a) => a.type === 'missed_dose');
        expect(alert?.doseIds ?? []).toEqual(missed.map((d) => d.id));
        expect(alert?.severity ?? 'warning').toBe('warning');
      }),
    );
  });

  it('is deterministic and independent of dose order', () => {
    fc.assert(
      fc.property(scenario(fc.constantFrom(...ANY)), fc.nat(), ({ input }, seed) => {
        const first = evaluateDoseAlerts(input);
        expect(evaluateDoseAlerts(structuredClone(input))).toEqual(first);
        const k = seed % input.doses.length;
        const shuffled = [...input.doses.slice(k), ...input.doses.slice(0, k)].reverse();
        const sortIds = (alerts: typeof first) =>
          alerts.map((a) => ({ ...a, doseIds: [...a.doseIds].sort() }));
        expect(sortIds(evaluateDoseAlerts({ ...input, doses: shuffled }))).toEqual(sortIds(first));
      }),
    );
  });
});
