import type { DoseBand, DrugClass, DrugEntry, PercentCap, Sourced } from './types';
import type { SourceId } from './sources';

/*
 * The catalogue, transcribed from docs/clinical.md. Rules of transcription:
 * - [D] values are used as defaults and hard guards; [C] values are defaults a clinician may
 *   change through the request; [U] values and anything absent are null (the request must supply
 *   them, or the drug view lists them under siteMustConfigure).
 * - A value marked `derived` is computed here from sourced values; the text says how.
 */

const s = <T>(value: T, sources: SourceId[], derived?: string): Sourced<T> =>
  derived === undefined ? { value, sources } : { value, sources, derived };

const ORAL = ['oral'] as const;

/** Oral route; no strengths, liquid, maximum, half-life or frequency in the sources. */
const NOT_IN_THE_SOURCES = {
  routes: ORAL,
  tabletsMg: null,
  liquid: null,
  maxDailyDoseMg: null,
  halfLifeHours: null,
  timesPerDay: null,
} as const;

const halfLife = (min: number, max: number, source: SourceId) => s({ min, max }, [source]);
/** NHS Scotland: `mg` of the drug is about diazepam 5 mg [S16a]. */
const nhsScotland = (mg: number) => s({ mg, diazepamMg: 5 }, ['S16a']);

/** Benzodiazepine class ceiling: "generally not more than 25% every 2 weeks" [S14b, S14c]. */
const BZD_CAP: PercentCap = { value: 25, perDays: 14, sources: ['S14b', 'S14c'] };

/**
 * CKS diazepam bands [S17]. The planned cut is the upper end of each band above 20 mg, and 1 mg
 * from 20 mg down, which is NHS Scotland's published schedule (G1) [S16b] and inside every CKS band
 * below 20 mg; the cap is CKS's upper end. From 40 mg at 2-week steps this gives 50 weeks (CKS:
 * 30-60 weeks).
 */
const DIAZEPAM_BANDS: DoseBand[] = [
  { aboveMg: 20, stepMg: 4, capMg: 4, sources: ['S17'] },
  { aboveMg: 10, stepMg: 1, capMg: 2, sources: ['S17', 'S16b'] },
  { aboveMg: 5, stepMg: 1, capMg: 1, sources: ['S17'] },
  { aboveMg: 0, stepMg: 1, capMg: 1, sources: ['S17', 'S16b'] },
];

/** NZ prednisone protocol, every 1-2 weeks [S38b]; below 5 mg it gives no step, so 1 mg continues. */
const PREDNISOLONE_BANDS: DoseBand[] = [
  { aboveMg: 60, stepMg: 10, capMg: 10, sources: ['S38b'] },
  { aboveMg: 20, stepMg: 5, capMg: 5, sources: ['S38b'] },
  { aboveMg: 10, stepMg: 2.5, capMg: 2.5, sources: ['S38b'] },
  { aboveMg: 5, stepMg: 1, capMg: 1, sources: ['S38b'] },
  {
    aboveMg: 0,
    stepMg: 1,
    capMg: 1,
    sources: ['S38b'],
    derived: 'the source stops at 5 mg; its smallest step (1 mg) is kept down to 0',
  },
];

/**
 * Drugs whose sources give only a minimum taper length: four equal linear cuts of 25% of the
 * starting dose, spread over at least that length. 25% is the strictest sourced per-step class
 * ceiling (benzodiazepines, Z-drugs); no source gives a step for these drugs.
 */
const EQUAL_QUARTERS = s(
  25,
  [],
  'no sourced step size: four equal cuts of 25% of the starting dose (the strictest sourced class ceiling, S14b)',
);

const STRENGTHS_FROM_FORMULARY =
  'tablet strengths: not in the sources, from the site formulary (request strengthsMg)';
const FREQUENCY_FROM_FORMULARY =
  "dosing frequency: not in the sources (graceMinutes and cessationRiskHours follow from the plan's administration times)";

