import { corticosteroidWithdrawal } from './corticosteroids';

const none = {
  eveningDoses: false,
  repeatedCourses: false,
  shortCourseWithinYearOfLongTerm: false,
};

describe('corticosteroid withdrawal decision', () => {
  it('G8, BNF [S38a]: prednisolone 50 mg for 10 days → gradual (> 40 mg for > 1 week)', () => {
    expect(
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 50, durationDays: 10, ...none }),
    ).toMatchObject({ decision: 'gradual', criteria: ['above_40mg_for_over_a_week'] });
  });

  it('G8, BNF [S38a]: 20 mg for 14 days, no other criterion → abrupt stop allowed', () => {
    const decision = corticosteroidWithdrawal({
      prednisoloneMgPerDay: 20,
      durationDays: 14,
      ...none,
    });
    expect(decision).toMatchObject({ decision: 'abrupt_stop_allowed', criteria: [] });
    expect(decision.source.url).toContain('pharmacy-notebook.com');
  });

  it('G8, BNF [S38a]: 10 mg for 6 weeks → gradual (> 3 weeks)', () => {
    expect(
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 10, durationDays: 42, ...none }),
    ).toMatchObject({ decision: 'gradual', criteria: ['over_3_weeks'] });
  });

  it('BNF [S38a]: any other criterion makes even a short low-dose course gradual', () => {
    for (const key of Object.keys(none) as (keyof typeof none)[]) {
      expect(
        corticosteroidWithdrawal({
          prednisoloneMgPerDay: 20,
          durationDays: 14,
          ...none,
          [key]: true,
        }).decision,
      ).toBe('gradual');
    }
  });

  it('BNF [S38a]: the edges are strict — 40 mg, exactly a week, exactly 3 weeks allow a stop', () => {
    expect(
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 40, durationDays: 21, ...none }).decision,
    ).toBe('abrupt_stop_allowed');
    expect(
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 60, durationDays: 7, ...none }).decision,
    ).toBe('abrupt_stop_allowed');
    expect(
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 5, durationDays: 22, ...none }).decision,
    ).toBe('gradual');
  });

  it('refuses a dose or duration that cannot be', () => {
    expect(() =>
      corticosteroidWithdrawal({ prednisoloneMgPerDay: -1, durationDays: 3, ...none }),
    ).toThrow(RangeError);
    expect(() =>
      corticosteroidWithdrawal({ prednisoloneMgPerDay: 5, durationDays: Number.NaN, ...none }),
    ).toThrow(RangeError);
  });
});
