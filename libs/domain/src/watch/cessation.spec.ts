import { dosingIntervalHours, drugCessationRule } from '../catalogue/monitoring';
import { findDrug } from '../catalogue/view';
import { evaluateDoseAlerts, type CessationInput, type WatchedDose } from './cessation';
import { HOUR_MS } from './timeliness';

const baclofen = findDrug('baclofen')!;
const DAY1 = Date.UTC(2025, 0, 6);
const h = (hours: number) => DAY1 + hours * HOUR_MS;

/** Baclofen 20 mg TID at 08:00, 14:00 and 20:00 (testing-fixtures BACLOFEN_60_TID). */
function tid(statuses: WatchedDose['status'][], startHour = 8): WatchedDose[] {
  return statuses.map((status, i) => ({
    id: `d${i}`,
    dueAt: h(startHour + [0, 6, 12][i % 3] + 24 * Math.floor(i / 3)),
    doseMg: 20,
    status,
    ...(status === 'given'
      ? { administeredAt: h(startHour + [0, 6, 12][i % 3] + 24 * Math.floor(i / 3)) }
      : {}),
  }));
}

/**
 * Baclofen every 8 h (06:00, 14:00, 22:00): 8 h + 4 x 3 h half-life = 20 h
 * (docs/clinical.md#cessation-rule, rule 2a).
 */
const RISK_HOURS = drugCessationRule(
  baclofen.halfLifeHours,
  dosingIntervalHours(['06:00', '14:00', '22:00']),
).cessationRiskHours;

function input(overrides: Partial<CessationInput>): CessationInput {
  return {
    now: h(21),
    monitoringStartedAt: h(7),
    lastTakenAt: null,
    stepDailyDoseMg: 60,
    doses: [],
    cessationMissedFraction: baclofen.cessationMissedFraction,
    cessationRiskHours: RISK_HOURS,
    ...overrides,
  };
}

const types = (alerts: ReturnType<typeof evaluateDoseAlerts>) => alerts.map((a) => a.type);

