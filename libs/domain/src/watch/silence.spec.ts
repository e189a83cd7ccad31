import { HOUR_MS } from './timeliness';
import { noContactAlert, silenceStartedAt, type SilenceInput } from './silence';

const T0 = Date.UTC(2027, 2, 20, 9);
const h = (hours: number) => T0 + hours * HOUR_MS;

/** Doses due every 8 h from 10:00 on the day of approval (T0): dose i at h(1 + 8i). */
const dose = (i: number) => ({ id: `d${i}`, dueAt: h(1 + 8 * i) });

function input(overrides: Partial<SilenceInput>): SilenceInput {
  return {
    now: h(24),
    noContactHours: 24,
    lastReportAt: null,
    monitoringStartedAt: T0,
    firstUnreported: dose(0),
    unreportedCount: 3,
    drugName: 'Baclofen',
    ...overrides,
  };
}

// NO_CONTACT_HOURS has no clinical source: a [C] setting, 24 h by default.
describe('no_contact: an outpatient’s silence', () => {
  it('counts from the later of the last report and the course’s approval', () => {
    expect(silenceStartedAt(null, T0)).toBe(T0);
    expect(silenceStartedAt(h(5), T0)).toBe(h(5));
    // A report from before the course (another course's dose) does not shorten it.
    expect(silenceStartedAt(h(-5), T0)).toBe(T0);
  });

  it('raises a warning at 24 h without a report, naming the drug and the first dose missed', () => {
    expect(noContactAlert(input({ now: h(23.9) }))).toBeNull();
    expect(noContactAlert(input({}))).toEqual({
      type: 'no_contact',
      severity: 'warning',
      doseIds: ['d0'],
      silentSince: T0,
      hoursSilent: 24,
      message:
        'Baclofen: no dose reported by the patient for 24 h (since the plan was approved), over the 24 h threshold; 3 doses due unreported',
    });
  });

  it('a report restarts the silence, and its first unreported dose is new', () => {
    // Reported at 18:00: silent from there, first unreported dose the one due 01:00 next day.
    expect(noContactAlert(input({ now: h(30), lastReportAt: h(9) }))).toBeNull();
    const again = noContactAlert(
      input({ now: h(33.5), lastReportAt: h(9), firstUnreported: dose(2), unreportedCount: 3 }),
    );
    expect(again).toMatchObject({ doseIds: ['d2'], silentSince: h(9), hoursSilent: 24.5 });
    expect(again!.message).toContain('(since the last report)');
  });

  it('keeps the same dose while the silence lasts, so sweeps repeat one finding', () => {
    const first = noContactAlert(input({ now: h(25), unreportedCount: 4 }));
    const later = noContactAlert(input({ now: h(60), unreportedCount: 8 }));
    expect(first!.doseIds).toEqual(later!.doseIds);
    expect(later!.message).toContain('8 doses due unreported');
  });

  it('raises nothing when no dose was due in the silence (nothing to report)', () => {
    expect(
      noContactAlert(input({ now: h(48), firstUnreported: null, unreportedCount: 0 })),
    ).toBeNull();
    // A dose due before the silence began or not yet due does not count.
    expect(noContactAlert(input({ now: h(48), lastReportAt: h(20) }))).toBeNull();
    expect(
      noContactAlert(input({ now: h(48), lastReportAt: h(20), firstUnreported: dose(7) })),
    ).toBeNull();
  });

  it('uses the configured number of hours', () => {
    expect(noContactAlert(input({ now: h(12), noContactHours: 12 }))).toMatchObject({
      hoursSilent: 12,
    });
    expect(() => noContactAlert(input({ noContactHours: 0 }))).toThrow(RangeError);
    expect(() => noContactAlert(input({ noContactHours: Number.NaN }))).toThrow(RangeError);
  });
});
