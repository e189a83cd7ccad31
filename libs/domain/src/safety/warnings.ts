import type { TaperRequestInput, Warning } from '../contract';
import { DRUGS } from '../catalogue/drugs';
import { SOURCES } from '../catalogue/sources';
import type { DrugEntry } from '../catalogue/types';
import { isLongUse } from './pace';

/**
 * CNS depressants named in docs/clinical.md (catalogue drugs, the other benzodiazepines of S14a)
 * and alcohol.
 */
const CNS_DEPRESSANTS = new Set([
  ...[...DRUGS.values()].filter((d) => d.cnsDepressant).map((d) => d.code),
  'chlordiazepoxide',
  'oxazepam',
  'temazepam',
  'triazolam',
  'alcohol',
  'ethanol',
]);

const BETA_BLOCKER = /\b(\w+(olol|alol|ilol)|beta[- ]?blocker)\b/;

function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z-]+/);
}

function matching(
  coMedications: readonly string[] | undefined,
  test: (med: string) => boolean,
): string[] {
  return (coMedications ?? []).filter(test);
}

function cnsWarning(drug: DrugEntry, input: TaperRequestInput): Warning[] {
  if (!drug.cnsDepressant) return [];
  const self = new Set([drug.code, input.substituteWith]);
  const found = matching(input.coMedications, (m) =>
    words(m).some((w) => CNS_DEPRESSANTS.has(w) && !self.has(w)),
  );
  if (!found.length) return [];
  return [
    {
      code: 'cns_depressant_comedication',
      severity: 'warning',
      message: `Additive CNS depression with ${found.join(', ')}: monitor sedation and breathing.`,
      source: SOURCES.S12,
    },
  ];
}

function betaBlockerWarning(drug: DrugEntry, input: TaperRequestInput): Warning[] {
  if (drug.code !== 'clonidine') return [];
  const found = matching(input.coMedications, (m) => BETA_BLOCKER.test(m.toLowerCase()));
  if (!found.length) return [];
  return [
    {
      code: 'withdraw_beta_blocker_first',
      severity: 'warning',
      message: `On ${found.join(', ')}: withdraw the beta-blocker several days before this clonidine taper starts (rebound hypertension).`,
      source: SOURCES.S34b,
    },
  ];
}

function classWarnings(drug: DrugEntry, input: TaperRequestInput, dailyMg: number): Warning[] {
  const out: Warning[] = [];
  if (drug.drugClass === 'ssri/snri') {
    out.push({
      code: 'symptom_gated_steps',
      severity: 'info',
      message: 'Take the next step only when withdrawal symptoms have resolved or are tolerable.',
      source: SOURCES.S33,
    });
    if (drug.code === 'paroxetine' || drug.code === 'venlafaxine') {
      out.push({
        code: 'extra_care',
        severity: 'warning',
        message: `Extra care when stopping ${drug.name}.`,
        source: SOURCES.S33,
      });
    }
  }
  if (drug.longUseCap) {
    const long = isLongUse(drug, input.durationOfUseWeeks);
    out.push({
      code: long ? 'long_term_opioid_pace' : 'short_term_opioid_pace',
      severity: 'info',
      message: long
        ? `Use of more than a year${input.durationOfUseWeeks === undefined ? ' (assumed: duration not given)' : ''}: 10% per month or slower.`
        : 'Use of less than a year: steps up to 20% (VA/DoD ceiling).',
      source: long ? SOURCES.S23 : SOURCES.S25,
    });
  }
  if (drug.drugClass === 'corticosteroid' && input.durationOfUseWeeks !== undefined) {
    const gradual = input.durationOfUseWeeks > 3 || (dailyMg > 40 && input.durationOfUseWeeks > 1);
    out.push({
      code: gradual ? 'gradual_withdrawal_required' : 'abrupt_stop_may_be_acceptable',
      severity: 'info',
      message: gradual
        ? 'BNF: gradual withdrawal (more than 3 weeks, or more than 40 mg/day for more than a week).'
        : 'BNF: an abrupt stop may be acceptable if no other criterion applies (evening doses, repeated courses, recent long-term use); this plan still tapers.',
      source: SOURCES.S38a,
    });
  }
  return out;
}

export function requestWarnings(
  drug: DrugEntry,
  input: TaperRequestInput,
  dailyMg: number,
): Warning[] {
  return [
    ...cnsWarning(drug, input),
    ...betaBlockerWarning(drug, input),
    ...classWarnings(drug, input, dailyMg),
  ];
}