describe('baclofen TID (catalogue: grace 60 min, t1/2 3-4 h, fraction 0.5; q8h: 20 h)', () => {
  it('uses the catalogue numbers this spec assumes', () => {
    expect(baclofen.graceMinutes).toBe(60);
    expect(baclofen.halfLifeHours).toEqual({ min: 3, max: 4 });
    // Per plan, not per drug: the view leaves it null.
    expect(baclofen.cessationRiskHours).toBeNull();
    expect(RISK_HOURS).toBe(20);
    expect(baclofen.cessationMissedFraction).toBe(0.5);
  });

  it('one missed dose -> missed_dose only', () => {
    const alerts = evaluateDoseAlerts(input({ doses: tid(['given', 'missed', 'given']) }));
    expect(alerts).toEqual([
      { type: 'missed_dose', severity: 'warning', doseIds: ['d1'], message: '1 missed dose' },
    ]);
  });

  it('one missed dose stays missed_dose only right after it was missed', () => {
    const alerts = evaluateDoseAlerts(
      input({ now: h(15), doses: tid(['given', 'missed', 'scheduled']) }),
    );
    expect(types(alerts)).toEqual(['missed_dose']);
  });

  it('two of three missed -> also abrupt_cessation_risk, critical, by the not-taken fraction', () => {
    const alerts = evaluateDoseAlerts(input({ doses: tid(['given', 'missed', 'missed']) }));
    expect(types(alerts)).toEqual(['missed_dose', 'abrupt_cessation_risk']);
    const cessation = alerts[1];
    expect(cessation).toMatchObject({
      severity: 'critical',
      doseIds: ['d1', 'd2'],
      reasons: [{ rule: 'missed_fraction', notTakenMg: 40, dailyDoseMg: 60, threshold: 0.5 }],
    });
    expect(cessation.message).toContain('40 of 60 mg');
  });

  it('nothing taken for more than 20 h -> both reasons, from the last taken dose', () => {
    const doses = tid(['given', 'missed', 'missed']);
    const alerts = evaluateDoseAlerts(input({ now: h(28.5), doses }));
    const cessation = alerts.find((a) => a.type === 'abrupt_cessation_risk');
    expect(cessation && 'reasons' in cessation && cessation.reasons).toEqual([
      { rule: 'missed_fraction', notTakenMg: 40, dailyDoseMg: 60, threshold: 0.5 },
      {
        rule: 'hours_since_taken',
        hoursSinceTaken: 20.5,
        thresholdHours: 20,
        since: 'last_taken_dose',
      },
    ]);
  });

  it('rule (b) alone counts from monitoring start when nothing was taken since', () => {
    const alerts = evaluateDoseAlerts(input({ now: h(7 + 20.25), doses: [] }));
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'abrupt_cessation_risk',
        doseIds: [],
        reasons: [
          {
            rule: 'hours_since_taken',
            hoursSinceTaken: 20.25,
            thresholdHours: 20,
            since: 'monitoring_start',
          },
        ],
      }),
    ]);
  });

  it('a dose given early counts as taken from when it was given', () => {
    const early: WatchedDose = {
      id: 'e',
      dueAt: h(28),
      doseMg: 20,
      status: 'given',
      administeredAt: h(27.5),
    };
    const base = input({ now: h(27.75), monitoringStartedAt: h(-48), lastTakenAt: h(6.5) });
    expect(evaluateDoseAlerts({ ...base, doses: [early] })).toEqual([]);
    expect(
      evaluateDoseAlerts({ ...base, doses: [{ ...early, administeredAt: h(27.8) }] }),
    ).not.toEqual([]);
  });

  it('lastTakenAt older than the doses passed in still counts', () => {
    const alerts = evaluateDoseAlerts(
      input({ now: h(27), monitoringStartedAt: h(-48), lastTakenAt: h(6.5) }),
    );
    expect(types(alerts)).toEqual(['abrupt_cessation_risk']);
    expect(
      evaluateDoseAlerts(input({ now: h(26), monitoringStartedAt: h(-48), lastTakenAt: h(6.5) })),
    ).toEqual([]);
  });
});

