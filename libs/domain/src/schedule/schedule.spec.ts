import type { PlanStep } from '../contract';
import { expandDoses } from './expand';
import { zonedDate, zonedInstant } from './local-time';
import { OPEN_END, dosesOn, heldSteps, resumedSteps } from './steps';
import { describeUnits } from './tablets';

const NY = 'America/New_York';
const tid = (mg: number) =>
  ['08:00', '14:00', '20:00'].map((time) => ({
    time,
    drugCode: 'baclofen',
    doseMg: mg,
    units: [{ strengthMg: mg, count: 1 }],
  }));
const step = (index: number, startDate: string, endDate: string, mg: number): PlanStep => ({
  index,
  startDate,
  endDate,
  dailyDoseMg: mg * 3,
  doses: mg > 0 ? tid(mg) : [],
});
const STEPS = [
  step(1, '2027-03-12', '2027-03-15', 15),
  step(2, '2027-03-16', '2027-03-19', 10),
  step(3, '2027-03-20', '2027-03-20', 0),
];

describe('zonedInstant', () => {
  it('keeps 08:00 local across the March change in New York', () => {
    expect(zonedInstant('2027-03-13', '08:00', NY).toISOString()).toBe('2027-03-13T13:00:00.000Z');
    expect(zonedInstant('2027-03-14', '08:00', NY).toISOString()).toBe('2027-03-14T12:00:00.000Z');
  });

  it('moves a time in the spring-forward gap to the first valid instant after it', () => {
    expect(zonedInstant('2027-03-14', '02:30', NY).toISOString()).toBe('2027-03-14T07:00:00.000Z');
    expect(zonedInstant('2027-03-14', '02:00', NY).toISOString()).toBe('2027-03-14T07:00:00.000Z');
    expect(zonedInstant('2027-03-28', '01:15', 'Europe/London').toISOString()).toBe(
      '2027-03-28T01:00:00.000Z',
    );
  });

  it('takes the earlier of a time that happens twice at the autumn change', () => {
    expect(zonedInstant('2027-11-07', '01:30', NY).toISOString()).toBe('2027-11-07T05:30:00.000Z');
    expect(zonedInstant('2027-10-31', '01:30', 'Europe/London').toISOString()).toBe(
      '2027-10-31T00:30:00.000Z',
    );
  });

  it('handles zones east of UTC and without DST', () => {
    expect(zonedInstant('2027-01-01', '08:00', 'Asia/Kolkata').toISOString()).toBe(
      '2027-01-01T02:30:00.000Z',
    );
    expect(zonedDate(new Date('2027-01-01T20:00:00Z'), 'Asia/Tokyo')).toBe('2027-01-02');
  });
});

