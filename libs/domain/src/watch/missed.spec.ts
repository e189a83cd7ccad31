import { findDrug } from '../catalogue/view';
import {
  isOverdue,
  MAX_GRACE_MINUTES,
  missedAt,
  parseGraceMinutesSetting,
  resolveGraceMinutes,
} from './missed';
import { MINUTE_MS } from './timeliness';

const DUE = Date.UTC(2025, 0, 6, 8, 0);

describe('missedAt / isOverdue', () => {
  it('a dose becomes missed at dueAt + grace, fractions of a minute included', () => {
    expect(missedAt(DUE, 60)).toBe(DUE + 60 * MINUTE_MS);
    expect(missedAt(DUE, 0.05)).toBe(DUE + 3000);
  });

  it('is overdue from the instant of missedAt, and only while still scheduled', () => {
    const dose = { dueAt: DUE, status: 'scheduled' as const };
    expect(isOverdue(dose, DUE + 3000 - 1, 0.05)).toBe(false);
    expect(isOverdue(dose, DUE + 3000, 0.05)).toBe(true);
    for (const status of [
      'given',
      'held',
      'refused',
      'not_given',
      'missed',
      'cancelled',
    ] as const) {
      expect(isOverdue({ dueAt: DUE, status }, DUE + 10 * 60 * MINUTE_MS, 1)).toBe(false);
    }
  });
});

describe('resolveGraceMinutes', () => {
  const baclofen = findDrug('baclofen')!;

  it('uses the drug catalogue grace by default (baclofen: ISMP +/-1 h)', () => {
    expect(resolveGraceMinutes({ drugGraceMinutes: baclofen.graceMinutes, dosesPerDay: 3 })).toBe(
      60,
    );
  });

  it('DOSE_GRACE_MINUTES overrides the drug, fractions allowed', () => {
    const got = resolveGraceMinutes({
      overrideMinutes: 0.05,
      drugGraceMinutes: 60,
      dosesPerDay: 3,
    });
    expect(got).toBe(0.05);
  });

  it('falls back to the ISMP window for the plan frequency when the drug has none', () => {
    expect(resolveGraceMinutes({ drugGraceMinutes: null, dosesPerDay: 1 })).toBe(120);
    expect(resolveGraceMinutes({ drugGraceMinutes: null, dosesPerDay: 12 })).toBe(30);
  });

  it('time-critical doses get at most 30 minutes', () => {
    const got = resolveGraceMinutes({ drugGraceMinutes: 120, dosesPerDay: 1, timeCritical: true });
    expect(got).toBe(30);
  });

  it('refuses an override outside 0..a day', () => {
    expect(() =>
      resolveGraceMinutes({ overrideMinutes: -1, drugGraceMinutes: 60, dosesPerDay: 3 }),
    ).toThrow(RangeError);
    const tooLong = MAX_GRACE_MINUTES + 1;
    expect(() =>
      resolveGraceMinutes({ overrideMinutes: tooLong, drugGraceMinutes: 60, dosesPerDay: 3 }),
    ).toThrow(RangeError);
  });
});

describe('parseGraceMinutesSetting', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['  ', null],
    ['0', 0],
    ['0.05', 0.05],
    ['.5', 0.5],
    [' 90 ', 90],
  ])('%j -> %j', (raw, expected) => {
    expect(parseGraceMinutesSetting(raw)).toBe(expected);
  });

  it.each(['abc', '-1', '0x10', '1e3', '5 min', '1441'])('refuses %j', (raw) => {
    expect(() => parseGraceMinutesSetting(raw)).toThrow(RangeError);
  });
});
