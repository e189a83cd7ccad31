import type { PlanStep } from '../contract';
import { firstDoseDay, pastStartProblems, reanchorSteps } from './reanchor';

const step = (index: number, startDate: string, endDate: string, mg: number): PlanStep => ({
  index,
  startDate,
  endDate,
  dailyDoseMg: mg * 3,
  doses: ['08:00', '14:00', '20:00'].map((time) => ({
    time,
    drugCode: 'baclofen',
    doseMg: mg,
    units: [],
  })),
});

// Baclofen 60 mg/day: 45, 30, 15, 0 mg/day in 5-day steps (README example).
const steps = [
  step(1, '2027-01-01', '2027-01-05', 15),
  step(2, '2027-01-06', '2027-01-10', 10),
  step(3, '2027-01-11', '2027-01-15', 5),
  step(4, '2027-01-16', '2027-01-16', 0),
];

describe('reanchorSteps', () => {
  it('leaves a plan approved on or before its start date alone', () => {
    expect(reanchorSteps(steps, '2027-01-01')).toBeNull();
    expect(reanchorSteps(steps, '2026-12-20')).toBeNull();
    expect(reanchorSteps([], '2027-01-01')).toBeNull();
  });

  it('approved 11 days late: step 1 starts on the approval day and every step moves 11 days', () => {
    const moved = reanchorSteps(steps, '2027-01-12')!;
    expect(moved).toMatchObject({
      startDate: '2027-01-12',
      endDate: '2027-01-27',
      reanchoredFrom: '2027-01-01',
      reanchoredByDays: 11,
    });
    expect(moved.steps.map((s) => [s.index, s.startDate, s.endDate, s.dailyDoseMg])).toEqual([
      [1, '2027-01-12', '2027-01-16', 45],
      [2, '2027-01-17', '2027-01-21', 30],
      [3, '2027-01-22', '2027-01-26', 15],
      [4, '2027-01-27', '2027-01-27', 0],
    ]);
  });

  it('approved after its end date still keeps every step, each as long as planned', () => {
    const moved = reanchorSteps(steps, '2027-03-01')!;
    expect(moved.steps).toHaveLength(steps.length);
    moved.steps.forEach((s, i) => {
      expect(s.doses).toEqual(steps[i].doses);
      expect(Date.parse(s.endDate) - Date.parse(s.startDate)).toBe(
        Date.parse(steps[i].endDate) - Date.parse(steps[i].startDate),
      );
    });
    expect(moved.steps[0].startDate).toBe('2027-03-01');
    expect(moved.reanchoredByDays).toBe(59);
  });

  it('does not change the steps it was given', () => {
    const copy = structuredClone(steps);
    reanchorSteps(steps, '2027-02-01');
    expect(steps).toEqual(copy);
  });
});

describe('pastStartProblems', () => {
  it('accepts today and later, refuses yesterday naming startDate and today', () => {
    expect(pastStartProblems('2027-01-11', '2027-01-11', 'Pacific/Auckland')).toEqual([]);
    expect(pastStartProblems('2027-02-01', '2027-01-11', 'UTC')).toEqual([]);
    expect(pastStartProblems('2027-01-10', '2027-01-11', 'Pacific/Auckland')).toEqual([
      {
        code: 'start_date_past',
        field: 'startDate',
        message: expect.stringContaining('2027-01-11'),
      },
    ]);
  });

  it('leaves a malformed date to the request checks', () => {
    expect(pastStartProblems('2027-02-30', '2027-03-01', 'UTC')).toEqual([]);
  });
});

describe('firstDoseDay', () => {
  it('is today while one of step 1’s times is still ahead in the patient’s zone', () => {
    expect(firstDoseDay(steps, 'UTC', new Date('2027-01-12T19:59:00Z'))).toBe('2027-01-12');
    // 19:30 UTC is 20:30 in Paris (CET): 20:00 has passed there.
    expect(firstDoseDay(steps, 'Europe/Paris', new Date('2027-01-12T19:30:00Z'))).toBe(
      '2027-01-13',
    );
  });

  it('is tomorrow once the last time of step 1 has passed today', () => {
    expect(firstDoseDay(steps, 'UTC', new Date('2027-01-12T20:00:00Z'))).toBe('2027-01-13');
  });
});
