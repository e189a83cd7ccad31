import { BACLOFEN_60_TID } from '../testing-fixtures';
import { checkTaperRequest, type TaperRequestInput } from '../index';

const facts = { today: '2025-01-01' };
const baclofen = BACLOFEN_60_TID;
const codes = (input: Partial<TaperRequestInput>) =>
  checkTaperRequest({ ...baclofen, ...input } as TaperRequestInput, facts).map(
    (p) => `${p.code}@${p.field ?? ''}`,
  );

describe('checkTaperRequest (pre-flight, HTTP 422)', () => {
  it('accepts a valid baclofen request', () => expect(codes({})).toEqual([]));

  it.each<[string, Partial<TaperRequestInput>, string]>([
    ['unknown drug', { drugCode: 'unobtainium' }, 'unknown_drug@drugCode'],
    ['unsupported route', { route: 'intrathecal' }, 'unsupported_route@route'],
    [
      'doses and times differ in length',
      { administrationTimes: ['08:00', '20:00'] },
      'doses_times_mismatch@administrationTimes',
    ],
    [
      'above 80 mg/day without override',
      { currentDosesMg: [30, 30, 30] },
      'above_max_daily_dose@currentDosesMg',
    ],
    [
      'reduce target not below current',
      { goal: { type: 'reduce', targetDailyDoseMg: 60 } },
      'reduce_target_not_lower@goal.targetDailyDoseMg',
    ],
    ['steps shorter than the drug allows', { stepDays: 2 }, 'pace_too_fast@stepDays'],
    [
      'hyperbolic without sourced parameters',
      { strategy: 'hyperbolic' },
      'hyperbolic_parameters_required@strategy',
    ],
    [
      'a liquid without a concentration',
      { drugCode: 'diazepam', allowLiquid: true },
      'liquid_concentration_required@liquidMgPerMl',
    ],
    ['an unknown strength', { strengthsMg: [7] }, 'unknown_strength@strengthsMg'],
    [
      'an override without a reason',
      { override: { reason: ' ' } },
      'override_reason_required@override.reason',
    ],
    [
      'unordered administration times',
      { administrationTimes: ['20:00', '08:00', '14:00'] },
      'invalid_time@administrationTimes',
    ],
    [
      'a crossover of a non-benzodiazepine',
      { substituteWith: 'diazepam' },
      'substitution_unsupported@substituteWith',
    ],
  ])('rejects %s', (_name, input, expected) => expect(codes(input)).toContain(expected));

  it('asks for strengths where the catalogue has none', () => {
    expect(codes({ drugCode: 'morphine', currentDosesMg: [30, 30, 30] })).toEqual([
      'strengths_required@strengthsMg',
    ]);
  });

  it('asks for step length and size where the catalogue has neither (phenobarbital)', () => {
    expect(codes({ drugCode: 'phenobarbital', strengthsMg: [15, 30] })).toEqual([
      'step_days_required@stepDays',
      'max_step_reduction_required@maxStepReductionPercent',
    ]);
  });

  it('allows a pace looser than the drug only with override.reason', () => {
    const fast = {
      drugCode: 'morphine',
      strengthsMg: [15, 30],
      currentDosesMg: [30, 30],
      administrationTimes: ['08:00', '20:00'],
      maxStepReductionPercent: 30,
    };
    expect(codes(fast)).toEqual(['pace_too_fast@maxStepReductionPercent']);
    expect(codes({ ...fast, override: { reason: 'severe adverse effects' } })).toEqual([]);
  });

  it('allows a faster opioid pace after short use, within the VA/DoD 20% ceiling (S23, S25)', () => {
    const req = {
      drugCode: 'morphine',
      strengthsMg: [15],
      currentDosesMg: [30, 30],
      administrationTimes: ['08:00', '20:00'],
      maxStepReductionPercent: 20,
    };
    expect(codes(req)).toEqual(['pace_too_fast@maxStepReductionPercent']);
    expect(codes({ ...req, durationOfUseWeeks: 8 })).toEqual([]);
  });

  it('needs a diazepam equivalence where the sources disagree (alprazolam, S14a)', () => {
    const req = {
      drugCode: 'alprazolam',
      strengthsMg: [0.5],
      currentDosesMg: [0.5, 0.5],
      administrationTimes: ['08:00', '20:00'],
      substituteWith: 'diazepam',
    };
    expect(codes(req)).toEqual(['equivalence_required@diazepamMgPerMg']);
    expect(codes({ ...req, diazepamMgPerMg: 20 })).toEqual([]);
  });
});