function benzodiazepine(
  code: string,
  name: string,
  halfLife: Sourced<{ min: number; max: number }>,
  equivalence: Sourced<{ mg: number; diazepamMg: number }> | undefined,
): DrugEntry {
  return {
    code,
    name,
    drugClass: 'benzodiazepine',
    ...NOT_IN_THE_SOURCES,
    halfLifeHours: halfLife,
    defaultStrategy: s('proportional', ['S14b']),
    minStepDays: s(14, ['S14b'], 'typical reduction every 2-4 weeks: the shorter interval'),
    defaultStepDays: s(14, ['S14b']),
    stepCap: BZD_CAP,
    proportional: s(10, ['S14b'], 'typical initial reduction 5-10%: the upper end'),
    minTaperDays: null,
    ...(equivalence ? { diazepamEquivalence: equivalence } : {}),
    cnsDepressant: true,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'crossover to diazepam (substituteWith) follows NHS Scotland [S16a, S16b]',
      ...(equivalence
        ? []
        : ['diazepam equivalence: sources differ twofold [S14a]; request diazepamMgPerMg']),
    ],
  };
}

function zDrug(
  code: string,
  name: string,
  halfLife: Sourced<{ min: number; max: number }>,
  equivalence: Sourced<{ mg: number; diazepamMg: number }>,
): DrugEntry {
  return {
    ...benzodiazepine(code, name, halfLife, equivalence),
    drugClass: 'z-drug',
    proportional: s(25, ['S21'], '25% every 2 weeks to the lowest strength, then stop'),
    stepCap: { ...BZD_CAP, sources: ['S14b', 'S21'] },
  };
}

function minimumLengthOnly(
  code: string,
  name: string,
  drugClass: DrugClass,
  minTaperDays: Sourced<number>,
  cnsDepressant: boolean,
): DrugEntry {
  return {
    code,
    name,
    drugClass,
    ...NOT_IN_THE_SOURCES,
    defaultStrategy: s('linear', minTaperDays.sources),
    minStepDays: null,
    defaultStepDays: null,
    stepCap: null,
    startFractionCap: EQUAL_QUARTERS,
    proportional: null,
    minTaperDays,
    cnsDepressant,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'step size and step interval: not in the sources; derived default spreads four equal cuts over the minimum taper length',
    ],
  };
}

function opioid(code: string, name: string): DrugEntry {
  return {
    code,
    name,
    drugClass: 'opioid',
    ...NOT_IN_THE_SOURCES,
    defaultStrategy: s('linear', ['S23', 'S26']),
    minStepDays: s(7, ['S25'], 'VA/DoD: 5-20% per week when risk is high'),
    defaultStepDays: s(28, ['S25'], 'VA/DoD: every 4 weeks'),
    stepCap: { value: 20, perDays: null, sources: ['S25'] },
    longUseCap: { value: 10, perDays: 28, afterWeeks: 52, sources: ['S23'] },
    proportional: s(10, ['S23']),
    minTaperDays: null,
    cnsDepressant: true,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'half-life and withdrawal onset: unverified [U]',
      'use of unknown length is treated as more than a year (CDC 10%/month)',
    ],
  };
}

function antidepressant(code: string, name: string, drugClassNote?: string): DrugEntry {
  return {
    code,
    name,
    drugClass: 'ssri/snri',
    routes: ORAL,
    tabletsMg: null,
    liquid: {
      description: 'liquid for small doses (NICE); concentration from the site',
      mgPerMl: null,
      sources: ['S33'],
    },
    maxDailyDoseMg: null,
    halfLifeHours: null,
    timesPerDay: null,
    defaultStrategy: s('proportional', ['S33']),
    minStepDays: null,
    defaultStepDays: null,
    stepCap: { value: 50, perDays: null, sources: ['S33'] },
    proportional: { ...s(50, ['S33']), lowDosePercent: 25 },
    minTaperDays: null,
    cnsDepressant: false,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'step interval: NICE gates each step on symptoms, no fixed interval: request stepDays',
      'half-life: unverified [U]',
      ...(drugClassNote ? [drugClassNote] : []),
    ],
  };
}

