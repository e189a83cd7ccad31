import type { PatientFacts, Warning } from '../contract';
import type { DrugEntry } from '../catalogue/types';
import { SOURCES } from '../catalogue/sources';
import { ageInYears, isIsoDate } from '../dates';

/** How much longer each step is for this patient, and why. */
export interface Slowing {
  factor: number;
  warnings: Warning[];
  reasons: string[];
}

/*
 * Baclofen CKD bands [S6]: CrCl > 80 normal; 50-80, 30-50 and < 30 mL/min had mean dose
 * reductions of 1/3, 1/2 and 2/3 (band mapping inferred in docs/clinical.md#baclofen, multipliers
 * [C]). The exposure ratio 1 / (1 - reduction) lengthens each step by 1.5, 2 and 3 (derived).
 */
const BACLOFEN_RENAL = [
  { belowOrAt: 80, above: 50, factor: 1.5, reduction: '1/3', label: 'mild (CrCl 50-80 mL/min)' },
  { belowOrAt: 50, above: 30, factor: 2, reduction: '1/2', label: 'moderate (CrCl 30-50 mL/min)' },
  {
    belowOrAt: 30,
    above: -Infinity,
    factor: 3,
    reduction: '2/3',
    label: 'severe (CrCl < 30 mL/min)',
  },
];

export type RenalBand = (typeof BACLOFEN_RENAL)[number];

/**
 * The patient's CKD band [S6] where the drug has one: `factor` lengthens steps, and 1 / factor
 * is the share of the usual dose kept (the band's mean reduction).
 */
export function renalBand(drug: DrugEntry, crcl: number | null | undefined): RenalBand | null {
  if (drug.code !== 'baclofen' || crcl === null || crcl === undefined) return null;
  return BACLOFEN_RENAL.find((b) => crcl <= b.belowOrAt && crcl > b.above) ?? null;
}

/** The renal part of patientSlowing alone (titration leaves age to the prescriber: [S4] has no number). */
export function renal(drug: DrugEntry, crcl: number | null | undefined, dailyMg: number): Slowing {
  const band = renalBand(drug, crcl);
  if (!band || crcl === null || crcl === undefined) return { factor: 1, warnings: [], reasons: [] };
  const severe = crcl < 30;
  const warnings: Warning[] = [
    {
      code: 'renal_impairment',
      severity: severe ? 'critical' : 'warning',
      message: `Baclofen is cleared by the kidneys; ${band.label}: steps lengthened x${band.factor}. ${
        severe
          ? 'Severe impairment: reduced dose and close monitoring; dialysis about 5 mg/day; ESRD only if benefit outweighs risk.'
          : 'Monitor for toxicity.'
      }`,
      source: SOURCES[severe ? 'S4' : 'S6'],
    },
  ];
  if (crcl < 60 && dailyMg >= 20) {
    warnings.push({
      code: 'renal_encephalopathy_risk',
      severity: 'warning',
      message:
        'Older adults with eGFR < 60 on 20 mg/day or more had more encephalopathy admissions within 30 days.',
      source: SOURCES.S7,
    });
  }
  return {
    factor: band.factor,
    warnings,
    reasons: [`renal function ${band.label}: x${band.factor} [S6]`],
  };
}

/**
 * Age 65 or more: steps twice as long. Derived from Ashton's "half adult doses" for older
 * people [S18] (half the rate of reduction); the baclofen monograph asks for a very cautious
 * schedule [S4].
 */
function age(drug: DrugEntry, facts: PatientFacts): Slowing {
  if (!facts.birthDate || !isIsoDate(facts.birthDate) || !isIsoDate(facts.today))
    return { factor: 1, warnings: [], reasons: [] };
  const years = ageInYears(facts.birthDate, facts.today);
  if (years < 65) return { factor: 1, warnings: [], reasons: [] };
  return {
    factor: 2,
    warnings: [
      {
        code: 'older_adult',
        severity: 'warning',
        message: `Patient is ${years}: more sensitive to withdrawal and adverse effects; steps doubled in length.`,
        source: drug.code === 'baclofen' ? SOURCES.S4 : SOURCES.S18,
      },
    ],
    reasons: [`age ${years} (65 or more): x2 [S18${drug.code === 'baclofen' ? ', S4' : ''}]`],
  };
}

/** The slower of the renal and age adjustments (they are not multiplied: both lengthen steps). */
export function patientSlowing(drug: DrugEntry, facts: PatientFacts, dailyMg: number): Slowing {
  const r = renal(drug, facts.creatinineClearanceMlMin, dailyMg);
  const a = age(drug, facts);
  return {
    factor: Math.max(r.factor, a.factor),
    warnings: [...r.warnings, ...a.warnings],
    reasons: [...r.reasons, ...a.reasons],
  };
}
