import { equivalenceRatio, fromEquivalentMg, planEquivalence, toEquivalentMg } from './equivalents';

describe('equivalents (NHS Scotland: lorazepam 0.5 mg ~ clonazepam 0.25 mg ~ diazepam 5 mg, S16a)', () => {
  it('converts through the catalogue equivalence, both ways', () => {
    expect(equivalenceRatio('lorazepam', 'diazepam')).toBe(10);
    expect(equivalenceRatio('diazepam', 'lorazepam')).toBe(0.1);
    expect(equivalenceRatio('clonazepam', 'lorazepam')).toBe(2);
    expect(toEquivalentMg('lorazepam', 1, 'diazepam')).toBe(10);
    expect(fromEquivalentMg('lorazepam', 9, 'diazepam')).toBe(0.9);
    expect(toEquivalentMg('baclofen', 20, 'baclofen')).toBe(20);
  });

  it("uses the request's diazepamMgPerMg for its own drug, and knows no ratio it has no source for", () => {
    expect(equivalenceRatio('alprazolam', 'diazepam')).toBeNull();
    expect(equivalenceRatio('alprazolam', 'diazepam', 20)).toBe(20);
    expect(equivalenceRatio('lorazepam', 'diazepam', 5)).toBe(5);
    expect(toEquivalentMg('baclofen', 20, 'diazepam')).toBeNull();
  });

  it('rounds back down to whole micrograms, never up', () => {
    // 10 mg diazepam at 3 mg per mg is 3.333... mg: 3.333 mg, not 3.334.
    expect(fromEquivalentMg('alprazolam', 10, 'diazepam', 3)).toBe(3.333);
  });

  it("a crossover plan's unit is the substitute; a plain plan's is its drug", () => {
    const crossover = planEquivalence({ drugCode: 'lorazepam', substituteWith: 'diazepam' });
    expect(crossover.unitDrugCode).toBe('diazepam');
    expect(crossover.drugCodes).toEqual(['lorazepam', 'diazepam']);
    expect(crossover.toEquivalentMg('lorazepam', 1)).toBe(10);
    expect(crossover.toEquivalentMg('diazepam', 10)).toBe(10);
    expect(crossover.fromEquivalentMg('lorazepam', 20)).toBe(2);
    expect(crossover.ratio('clonazepam')).toBeNull();
    const plain = planEquivalence({ drugCode: 'lorazepam' });
    expect(plain.unitDrugCode).toBe('lorazepam');
    expect(plain.toEquivalentMg('lorazepam', 1)).toBe(1);
    expect(plain.toEquivalentMg('diazepam', 10)).toBeNull();
  });
});
