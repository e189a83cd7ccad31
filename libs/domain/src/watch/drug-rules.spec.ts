import fc from 'fast-check';
import {
  CESSATION_HALF_LIVES,
  dosingIntervalHours,
  drugCessationRule,
  isLongHalfLife,
} from '../catalogue/monitoring';
import { findDrug, listDrugs } from '../catalogue/view';
import { toEquivalentMg } from '../equivalents';
import { evaluateDoseAlerts, type CessationInput, type WatchedDose } from './cessation';
import type { WatchedDoseStatus } from './missed';
import { HOUR_MS } from './timeliness';

const DAY1 = Date.UTC(2025, 0, 6);
const h = (hours: number) => DAY1 + hours * HOUR_MS;
const halfLife = (code: string) => findDrug(code)!.halfLifeHours;
const cessation = (input: CessationInput) =>
  evaluateDoseAlerts(input).find((a) => a.type === 'abrupt_cessation_risk');

describe('the dosing interval of a plan (the cessation rule 2a: interval + k half-lives)', () => {
  it('is the longest gap between the clock times, across midnight', () => {
    expect(dosingIntervalHours(['06:00', '14:00', '22:00'])).toBe(8);
    expect(dosingIntervalHours(['08:00', '14:00', '20:00'])).toBe(12);
    expect(dosingIntervalHours(['22:00'])).toBe(24);
    expect(dosingIntervalHours(['08:00', '08:00'])).toBe(24);
    expect(dosingIntervalHours(['08:00', '20:30'])).toBe(12.5);
  });

  it('spans the days between doses on alternate days (NICE [S33])', () => {
    expect(dosingIntervalHours(['08:00'], 2)).toBe(48);
  });
});

describe('drugCessationRule: every drug with a sourced half-life, per plan', () => {
  it('baclofen q8h: 8 h + 4 x 3 h = 20 h, the worked case (S5b half-life; ~2 missed TID doses)', () => {
    expect(drugCessationRule(halfLife('baclofen'), 8)).toEqual({
      cessationRiskHours: 20,
      windowHours: 24,
    });
    expect(CESSATION_HALF_LIVES).toBe(4);
  });

  it('lorazepam at night (t1/2 10-20 h, S16a): 24 h + 4 x 10 h; k is a setting', () => {
    expect(drugCessationRule(halfLife('lorazepam'), 24).cessationRiskHours).toBe(64);
    expect(drugCessationRule(halfLife('lorazepam'), 24, 2).cessationRiskHours).toBe(44);
  });

  it('long half-life drugs (diazepam 20-100 h S16a, phenobarbital S39a) use rule (b) over 72 h instead', () => {
    for (const code of ['diazepam', 'phenobarbital']) {
      expect(isLongHalfLife(halfLife(code)!)).toBe(true);
      expect(drugCessationRule(halfLife(code), 24)).toEqual({
        cessationRiskHours: null,
        windowHours: 72,
      });
    }
    expect(isLongHalfLife(halfLife('lorazepam')!)).toBe(false);
  });

  it('no sourced half-life: rule (b) alone, over 24 h', () => {
    expect(drugCessationRule(null, 8)).toEqual({ cessationRiskHours: null, windowHours: 24 });
  });
});

/** Diazepam 10 mg at 22:00 for three days (days 0-2); now just after day 2's dose. */
function diazepamNightly(statuses: WatchedDoseStatus[]): WatchedDose[] {
  return statuses.map((status, day) => ({
    id: `z${day}`,
    dueAt: h(22 + 24 * day),
    doseMg: 10,
    drugCode: 'diazepam',
    status,
  }));
}

