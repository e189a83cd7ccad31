import { dosingIntervalHours, drugCessationRule } from '../catalogue/monitoring';
import { findDrug } from '../catalogue/view';
import { evaluateDoseAlerts, type CessationInput, type WatchedDose } from './cessation';
import { HOUR_MS } from './timeliness';

const baclofen = findDrug('baclofen')!;
const DAY1 = Date.UTC(2025, 0, 6);
const h = (hours: number) => DAY1 + hours * HOUR_MS;
const GRACE = 60;

/** Baclofen 20 mg at 08:00, 14:00 and 20:00 from day 1, an outpatient's: only reports count. */
function outpatientTid(statuses: WatchedDose['status'][]): WatchedDose[] {
  return statuses.map((status, i) => {
    const due = h(8 + [0, 6, 12][i % 3]! + 24 * Math.floor(i / 3));
    return {
      id: `d${i}`,
      dueAt: due,
      doseMg: 20,
      status,
      reportOnly: true,
      ...(status === 'given' ? { administeredAt: due } : {}),
    };
  });
}

/**
 * Baclofen at 08:00, 14:00, 20:00: its longest gap 12 h + 4 x 3 h half-life = 24 h
 * (docs/clinical.md#cessation-rule, rule 2a, [C]).
 */
const RISK_HOURS = drugCessationRule(
  baclofen.halfLifeHours,
  dosingIntervalHours(['08:00', '14:00', '20:00']),
).cessationRiskHours;

function input(overrides: Partial<CessationInput>): CessationInput {
  return {
    now: h(21),
    monitoringStartedAt: h(7),
    stepDailyDoseMg: 60,
    doses: [],
    cessationMissedFraction: baclofen.cessationMissedFraction,
    cessationRiskHours: RISK_HOURS,
    graceMinutes: GRACE,
    ...overrides,
  };
}

const types = (alerts: ReturnType<typeof evaluateDoseAlerts>) => alerts.map((a) => a.type);

describe('outpatient doses (reportOnly): only a report counts (baclofen TID, the cessation rule)', () => {
  it('unreported doses long past their grace raise nothing, as a supervised patient’s would', () => {
    const unreported = outpatientTid(['given', 'scheduled', 'scheduled']);
    expect(evaluateDoseAlerts(input({ doses: unreported }))).toEqual([]);
    // The same doses charted on a ward: missed after grace, two of three is a cessation.
    const supervised = unreported.map((d) => ({ ...d, reportOnly: false }));
    expect(types(evaluateDoseAlerts(input({ doses: supervised })))).toEqual([
      'missed_dose',
      'abrupt_cessation_risk',
    ]);
  });

  it('two skipped reports in a day are not taken: missed_dose and abrupt_cessation_risk', () => {
    // Skipped is stored as not_given: 40 of 60 mg not taken, over half the step [C].
    const alerts = evaluateDoseAlerts(
      input({ doses: outpatientTid(['given', 'not_given', 'not_given']) }),
    );
    expect(types(alerts)).toEqual(['missed_dose', 'abrupt_cessation_risk']);
    expect(alerts[1]).toMatchObject({
      doseIds: ['d1', 'd2'],
      reasons: [{ rule: 'missed_fraction', notTakenMg: 40, dailyDoseMg: 60 }],
    });
  });

  it('one skipped report and one unreported dose: only the skip counts, under the fraction', () => {
    const alerts = evaluateDoseAlerts(
      input({ doses: outpatientTid(['given', 'not_given', 'scheduled']) }),
    );
    expect(alerts).toEqual([expect.objectContaining({ type: 'missed_dose', doseIds: ['d1'] })]);
  });

  it('hours since taken count from the last dose reported taken, not from unreported ones', () => {
    // Reported taken at 08:00 day 1, nothing reported since: 24.5 h later is over 24 h.
    const doses = outpatientTid(['given', 'scheduled', 'scheduled', 'scheduled', 'scheduled']);
    expect(RISK_HOURS).toBe(24);
    const alerts = evaluateDoseAlerts(input({ now: h(32.5), doses }));
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'abrupt_cessation_risk',
        doseIds: [],
        reasons: [
          {
            rule: 'hours_since_taken',
            hoursSinceTaken: 24.5,
            thresholdHours: 24,
            since: 'last_taken_dose',
          },
        ],
      }),
    ]);
    // A later report of a dose taken moves the clock.
    doses[3] = { ...doses[3]!, status: 'given', administeredAt: doses[3]!.dueAt };
    expect(evaluateDoseAlerts(input({ now: h(32.5), doses }))).toEqual([]);
  });

  it('with no report at all, the hours count from the course’s approval', () => {
    const doses = outpatientTid(['scheduled', 'scheduled', 'scheduled']);
    expect(evaluateDoseAlerts(input({ now: h(7 + 23.9), doses }))).toEqual([]);
    const alerts = evaluateDoseAlerts(input({ now: h(7 + 24.5), doses }));
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'abrupt_cessation_risk',
        reasons: [expect.objectContaining({ since: 'monitoring_start', hoursSinceTaken: 24.5 })],
      }),
    ]);
  });

  it('a dose the watcher already judged missed stays missed after a switch to outpatient', () => {
    const doses = outpatientTid(['given', 'missed', 'scheduled']);
    expect(types(evaluateDoseAlerts(input({ doses })))).toEqual(['missed_dose']);
  });
});
