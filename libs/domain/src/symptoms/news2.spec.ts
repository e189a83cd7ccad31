import { assessNews2, news2Response } from './news2';

describe('NEWS2 response banding', () => {
  it('G10 [S42]: a total of 5 is an urgent response, 7 an emergency response', () => {
    expect(news2Response(5)).toMatchObject({ response: 'urgent', monitoring: 'at least hourly' });
    expect(news2Response(7)).toMatchObject({ response: 'emergency', monitoring: 'continuous' });
  });

  it('G10 [S42]: 3 in a single parameter is at least hourly, informing the medical team', () => {
    const banding = news2Response(3, 3);
    expect(banding).toMatchObject({
      response: 'inform_medical_team',
      monitoring: 'at least hourly',
    });
    expect(banding.action).toContain('medical team');
    // The same total spread over parameters is a nurse's assessment only.
    expect(news2Response(3, 1).response).toBe('nurse_assessment');
  });

  it('chart 4 [S42]: 0 routine 12-hourly, 1-4 nurse assessment 4-6-hourly; the higher response wins', () => {
    expect(news2Response(0)).toMatchObject({
      response: 'routine',
      monitoring: 'at least every 12 hours',
    });
    expect([1, 4].map((t) => news2Response(t).response)).toEqual([
      'nurse_assessment',
      'nurse_assessment',
    ]);
    expect(news2Response(6, 3).response).toBe('urgent');
    expect(news2Response(9, 3).response).toBe('emergency');
  });

  it('refuses scores that cannot be', () => {
    expect(() => news2Response(-1)).toThrow(RangeError);
    expect(() => news2Response(2.5)).toThrow(RangeError);
    expect(() => news2Response(5, 4)).toThrow(RangeError);
    expect(() => news2Response(2, 3)).toThrow(RangeError);
  });

  it('a trigger (total 5 or more, or 3 in one parameter) is at or above the threshold [S42]', () => {
    expect(assessNews2(4, 2)).toEqual({
      band: 'nurse_assessment',
      threshold: 5,
      atOrAboveThreshold: false,
    });
    expect(assessNews2(3, 3).atOrAboveThreshold).toBe(true);
    expect(assessNews2(5)).toMatchObject({ band: 'urgent', atOrAboveThreshold: true });
    expect(assessNews2(7)).toMatchObject({ band: 'emergency', atOrAboveThreshold: true });
  });
});