describe('a long half-life drug: the not-taken fraction over 72 h (the cessation rule 2b)', () => {
  const base = (statuses: WatchedDoseStatus[], window: number): CessationInput => ({
    now: h(22.5 + 48),
    monitoringStartedAt: h(-48),
    stepDailyDoseMg: 10,
    doses: diazepamNightly(statuses),
    drugs: [
      { drugCode: 'diazepam', name: 'Diazepam', cessationRiskHours: null, lastTakenAt: null },
    ],
    fractionWindowHours: window,
    drugNames: { diazepam: 'Diazepam' },
  });

  it("one night's dose missed in three is not a cessation (it would be over 24 h)", () => {
    expect(cessation(base(['given', 'given', 'missed'], 72))).toBeUndefined();
    expect(cessation(base(['given', 'given', 'missed'], 24))).toBeDefined();
  });

  it('two in three are, named with their window', () => {
    const alert = cessation(base(['given', 'missed', 'missed'], 72))!;
    expect(alert.reasons).toEqual([
      { rule: 'missed_fraction', notTakenMg: 20, dailyDoseMg: 30, threshold: 0.5, windowHours: 72 },
    ]);
    expect(alert.message).toContain(
      'Diazepam: Possible abrupt cessation: 20 of 30 mg scheduled in 72 h (67%) not taken in the last 72 h',
    );
  });
});

describe('mixed drugs in one unit: a switch from lorazepam to diazepam (NHS Scotland [S16a, S16b])', () => {
  const lorazepamEq = toEquivalentMg('lorazepam', 1, 'diazepam')!;
  /** Lorazepam 1 mg at 08:00 and 14:00, diazepam 10 mg at 22:00: 30 mg diazepam-equivalent a day. */
  const doses = (lz: WatchedDoseStatus, dz: WatchedDoseStatus): WatchedDose[] => [
    {
      id: 'l1',
      dueAt: h(8),
      doseMg: 1,
      equivalentMg: lorazepamEq,
      drugCode: 'lorazepam',
      status: lz,
    },
    {
      id: 'l2',
      dueAt: h(14),
      doseMg: 1,
      equivalentMg: lorazepamEq,
      drugCode: 'lorazepam',
      status: lz,
    },
    { id: 'd1', dueAt: h(22), doseMg: 10, equivalentMg: 10, drugCode: 'diazepam', status: dz },
  ];
  const input = (lz: WatchedDoseStatus, dz: WatchedDoseStatus): CessationInput => ({
    now: h(22.5),
    monitoringStartedAt: h(-48),
    stepDailyDoseMg: 30,
    doses: doses(lz, dz),
    drugs: [
      { drugCode: 'lorazepam', name: 'Lorazepam', cessationRiskHours: 60, lastTakenAt: h(-10) },
      { drugCode: 'diazepam', name: 'Diazepam', cessationRiskHours: null, lastTakenAt: null },
    ],
    drugNames: { lorazepam: 'Lorazepam', diazepam: 'Diazepam' },
    doseUnitLabel: 'diazepam-equivalent',
  });

  it('a missed 1 mg lorazepam dose counts as its diazepam equivalent (10 mg), not as 1 mg', () => {
    expect(lorazepamEq).toBe(10);
    const alert = cessation(input('missed', 'given'))!;
    expect(alert.reasons).toEqual([
      { rule: 'missed_fraction', notTakenMg: 20, dailyDoseMg: 30, threshold: 0.5 },
    ]);
    expect(alert.message).toContain(
      'Lorazepam: Possible abrupt cessation: 20 of 30 mg diazepam-equivalent daily dose (67%) not taken',
    );
  });

  it('names the drugs actually missed', () => {
    const missed = evaluateDoseAlerts(input('given', 'refused')).find(
      (a) => a.type === 'missed_dose',
    );
    expect(missed?.message).toBe('Diazepam: 1 dose not taken (1 refused)');
  });

  it('runs rule (a) per drug: lorazepam untaken past its threshold while diazepam is taken', () => {
    const alert = cessation({
      ...input('given', 'given'),
      // 61.5 h after the last lorazepam dose (14:00 on day 0); diazepam taken at 22:00 on day 1.
      now: h(14 + 61.5),
      doses: doses('given', 'given').concat({
        id: 'd2',
        dueAt: h(22 + 24),
        doseMg: 10,
        equivalentMg: 10,
        drugCode: 'diazepam',
        status: 'given',
      }),
    })!;
    expect(alert.reasons).toEqual([
      expect.objectContaining({
        rule: 'hours_since_taken',
        drugCode: 'lorazepam',
        thresholdHours: 60,
        since: 'last_taken_dose',
      }),
    ]);
    expect(alert.message).toMatch(
      /^Lorazepam: Possible abrupt cessation: 61\.5 h since the last taken dose of Lorazepam, over the 60 h/,
    );
  });
});

