import type { PlanStep } from '@taperwatch/domain';
import {
  type WatchedPlan,
  planDrugCodes,
  planGraceMinutes,
  watchedDrugs,
  watchedPlan,
} from './plan-context';

const lz = (time: string) => ({
  time,
  drugCode: 'lorazepam',
  doseMg: 1,
  equivalentMg: 10,
  units: [],
});
const dz = (time: string, doseMg = 10) => ({ time, drugCode: 'diazepam', doseMg, units: [] });

/** A lorazepam 1 mg three times a day → diazepam switch (NHS Scotland [S16b]), two steps shown. */
const STEPS: PlanStep[] = [
  {
    index: 1,
    startDate: '2026-03-02',
    endDate: '2026-03-15',
    dailyDoseMg: 30,
    doses: [lz('08:00'), lz('14:00'), dz('22:00')],
  },
  {
    index: 2,
    startDate: '2026-03-16',
    endDate: '2026-03-29',
    dailyDoseMg: 25,
    doses: [dz('08:00', 5), dz('22:00', 20)],
  },
];

const plan: WatchedPlan = {
  id: 'p',
  tenantId: 't',
  patientId: 'pt',
  unitId: 'ward-7',
  timezone: 'Europe/London',
  drugCode: 'lorazepam',
  drugName: 'Lorazepam',
  equivalentDrugCode: 'diazepam',
  steps: STEPS,
  startDailyDoseMg: 30,
  approvedAt: new Date('2026-03-01T09:00:00Z'),
  dosesPerDay: 3,
  graceMinutes: 60,
  cessationMissedFraction: 0.5,
};

const at = (iso: string) => new Date(iso);

describe('watchedDrugs: the drugs given now, each with its own rule', () => {
  it('reads both drugs of a switch', () => {
    expect(planDrugCodes(plan)).toEqual(['lorazepam', 'diazepam']);
    expect(planDrugCodes({ drugCode: 'baclofen', equivalentDrugCode: null })).toEqual(['baclofen']);
  });

  it('before the first step: the plan drug at all its times (lorazepam t1/2 10 h [S16a]: 10 h gap + 4 x 10 h)', () => {
    const { drugs, fractionWindowHours } = watchedDrugs(plan, at('2026-03-01T12:00:00Z'), 4, {});
    expect(drugs).toEqual([
      { drugCode: 'lorazepam', name: 'Lorazepam', cessationRiskHours: 50, lastTakenAt: null },
    ]);
    expect(fractionWindowHours).toBe(24);
  });

  it('mid-switch: lorazepam at its own times (18 h overnight gap); diazepam by the 72 h fraction alone', () => {
    const last = at('2026-03-03T14:00:00Z');
    const { drugs, fractionWindowHours } = watchedDrugs(plan, at('2026-03-04T12:00:00Z'), 4, {
      lorazepam: last,
    });
    expect(drugs).toEqual([
      {
        drugCode: 'lorazepam',
        name: 'Lorazepam',
        cessationRiskHours: 18 + 40,
        lastTakenAt: last.getTime(),
      },
      { drugCode: 'diazepam', name: 'Diazepam', cessationRiskHours: null, lastTakenAt: null },
    ]);
    // Lorazepam's half-life is short: the 24 h window stays.
    expect(fractionWindowHours).toBe(24);
  });

  it('once lorazepam has stopped: diazepam alone, over 72 h (long half-life, S16a)', () => {
    const { drugs, fractionWindowHours } = watchedDrugs(plan, at('2026-03-20T12:00:00Z'), 4, {});
    expect(drugs.map((d) => d.drugCode)).toEqual(['diazepam']);
    expect(fractionWindowHours).toBe(72);
  });

  it('k is the CESSATION_HALF_LIVES setting', () => {
    const { drugs } = watchedDrugs(plan, at('2026-03-04T12:00:00Z'), 2, {});
    expect(drugs[0]!.cessationRiskHours).toBe(18 + 20);
  });
});

describe('planGraceMinutes (what arming reads of a plan)', () => {
  it('is the grace watchedPlan resolves: the override, the catalogue’s, else ISMP’s', () => {
    const facts = (drugCode: string, dosesPerDay: number) => ({
      id: 'p',
      tenantId: 't',
      patientId: 'pt',
      drugCode,
      equivalentDrugCode: null,
      steps: [],
      startDailyDoseMg: 30,
      approvedAt: null,
      dosesPerDay,
    });
    const patient = { unitId: 'ward-7', timezone: 'Europe/London' };
    for (const [drug, perDay, override, expected] of [
      ['baclofen', 1, undefined, 60],
      ['diazepam', 1, undefined, 120],
      ['diazepam', 3, undefined, 60],
      ['diazepam', 8, undefined, 45],
      ['diazepam', 1, 0.5, 0.5],
    ] as const) {
      const plan = facts(drug, perDay);
      expect(planGraceMinutes(plan, override)).toBe(expected);
      expect(watchedPlan(plan, patient, override).graceMinutes).toBe(expected);
    }
  });
});
