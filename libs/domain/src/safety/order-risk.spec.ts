import { assessOrderChange, catalogueDrugNamed } from './order-risk';

describe('order risk', () => {
  it('finds catalogue drugs by the name in a medication text, not by other words', () => {
    expect(catalogueDrugNamed('Baclofen 20 mg oral tablet')).toBe('baclofen');
    expect(catalogueDrugNamed('LORAZEPAM 1MG TAB')).toBe('lorazepam');
    expect(catalogueDrugNamed('Amoxicillin 500 mg capsule')).toBeUndefined();
  });

  it('marks stopping baclofen 20 mg three times a day critical, naming the per-dose cap', () => {
    const risk = assessOrderChange('baclofen', {
      kind: 'stop',
      fromDosesMg: [20, 20, 20],
      how: 'stopped',
    })!;
    expect(risk.indicator).toBe('critical');
    expect(risk.summary).toBe(
      'Baclofen 60 mg a day stopped at once: withdrawal risk, taper instead',
    );
    expect(risk.maxCutMgPerDay).toBe(15);
    expect(risk.reasons[0]).toContain('5 mg less per administration per step [S2, S3]');
    expect(risk.reasons[1]).toContain('at least 14 days [S4, S5a]');
    expect(risk.sources.map((s) => s.title)).toContain('MIMS, PMS-Baclofen dosage');
  });

  it('allows a cut within the sourced cap and flags one beyond it', () => {
    const from = [20, 20, 20];
    expect(
      assessOrderChange('baclofen', { kind: 'dose', fromDosesMg: from, toDosesMg: [15, 15, 15] }),
    ).toBeNull();
    const risk = assessOrderChange('baclofen', {
      kind: 'dose',
      fromDosesMg: from,
      toDosesMg: [10, 10, 10],
    })!;
    expect(risk.summary).toContain('cut from 60 mg to 30 mg a day');
  });

  it('uses diazepam dose bands instead of the class percent', () => {
    // 30 mg/day: band above 20 mg caps a step at 4 mg.
    expect(
      assessOrderChange('diazepam', { kind: 'dose', fromDosesMg: [30], toDosesMg: [26] }),
    ).toBeNull();
    expect(
      assessOrderChange('diazepam', { kind: 'dose', fromDosesMg: [30], toDosesMg: [25] })!
        .indicator,
    ).toBe('critical');
  });

  it('warns (not critical) for other catalogue drugs, and stops of unknown dose still count', () => {
    const risk = assessOrderChange('gabapentin', {
      kind: 'stop',
      fromDosesMg: null,
      how: 'replaced',
    })!;
    expect(risk.indicator).toBe('warning');
    expect(risk.summary).toBe(
      'Gabapentin replaced without a taper: withdrawal risk, taper instead',
    );
    expect(risk.maxCutMgPerDay).toBeNull();
  });

  it('says nothing about drugs outside the catalogue', () => {
    expect(
      assessOrderChange('amoxicillin', { kind: 'stop', fromDosesMg: [500], how: 'stopped' }),
    ).toBeNull();
  });
});