const SHORT = listDrugs().filter((d) => d.halfLifeHours && !isLongHalfLife(d.halfLifeHours));
const LONG = listDrugs().filter((d) => d.halfLifeHours && isLongHalfLife(d.halfLifeHours));

/** Every dose at the given clock times (minutes) from day -2 to day 2, all with `status`. */
function schedule(minutes: number[], status: (dueAt: number) => WatchedDoseStatus): WatchedDose[] {
  const doses: WatchedDose[] = [];
  for (let day = -2; day <= 2; day++) {
    for (const m of minutes) {
      const dueAt = h(24 * day) + m * 60_000;
      doses.push({ id: `${day}-${m}`, dueAt, doseMg: 5, status: status(dueAt) });
    }
  }
  return doses;
}
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

describe('properties of the per-drug rules', () => {
  it('whatever the clock times and k, a patient who takes every dose never trips rule (a)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHORT),
        fc.uniqueArray(fc.integer({ min: 0, max: 24 * 60 - 1 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 24, noNaN: true }),
        (drug, minutes, k, nowHours) => {
          const now = h(nowHours);
          const times = minutes.map(hhmm);
          const rule = drugCessationRule(drug.halfLifeHours, dosingIntervalHours(times), k);
          const doses = schedule(minutes, (dueAt) => (dueAt <= now ? 'given' : 'scheduled'));
          const alert = cessation({
            now,
            monitoringStartedAt: h(-48),
            stepDailyDoseMg: 5 * minutes.length,
            doses,
            drugs: [
              {
                drugCode: drug.code,
                name: drug.name,
                cessationRiskHours: rule.cessationRiskHours,
                lastTakenAt: null,
              },
            ],
          });
          expect(alert).toBeUndefined();
        },
      ),
    );
  });

  it('a long half-life drug: any one day of doses missed never alerts; nothing for 72 h always does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LONG),
        fc.uniqueArray(fc.integer({ min: 0, max: 24 * 60 - 1 }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 24, noNaN: true }),
        fc.double({ min: 0, max: 48, noNaN: true }),
        (drug, minutes, nowHours, gapStart) => {
          const now = h(nowHours);
          const rule = drugCessationRule(drug.halfLifeHours, 24);
          const base = {
            now,
            monitoringStartedAt: h(-96),
            stepDailyDoseMg: 5 * minutes.length,
            drugs: [
              { drugCode: drug.code, name: drug.name, cessationRiskHours: null, lastTakenAt: null },
            ],
            fractionWindowHours: rule.windowHours,
          };
          // A missed stretch shorter than a day, anywhere in the last 72 h.
          const from = now - (72 - gapStart) * HOUR_MS;
          const oneDay = schedule(minutes, (dueAt) =>
            dueAt > now
              ? 'scheduled'
              : dueAt > from && dueAt < from + 24 * HOUR_MS
                ? 'missed'
                : 'given',
          );
          expect(cessation({ ...base, doses: oneDay })).toBeUndefined();
          const none = schedule(minutes, (dueAt) => (dueAt > now ? 'scheduled' : 'missed'));
          expect(cessation({ ...base, doses: none })).toBeDefined();
        },
      ),
    );
  });

  it('only a dose equivalent counts in rule (b), never its own mg', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<WatchedDoseStatus>('given', 'missed', 'refused', 'held'), {
          minLength: 3,
          maxLength: 9,
        }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (statuses, scale) => {
          const doses = statuses.map((status, i): WatchedDose => ({
            id: `d${i}`,
            dueAt: h(i * 2),
            doseMg: 1,
            equivalentMg: 10,
            drugCode: 'lorazepam',
            status,
          }));
          const input: CessationInput = {
            now: h(20),
            monitoringStartedAt: h(-48),
            stepDailyDoseMg: 10 * statuses.length,
            doses,
          };
          const scaled = doses.map((d) => ({ ...d, doseMg: d.doseMg * scale }));
          expect(evaluateDoseAlerts({ ...input, doses: scaled })).toEqual(
            evaluateDoseAlerts(input),
          );
        },
      ),
    );
  });
});