describe('evaluateDoseAlerts rules', () => {
  it('doses due before monitoring began count as taken', () => {
    const alerts = evaluateDoseAlerts(
      input({ monitoringStartedAt: h(15), doses: tid(['missed', 'missed', 'missed']) }),
    );
    expect(alerts).toEqual([expect.objectContaining({ type: 'missed_dose', doseIds: ['d2'] })]);
  });

  it('refused and not-given raise missed_dose as an unrecorded dose does; held (an order) does not', () => {
    const alerts = evaluateDoseAlerts(input({ doses: tid(['held', 'refused', 'given']) }));
    expect(types(alerts)).toEqual(['missed_dose', 'abrupt_cessation_risk']);
    expect(alerts[0]).toMatchObject({ doseIds: ['d1'], message: '1 dose not taken (1 refused)' });
    expect(evaluateDoseAlerts(input({ doses: tid(['not_given', 'given', 'given']) }))).toEqual([
      {
        type: 'missed_dose',
        severity: 'warning',
        doseIds: ['d0'],
        message: '1 dose not taken (1 not given)',
      },
    ]);
    expect(evaluateDoseAlerts(input({ doses: tid(['held', 'given', 'given']) }))).toEqual([]);
  });

  it('a refusal recorded before the dose is due counts at once', () => {
    const doses: WatchedDose[] = [
      ...tid(['given', 'missed']),
      { id: 'r', dueAt: h(20), doseMg: 20, status: 'refused' },
    ];
    const alerts = evaluateDoseAlerts(input({ now: h(19.9), doses }));
    expect(alerts[0]).toMatchObject({
      type: 'missed_dose',
      doseIds: ['d1', 'r'],
      message: '2 doses not taken (1 missed, 1 refused)',
    });
  });

  it('exactly the fraction is not "more than" it (BID 10 mg, one missed)', () => {
    const doses: WatchedDose[] = [
      { id: 'a', dueAt: h(8), doseMg: 10, status: 'missed' },
      { id: 'b', dueAt: h(20), doseMg: 10, status: 'given' },
    ];
    expect(types(evaluateDoseAlerts(input({ stepDailyDoseMg: 20, doses })))).toEqual([
      'missed_dose',
    ]);
  });

  it('float sums on the threshold do not tip over', () => {
    const doses: WatchedDose[] = [
      { id: 'a', dueAt: h(8), doseMg: 0.1, status: 'held' },
      { id: 'b', dueAt: h(9), doseMg: 0.2, status: 'held' },
      { id: 'c', dueAt: h(10), doseMg: 0.3, status: 'given' },
    ];
    expect(evaluateDoseAlerts(input({ stepDailyDoseMg: 0.6, doses }))).toEqual([]);
  });

  it('a given dose short of its amount counts its shortfall as not taken', () => {
    const doses = tid(['given', 'given', 'missed']).map((d, i) =>
      i === 0 ? { ...d, givenMg: 5 } : d,
    );
    const alerts = evaluateDoseAlerts(input({ doses }));
    expect(alerts[1]).toMatchObject({ reasons: [{ rule: 'missed_fraction', notTakenMg: 35 }] });
  });

  it('only doses due in the last 24 h count toward rule (a)', () => {
    const doses = tid(['missed', 'missed', 'given', 'given', 'given']);
    expect(types(evaluateDoseAlerts(input({ now: h(32.5), doses })))).toEqual(['missed_dose']);
  });

  it('with graceMinutes, a scheduled dose past its grace counts as missed', () => {
    const doses = tid(['given', 'scheduled', 'scheduled']);
    expect(evaluateDoseAlerts(input({ doses }))).toEqual([]);
    const alerts = evaluateDoseAlerts(input({ now: h(20.5), doses, graceMinutes: 60 }));
    expect(alerts).toEqual([expect.objectContaining({ type: 'missed_dose', doseIds: ['d1'] })]);
    expect(types(evaluateDoseAlerts(input({ now: h(21), doses, graceMinutes: 30 })))).toEqual([
      'missed_dose',
      'abrupt_cessation_risk',
    ]);
  });

  it('null cessationRiskHours applies rule (a) only', () => {
    const base = input({ cessationRiskHours: null, now: h(24 * 5), doses: [] });
    expect(evaluateDoseAlerts(base)).toEqual([]);
    expect(
      types(evaluateDoseAlerts({ ...base, now: h(21), doses: tid(['missed', 'missed', 'given']) })),
    ).toEqual(['missed_dose', 'abrupt_cessation_risk']);
  });

  it('a null fraction defaults to 0.5', () => {
    const doses = tid(['given', 'missed', 'missed']);
    expect(types(evaluateDoseAlerts(input({ cessationMissedFraction: null, doses })))).toContain(
      'abrupt_cessation_risk',
    );
  });

  it('a 0 mg step (the plan has stopped the drug) raises no cessation alert', () => {
    const alerts = evaluateDoseAlerts(
      input({ stepDailyDoseMg: 0, now: h(24 * 3), doses: tid(['missed']) }),
    );
    expect(types(alerts)).toEqual(['missed_dose']);
  });

  it('ignores cancelled and future doses, and everything before monitoring starts', () => {
    const doses: WatchedDose[] = [
      { id: 'c', dueAt: h(8), doseMg: 20, status: 'cancelled' },
      { id: 'f', dueAt: h(22), doseMg: 20, status: 'missed' },
    ];
    expect(evaluateDoseAlerts(input({ doses }))).toEqual([]);
    expect(evaluateDoseAlerts(input({ now: h(6), doses: tid(['missed']) }))).toEqual([]);
  });
});