describe('expandDoses', () => {
  it('writes each dose at its local time, from the first after `from`, across the DST change', () => {
    const doses = expandDoses(
      STEPS,
      NY,
      new Date('2027-03-13T15:00:00Z'), // 10:00 EST on the 13th
      new Date('2027-03-15T00:00:00Z'),
    );
    expect(doses.map((d) => [d.dueAt.toISOString(), d.doseMg, d.stepIndex])).toEqual([
      ['2027-03-13T19:00:00.000Z', 15, 1],
      ['2027-03-14T01:00:00.000Z', 15, 1],
      ['2027-03-14T12:00:00.000Z', 15, 1],
      ['2027-03-14T18:00:00.000Z', 15, 1],
    ]);
  });

  it('writes nothing before the start date, and nothing for a zero step', () => {
    const doses = expandDoses(
      STEPS,
      NY,
      new Date('2027-03-01T00:00:00Z'),
      new Date('2027-04-01T00:00:00Z'),
    );
    expect(doses[0].dueAt.toISOString()).toBe('2027-03-12T13:00:00.000Z');
    expect(doses).toHaveLength(8 * 3);
    expect(doses[doses.length - 1]).toMatchObject({ doseMg: 10, stepIndex: 2 });
  });

  it('writes one dose for two clock times that fall in the same gap', () => {
    const steps = [
      {
        ...step(1, '2027-03-14', '2027-03-14', 0),
        dailyDoseMg: 10,
        doses: [
          { time: '02:10', drugCode: 'baclofen', doseMg: 5, units: [] },
          { time: '02:40', drugCode: 'baclofen', doseMg: 5, units: [] },
        ],
      },
    ];
    const doses = expandDoses(
      steps,
      NY,
      new Date('2027-03-14T00:00Z'),
      new Date('2027-03-15T00:00Z'),
    );
    expect(doses).toEqual([
      {
        dueAt: new Date('2027-03-14T07:00:00Z'),
        drugCode: 'baclofen',
        doseMg: 10,
        equivalentMg: 10,
        stepIndex: 1,
      },
    ]);
  });

  it('keeps two drugs due in the same gap as two doses, each with its own mg', () => {
    // A lorazepam → diazepam switch whose 02:10 and 02:40 doses land on the 03:00 jump.
    const steps = [
      {
        ...step(1, '2027-03-14', '2027-03-14', 0),
        dailyDoseMg: 15,
        doses: [
          {
            time: '02:10',
            drugCode: 'lorazepam',
            doseMg: 1,
            equivalentMg: 10,
            units: [{ strengthMg: 1, count: 1 }],
          },
          {
            time: '02:40',
            drugCode: 'diazepam',
            doseMg: 5,
            units: [{ strengthMg: 5, count: 1 }],
          },
        ],
      },
    ];
    const doses = expandDoses(
      steps,
      NY,
      new Date('2027-03-14T00:00Z'),
      new Date('2027-03-15T00:00Z'),
    );
    const at = new Date('2027-03-14T07:00:00Z');
    expect(doses).toEqual([
      { dueAt: at, drugCode: 'diazepam', doseMg: 5, equivalentMg: 5, stepIndex: 1 },
      { dueAt: at, drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10, stepIndex: 1 },
    ]);
  });
});

describe('pauses', () => {
  it('holds the step in force with no end, later steps waiting', () => {
    expect(heldSteps(STEPS, '2027-03-13')).toEqual([{ ...STEPS[0], endDate: OPEN_END }]);
    expect(heldSteps(STEPS, '2027-03-01')).toEqual([]);
  });

  it('shifts the rest of the plan by the paused days on resume', () => {
    const resumed = resumedSteps(STEPS, '2027-03-13', '2027-03-16');
    expect(resumed.map((s) => [s.startDate, s.endDate])).toEqual([
      ['2027-03-12', '2027-03-18'],
      ['2027-03-19', '2027-03-22'],
      ['2027-03-23', '2027-03-23'],
    ]);
    expect(resumedSteps(STEPS, '2027-03-13', '2027-03-13')).toEqual(STEPS);
    expect(resumedSteps(STEPS, '2027-03-10', '2027-03-14')[0]).toMatchObject({
      startDate: '2027-03-14',
      endDate: '2027-03-17',
    });
  });

  it('knows the doses of any day, before, during and after the plan', () => {
    const times = ['08:00', '14:00', '20:00'];
    expect(dosesOn(STEPS, '2027-03-01', times, [20, 20, 20]).doses).toEqual([20, 20, 20]);
    expect(dosesOn(STEPS, '2027-03-17', times, [20, 20, 20]).doses).toEqual([10, 10, 10]);
    expect(dosesOn(STEPS, '2028-01-01', times, [20, 20, 20]).doses).toEqual([0, 0, 0]);
  });
});

describe('describeUnits', () => {
  it('says what to take', () => {
    expect(
      describeUnits([
        { strengthMg: 10, count: 1 },
        { strengthMg: 5, count: 1 },
      ]),
    ).toBe('one 10 mg and one 5 mg tablet');
    expect(
      describeUnits([
        { strengthMg: 10, count: 2 },
        { strengthMg: 5, count: 0.5 },
      ]),
    ).toBe('two 10 mg tablets and half a 5 mg tablet');
    // A liquid dose shows its mg and its volume.
    expect(describeUnits([{ strengthMg: 1, count: 2.5, form: 'liquid' }])).toBe(
      '2.5 mg (2.5 mL of 1 mg/mL liquid)',
    );
    expect(describeUnits([{ strengthMg: 5, count: 0.5, form: 'liquid' }])).toBe(
      '2.5 mg (0.5 mL of 5 mg/mL liquid)',
    );
  });
});
