import { assessSymptoms, cowsBand } from './scales';

describe('symptom scales', () => {
  it('bands COWS as golden scenario G10 says', () => {
    expect(cowsBand(4)).toBe('below_mild');
    expect(cowsBand(12)).toBe('mild');
    expect(cowsBand(14)).toBe('moderate');
    expect(cowsBand(30)).toBe('moderately_severe');
    expect(cowsBand(37)).toBe('severe');
  });

  it('puts the COWS band edges where CLINICAL.md section 5 does', () => {
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
});