const ENTRIES: DrugEntry[] = [
  {
    code: 'baclofen',
    name: 'Baclofen',
    drugClass: 'muscle relaxant',
    routes: ORAL,
    tabletsMg: s([5, 10, 20], ['S1', 'S3']),
    otherTabletsMg: s([15], ['S1', 'S3'], 'some generics only'),
    liquid: {
      description:
        'oral solution 5 mg/5 mL (1 mg/mL) and other concentrations; suspension 25 mg/5 mL (5 mg/mL); order in mg and mL',
      // The concentrations differ fivefold: a plan using the liquid names the one dispensed.
      mgPerMl: null,
      concentrationsMgPerMl: [1, 5],
      sources: ['S2', 'S3'],
    },
    maxDailyDoseMg: s(80, ['S2', 'S3', 'S4']),
    halfLifeHours: s({ min: 3, max: 4 }, ['S5b']),
    timesPerDay: s({ min: 3, max: 4, label: 'TID to QID' }, ['S2', 'S3']),
    defaultStrategy: s('linear', ['S2', 'S3'], 'the label titration run backwards'),
    minStepDays: s(3, ['S2', 'S3'], 'label titration steps every 3 days, run backwards'),
    defaultStepDays: s(3, ['S2', 'S3'], 'label titration steps every 3 days, run backwards'),
    // No source gives a percent cap ([U]). The conservative derived limit is the label's
    // titration run backwards: at most 5 mg less per administration per step.
    stepCap: null,
    perDoseCapMg: s(
      5,
      ['S2', 'S3'],
      'label titration (+5 mg per dose every 3 days) run backwards; no sourced percent cap',
    ),
    titration: s(
      { startMgPerDose: 5, stepMgPerDose: 5, stepDays: 3 },
      ['S2', 'S3'],
      'label: 5 mg TID x3 d, then +5 mg per dose every 3 days (to 20 mg TID); at most 80 mg/day',
    ),
    proportional: s(
      25,
      ['S2', 'S3'],
      'no sourced percent: the first reverse titration step from the maximum (20 to 15 mg per dose)',
    ),
    minTaperDays: s(14, ['S4', 'S5a'], 'conservative reading of "1 to 2 weeks"'),
    cnsDepressant: true,
    notes: [
      'renal impairment: CrCl bands of S6 lengthen steps (multipliers [C])',
      'older adults: very cautious schedule [S4]',
      'sub-5 mg steps need the liquid',
    ],
  },
  {
    code: 'diazepam',
    name: 'Diazepam',
    drugClass: 'benzodiazepine',
    routes: ORAL,
    tabletsMg: s([2, 5, 10], ['S17']),
    liquid: {
      description: 'oral liquid; concentration from the site',
      mgPerMl: null,
      sources: ['S17', 'S16a'],
    },
    maxDailyDoseMg: null,
    halfLifeHours: s({ min: 20, max: 100 }, ['S16a']),
    timesPerDay: null,
    defaultStrategy: s('linear', ['S17']),
    minStepDays: s(7, ['S17'], 'CKS: per 1-2 weeks'),
    defaultStepDays: s(14, ['S17', 'S14b'], 'CKS: per 1-2 weeks, the slower end'),
    stepCap: BZD_CAP,
    bands: DIAZEPAM_BANDS,
    proportional: s(10, ['S14b'], 'typical initial reduction 5-10%: the upper end'),
    minTaperDays: null,
    diazepamEquivalence: s({ mg: 1, diazepamMg: 1 }, ['S16a']),
    cnsDepressant: true,
    notes: [FREQUENCY_FROM_FORMULARY, 'metabolite half-life 36-200 h [S16a]'],
  },
  benzodiazepine('alprazolam', 'Alprazolam', halfLife(6, 20, 'S20'), undefined),
  benzodiazepine('clonazepam', 'Clonazepam', halfLife(18, 50, 'S16a'), nhsScotland(0.25)),
  benzodiazepine('lorazepam', 'Lorazepam', halfLife(10, 20, 'S16a'), nhsScotland(0.5)),
  zDrug('zolpidem', 'Zolpidem', halfLife(2, 2, 'S16a'), nhsScotland(10)),
  zDrug('zopiclone', 'Zopiclone', halfLife(5, 6, 'S16a'), nhsScotland(7.5)),
  minimumLengthOnly('gabapentin', 'Gabapentin', 'gabapentinoid', s(7, ['S37']), true),
  minimumLengthOnly('pregabalin', 'Pregabalin', 'gabapentinoid', s(7, ['S22']), true),
  opioid('morphine', 'Morphine'),
  opioid('oxycodone', 'Oxycodone'),
  antidepressant('citalopram', 'Citalopram'),
  antidepressant('sertraline', 'Sertraline'),
  antidepressant('paroxetine', 'Paroxetine', 'extra care when stopping [S33]'),
  antidepressant('venlafaxine', 'Venlafaxine', 'extra care when stopping [S33]'),
  {
    ...antidepressant('fluoxetine', 'Fluoxetine'),
    // NICE: "fluoxetine 20 mg may go alternate-day, allowing 1-2 weeks per step" [S33].
    minStepDays: s(7, ['S33'], '1-2 weeks per step: the shorter'),
    defaultStepDays: s(14, ['S33'], '1-2 weeks per step: the longer'),
    alternateDay: s(true, ['S33']),
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'alternate-day dosing as one step where the strengths make no smaller daily step, 1-2 weeks per step [S33]',
      'next step only when symptoms have resolved or are tolerable [S33]',
      'half-life: unverified [U]',
    ],
  },
  {
    ...minimumLengthOnly('clonidine', 'Clonidine', 'alpha-2 agonist', s(2, ['S34b']), false),
    tabletsMg: s([0.1, 0.2, 0.3], ['S34a']),
    notes: [
      FREQUENCY_FROM_FORMULARY,
      'on a beta-blocker: withdraw the beta-blocker several days first [S34b]',
      'step size and step interval: not in the sources; derived default spreads four equal cuts over the minimum taper length',
    ],
  },
  minimumLengthOnly(
    'metoprolol',
    'Metoprolol',
    'beta-blocker',
    s(7, ['S35'], 'reduce over 1-2 weeks: the shorter'),
    false,
  ),
  minimumLengthOnly(
    'propranolol',
    'Propranolol',
    'beta-blocker',
    s(14, ['S36'], 'at least 2 weeks in angina/IHD, applied to everyone'),
    false,
  ),
  {
    code: 'prednisolone',
    name: 'Prednisolone',
    drugClass: 'corticosteroid',
    ...NOT_IN_THE_SOURCES,
    defaultStrategy: s('linear', ['S38b']),
    minStepDays: s(7, ['S38b'], 'every 1-2 weeks: the shorter'),
    defaultStepDays: s(14, ['S38b'], 'every 1-2 weeks: the longer'),
    stepCap: null,
    bands: PREDNISOLONE_BANDS,
    proportional: null,
    minTaperDays: null,
    cnsDepressant: false,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'steps are [C]: clinician to confirm',
      'BNF criteria decide whether a gradual withdrawal is needed at all [S38a]',
    ],
  },
  {
    code: 'phenobarbital',
    name: 'Phenobarbital',
    drugClass: 'barbiturate',
    routes: ORAL,
    tabletsMg: null,
    liquid: null,
    maxDailyDoseMg: null,
    halfLifeHours: s({ min: 57.5, max: 86 }, ['S39a'], 'mean in sedative users and in volunteers'),
    timesPerDay: null,
    defaultStrategy: s('linear', []),
    minStepDays: null,
    defaultStepDays: null,
    stepCap: null,
    proportional: null,
    minTaperDays: null,
    cnsDepressant: true,
    notes: [
      STRENGTHS_FROM_FORMULARY,
      FREQUENCY_FROM_FORMULARY,
      'withdrawal protocol: unverified [U]; request stepDays and maxStepReductionPercent (neurology)',
    ],
  },
];

export const DRUGS: ReadonlyMap<string, DrugEntry> = new Map(ENTRIES.map((d) => [d.code, d]));
