import { BACLOFEN_CHECKLIST_ITEMS, assessChecklist, assessSymptoms, cowsBand } from './scales';

describe('symptom scales', () => {
  it('G10, COWS (Wesson & Ling 2003) [S28]: 4 below mild, 12 mild, 14 moderate, 30 moderately severe, 37 severe', () => {
    expect(cowsBand(4)).toBe('below_mild');
    expect(cowsBand(12)).toBe('mild');
    expect(cowsBand(14)).toBe('moderate');
    expect(cowsBand(30)).toBe('moderately_severe');
    expect(cowsBand(37)).toBe('severe');
  });

  it('puts the COWS band edges at 5, 13, 25 and above 36 [S28]', () => {
    expect([5, 13, 24, 25, 36].map(cowsBand)).toEqual([
      'mild',
      'moderate',
      'moderate',
      'moderately_severe',
      'moderately_severe',
    ]);
  });

  it('proposes a hold from COWS moderate on', () => {
    expect(assessSymptoms('COWS', 12, undefined).atOrAboveThreshold).toBe(false);
    expect(assessSymptoms('COWS', 13, undefined)).toEqual({
      band: 'moderate',
      threshold: 13,
      atOrAboveThreshold: true,
    });
  });

  it('compares CIWA-B and generic scores with the configured threshold only, never a band', () => {
    expect(assessSymptoms('CIWA-B', 20, 20)).toEqual({
      band: null,
      threshold: 20,
      atOrAboveThreshold: true,
    });
    expect(assessSymptoms('generic', 3, 4).atOrAboveThreshold).toBe(false);
    expect(assessSymptoms('CIWA-B', 70, undefined)).toEqual({
      band: null,
      threshold: null,
      atOrAboveThreshold: null,
    });
  });

  describe('baclofen checklist [S8, S11, S12]', () => {
    it('lists the sourced check-in items', () => {
      expect([...BACLOFEN_CHECKLIST_ITEMS].sort()).toEqual(
        [
          'agitation',
          'anxiety',
          'confusion',
          'fever',
          'hallucinations',
          'insomnia',
          'more_spasticity_or_rigidity',
          'pruritus',
          'seizure',
          'tachycardia',
          'drowsiness',
        ].sort(),
      );
    });

    it('hallucinations, seizure, confusion (and fever) are red flags', () => {
      for (const item of ['hallucinations', 'seizure', 'confusion', 'fever']) {
        expect(assessChecklist([item, 'insomnia'])).toEqual({
          band: 'red_flag',
          threshold: 1,
          atOrAboveThreshold: true,
          redFlags: [item],
        });
      }
    });

    it('any other item present is a positive check-in; none is below the threshold', () => {
      expect(assessChecklist(['insomnia', 'anxiety', 'insomnia'])).toEqual({
        band: 'symptoms',
        threshold: 1,
        atOrAboveThreshold: true,
        redFlags: [],
      });
      expect(assessChecklist([])).toEqual({
        band: 'none',
        threshold: 1,
        atOrAboveThreshold: false,
        redFlags: [],
      });
    });
  });
});
