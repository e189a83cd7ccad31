import { findDrug, listDrugs } from '../index';
import { SOURCES } from './sources';

const CODES = [
  'baclofen',
  'diazepam',
  'alprazolam',
  'clonazepam',
  'lorazepam',
  'zolpidem',
  'zopiclone',
  'gabapentin',
  'pregabalin',
  'morphine',
  'oxycodone',
  'citalopram',
  'sertraline',
  'paroxetine',
  'venlafaxine',
  'fluoxetine',
  'clonidine',
  'metoprolol',
  'propranolol',
  'prednisolone',
  'phenobarbital',
];
const API_FIELDS = [
  'code',
  'name',
  'drugClass',
  'routes',
  'strengthsMg',
  'maxDailyDoseMg',
  'halfLifeHours',
  'defaultStrategy',
  'minStepDays',
  'maxStepReductionPercent',
  'minTaperDays',
  'graceMinutes',
  'cessationRiskHours',
  'cessationMissedFraction',
  'sources',
];
const KNOWN_URLS = new Set<string>(Object.values(SOURCES).map((s) => s.url));

describe('drug catalogue (docs/clinical.md)', () => {
  it('lists every required drug with every field of the REST contract', () => {
    expect(
      listDrugs()
        .map((d) => d.code)
        .sort(),
    ).toEqual([...CODES].sort());
    for (const d of listDrugs()) for (const f of API_FIELDS) expect(d).toHaveProperty(f);
  });

  it('cites only sources from the clinical reference list, for every number it gives', () => {
    for (const d of listDrugs()) {
      expect(d.sources.length).toBeGreaterThan(0);
      for (const s of d.sources) expect(KNOWN_URLS.has(s.url)).toBe(true);
      const fieldSources = d.fieldSources as Record<
        string,
        { sources: { url: string }[]; derived?: string } | null
      >;
      for (const f of [
        'strengthsMg',
        'maxDailyDoseMg',
        'halfLifeHours',
        'minStepDays',
        'maxStepReductionPercent',
        'minTaperDays',
        'graceMinutes',
        'cessationRiskHours',
      ]) {
        const value = (d as Record<string, unknown>)[f];
        const has = Array.isArray(value) ? value.length > 0 : value !== null;
        if (has) expect(fieldSources[f]?.sources.length).toBeGreaterThan(0);
        else expect(fieldSources[f]).toBeNull();
      }
    }
  });

  it('baclofen is complete: label strengths, 80 mg/day cap, 14-day floor, ISMP TID window, derived cessation hours', () => {
    const b = findDrug('baclofen')!;
    expect(b).toMatchObject({
      strengthsMg: [5, 10, 20],
      maxDailyDoseMg: 80,
      halfLifeHours: { min: 3, max: 4 },
      defaultStrategy: 'linear',
      minStepDays: 3,
      maxStepReductionPercent: null, // [U]: the derived per-dose cap is in pace.maxStepMgPerDose
      minTaperDays: 14,
      graceMinutes: 60,
      cessationRiskHours: null, // per plan: its administration times + 4 x 3 h (watch/cessation)
      cessationMissedFraction: 0.5,
    });
    expect((b.pace as { maxStepMgPerDose: number }).maxStepMgPerDose).toBe(5);
    // Solution 1 mg/mL and suspension 5 mg/mL [S2, S3]: no single default concentration.
    expect(b.formulations).toMatchObject({
      liquid: { mgPerMl: null, concentrationsMgPerMl: [1, 5] },
    });
    expect(b.requestMustSupply).not.toContain('liquidMgPerMl');
  });

  it('leaves [U] and absent values null and says what the site must configure', () => {
    for (const code of ['sertraline', 'paroxetine', 'venlafaxine', 'pregabalin'])
      expect(findDrug(code)!.halfLifeHours).toBeNull();
    expect(findDrug('morphine')!.strengthsMg).toEqual([]);
    expect(findDrug('morphine')!.requestMustSupply).toEqual(['strengthsMg']);
    expect(findDrug('phenobarbital')!.requestMustSupply).toEqual([
      'strengthsMg',
      'stepDays',
      'maxStepReductionPercent',
    ]);
    expect(findDrug('diazepam')!.graceMinutes).toBeNull();
    expect((findDrug('diazepam')!.siteMustConfigure as string[]).join(' ')).toMatch(
      /liquid concentration/,
    );
    expect(findDrug('unobtainium')).toBeUndefined();
  });

  it('fluoxetine: only sourced facts (NICE NG222, S33), strengths from the site formulary', () => {
    const f = findDrug('fluoxetine')!;
    expect(f).toMatchObject({
      drugClass: 'ssri/snri',
      strengthsMg: [],
      halfLifeHours: null,
      maxDailyDoseMg: null,
      minStepDays: 7,
      maxStepReductionPercent: 50,
      alternateDay: true,
    });
    expect(f.requestMustSupply).toEqual(['strengthsMg']);
    expect(f.sources.map((s) => s.url)).toEqual([SOURCES.S33.url]);
  });

  it('is frozen: callers cannot change the catalogue', () => {
    expect(() => (findDrug('baclofen')!.strengthsMg as number[]).push(1)).toThrow();
  });
});
