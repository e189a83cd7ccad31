import {
  administrationWindow,
  administrationWindowMinutes,
  classifyTimeliness,
  MINUTE_MS,
} from './timeliness';

const DUE = Date.UTC(2025, 0, 6, 8, 0);
const after = (minutes: number) => DUE + minutes * MINUTE_MS;

describe('ISMP administration windows [S40a, S40c]', () => {
  it.each([
    [{ dosesPerDay: 1 / 30 }, false, 120],
    [{ intervalHours: 168 }, false, 120],
    [{ dosesPerDay: 1 }, false, 120],
    [{ dosesPerDay: 2 }, false, 60],
    [{ dosesPerDay: 3 }, false, 60],
    [{ intervalHours: 4 }, false, 60],
    [{ intervalHours: 2 }, false, 30],
    [{ intervalHours: 1 }, false, 15],
    [{ dosesPerDay: 1 }, true, 30],
  ])('%j time-critical=%s -> +/-%d min', (frequency, timeCritical, minutes) => {
    expect(administrationWindowMinutes(frequency, timeCritical)).toBe(minutes);
  });

  it('refuses a frequency that is not a positive number', () => {
    expect(() => administrationWindowMinutes({ dosesPerDay: 0 })).toThrow(RangeError);
    expect(() => administrationWindowMinutes({ intervalHours: -8 })).toThrow(RangeError);
  });
});

describe('G9 golden cases [S40a, S40c]', () => {
  it.each([
    ['TID dose given 70 min after schedule', { dosesPerDay: 3 }, false, 70, 'late'],
    ['daily dose 90 min late', { dosesPerDay: 1 }, false, 90, 'on_time'],
    ['time-critical dose 40 min late', { dosesPerDay: 1 }, true, 40, 'late'],
    ['q2h dose 35 min late (window +/-30 min)', { intervalHours: 2 }, false, 35, 'late'],
  ])('%s -> %s', (_case, frequency, timeCritical, minutesLate, expected) => {
    const administeredAt = after(minutesLate);
    expect(classifyTimeliness({ dueAt: DUE, administeredAt, frequency, timeCritical })).toBe(
      expected,
    );
  });
});

describe('classifyTimeliness', () => {
  const tid = { dosesPerDay: 3 };
  it('is early before the window and on time at both inclusive edges', () => {
    expect(classifyTimeliness({ dueAt: DUE, administeredAt: after(-61), frequency: tid })).toBe(
      'early',
    );
    expect(classifyTimeliness({ dueAt: DUE, administeredAt: after(-60), frequency: tid })).toBe(
      'on_time',
    );
    expect(classifyTimeliness({ dueAt: DUE, administeredAt: after(60), frequency: tid })).toBe(
      'on_time',
    );
    expect(classifyTimeliness({ dueAt: DUE, administeredAt: after(60) + 1, frequency: tid })).toBe(
      'late',
    );
  });
});

describe("a dose's window on the worklist", () => {
  const tid = { dosesPerDay: 3 }; // +/-60 min
  it.each([
    [-61, 'upcoming'],
    [-60, 'due'],
    [0, 'due'],
    [60, 'due'],
    [61, 'late'],
  ])('%d min from due -> %s, as a recording then would be classified', (minutes, state) => {
    const window = administrationWindow({ dueAt: DUE, now: after(minutes), frequency: tid });
    expect(window).toEqual({ state, opensAt: after(-60), closesAt: after(60) });
    const recorded = classifyTimeliness({
      dueAt: DUE,
      administeredAt: after(minutes),
      frequency: tid,
    });
    expect({ early: 'upcoming', on_time: 'due', late: 'late' }[recorded]).toBe(state);
  });
});
