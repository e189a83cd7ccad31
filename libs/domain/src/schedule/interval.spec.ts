import type { PlanStep } from '../contract';
import { expandDoses } from './expand';

describe('expandDoses: alternate-day steps (fluoxetine, NICE NG222, S33)', () => {
  const dose = (mg: number) => ({ time: '08:00', drugCode: 'fluoxetine', doseMg: mg, units: [] });
  const steps: PlanStep[] = [
    {
      index: 1,
      startDate: '2025-03-01',
      endDate: '2025-03-03',
      dailyDoseMg: 20,
      doses: [dose(20)],
    },
    {
      index: 2,
      startDate: '2025-03-04',
      endDate: '2025-03-10',
      dailyDoseMg: 10,
      doses: [dose(20)],
      intervalDays: 2,
    },
    { index: 3, startDate: '2025-03-11', endDate: '2025-03-11', dailyDoseMg: 0, doses: [] },
  ];

  it('gives the doses on the step start and every second day after, none between', () => {
    const due = expandDoses(
      steps,
      'Europe/London',
      new Date('2025-03-01T00:00:00Z'),
      new Date('2025-03-12T00:00:00Z'),
    ).map((d) => [d.dueAt.toISOString().slice(0, 10), d.stepIndex, d.doseMg]);
    expect(due).toEqual([
      ['2025-03-01', 1, 20],
      ['2025-03-02', 1, 20],
      ['2025-03-03', 1, 20],
      ['2025-03-04', 2, 20],
      ['2025-03-06', 2, 20],
      ['2025-03-08', 2, 20],
      ['2025-03-10', 2, 20],
    ]);
  });

  it('counts the days from the step start, whatever the window starts on', () => {
    const due = expandDoses(
      steps,
      'Europe/London',
      new Date('2025-03-05T00:00:00Z'),
      new Date('2025-03-08T00:00:00Z'),
    ).map((d) => d.dueAt.toISOString().slice(0, 10));
    expect(due).toEqual(['2025-03-06']);
  });
});
