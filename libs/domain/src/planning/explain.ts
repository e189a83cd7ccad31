import type { PlanStep, RationaleItem, Warning } from '../contract';
import { SOURCES, type SourceId } from '../catalogue/sources';
import type { DrugEntry, Sourced } from '../catalogue/types';
import type { CutOrder } from '../dispensing/distribute';
import { toMg, toUg, type DoseGrid } from '../dispensing/grid';
import { bindingCap, type Cap, type Limits } from '../safety/pace';
import type { ReducedStep } from './reduce';

/** A rationale item, its source only when it has one (two literals, no spread: decision 0036). */
export const item = (rule: string, text: string, source?: SourceId): RationaleItem =>
  source ? { rule, text, source: SOURCES[source] } : { rule, text };

const origin = (v: Sourced<unknown>): string =>
  v.derived ? `derived: ${v.derived}` : `[${v.sources.join(', ')}]`;

export function stepDaysRationale(
  drug: DrugEntry,
  requested: number | undefined,
  baseDays: number,
  stretchedDays: number,
  stepDays: number,
  slowingReasons: string[],
): RationaleItem {
  const parts: string[] = [];
  if (requested !== undefined) parts.push(`${requested} days as requested`);
  else if (drug.defaultStepDays)
    parts.push(`${baseDays} days by default (${origin(drug.defaultStepDays)})`);
  else parts.push('no sourced step interval: steps spread over the minimum taper length');
  if (stretchedDays > baseDays)
    parts.push(`stretched to ${stretchedDays} days to meet the minimum taper length`);
  if (slowingReasons.length)
    parts.push(`lengthened to ${stepDays} days for ${slowingReasons.join('; ')}`);
  const source = drug.defaultStepDays?.sources[0] ?? drug.minTaperDays?.sources[0];
  return item('step length', `Each step lasts ${stepDays} days: ${parts.join(', ')}.`, source);
}

export function limitsRationale(drug: DrugEntry, limits: Limits): RationaleItem[] {
  const out: RationaleItem[] = [];
  if (limits.overridden) {
    out.push(
      item(
        'override',
        `Cut per step up to ${limits.percent}% of the previous daily dose, outside the drug's limits by override; a step the strengths cannot make within it is flagged (cut_exceeds_source).`,
      ),
    );
    return out;
  }
  if (limits.percent !== null) {
    const rate = limits.rates.find((r) => r.perDays);
    const text = `Cut per step at most ${+limits.percent.toFixed(2)}% of the previous daily dose${rate ? ` (a rate of ${rate.value}% per ${rate.perDays} days)` : ''}.`;
    out.push(item('maximum cut', text, limits.rates[0]?.sources[0]));
  }
  if (limits.lowDose) {
    out.push(
      item(
        'maximum cut',
        `Once the daily dose has halved, at most ${limits.lowDose.percent}% of the previous daily dose per step (smaller steps as the dose falls).`,
        limits.lowDose.sources[0],
      ),
    );
  }
  if (drug.perDoseCapMg) {
    // Baclofen: no source gives a percent cap ([U]); the label titration reversed is the limit.
    out.push(
      item(
        'maximum cut',
        `Each administration falls by at most ${drug.perDoseCapMg.value} mg per step, dose by dose (${origin(drug.perDoseCapMg)}).`,
        'S2',
      ),
    );
  }
  if (drug.startFractionCap) {
    out.push(
      item(
        'maximum cut',
        `At most ${drug.startFractionCap.value}% of the starting dose per step (${origin(drug.startFractionCap)}).`,
      ),
    );
  }
  if (drug.bands) {
    const replaced = drug.stepCap
      ? `; they replace the class's ${drug.stepCap.value}% ceiling`
      : '';
    out.push(
      item(
        'maximum cut',
        `Band caps: ${drug.bands.map((b) => `above ${b.aboveMg} mg/day ${b.capMg} mg`).join(', ')}${replaced}.`,
        drug.bands[0].sources[0],
      ),
    );
  }
  out.push(
    item(
      'beyond the strengths',
      `No limit is widened to fit the strengths. Where they cannot make a step within it, the plan uses the liquid where allowed${drug.alternateDay ? ', then alternate-day dosing' : ''}, then a longer step where the limit is a rate (never above its stated percent); otherwise it takes the smallest cut the formulary makes and flags that step (cut_exceeds_source). No tablet is sourced as scored, so no halves are used.`,
    ),
  );
  return out;
}

const round = (mg: number) => +mg.toFixed(3);

function capText(cap: Cap, limits: Limits): { text: string; sources: SourceId[] } {
  switch (cap.kind) {
    case 'percent': {
      const r = cap.rate;
      const rate = r.perDays ? `, ${r.value}% per ${r.perDays} days` : '';
      const what = r.sources.length ? '' : ' requested';
      return {
        text: `${round(cap.percent)}%${what} limit (${round(toMg(cap.ug))} mg${rate})`,
        sources: r.sources,
      };
    }
    case 'lowDose':
      return {
        text: `${cap.percent}% limit once the dose has halved (${round(toMg(cap.ug))} mg)`,
        sources: cap.sources,
      };
    case 'fromStart':
      return {
        text: `limit of ${round(toMg(cap.ug))} mg (derived: a quarter of the starting dose)`,
        sources: [],
      };
    case 'band':
      return {
        text: `limit of ${cap.band.capMg} mg per step above ${cap.band.aboveMg} mg/day`,
        sources: cap.band.sources,
      };
  }
  return { text: `limit${limits.overridden ? ' (override)' : ''}`, sources: [] };
}

/** What would let the step keep its limit: the liquid, a finer measure, a smaller strength. */
function fixFor(drug: DrugEntry, grid: DoseGrid, capMg: number): string {
  const fixes: string[] = [];
  const liquid = grid.formulary.liquid;
  if (drug.liquid && !liquid) {
    const c =
      drug.liquid.concentrationsMgPerMl ?? (drug.liquid.mgPerMl ? [drug.liquid.mgPerMl] : null);
    const known = c ? ` (${c.map((x) => `${x} mg/mL`).join(' or ')})` : '';
    fixes.push(`the liquid (allowLiquid with liquidMgPerMl${known})`);
  } else if (liquid) {
    fixes.push(
      `a finer liquid measure than ${liquid.stepMl} mL (liquidStepMl) or a weaker liquid (liquidMgPerMl)`,
    );
  }
  // The class's own answer: a longer-acting agent, diazepam, with its liquid [S14b, S16a].
  const benzodiazepine = drug.drugClass === 'benzodiazepine' || drug.drugClass === 'z-drug';
  if (benzodiazepine && drug.code !== 'diazepam')
    fixes.push('a switch to diazepam and its liquid (substituteWith)');
  if (!drug.tabletsMg && capMg > 0)
    fixes.push(`a strength of ${round(capMg)} mg or less (strengthsMg)`);
  if (!fixes.length)
    return 'No formulation in the catalogue makes a smaller step: confirm this step.';
  return `It would keep the limit with ${fixes.join(', or ')}.`;
}

/**
 * One `cut_exceeds_source` warning per reduction step whose cut is above its limit because the
 * formulary makes nothing smaller; `firstIndex` is the plan index of `reduced[0]`.
 */
export function cutWarnings(
  drug: DrugEntry,
  grid: DoseGrid,
  limits: Limits,
  reduced: readonly ReducedStep[],
  steps: readonly PlanStep[],
  firstIndex: number,
  startDailyMg: number,
): Warning[] {
  const out: Warning[] = [];
  reduced.forEach((r, i) => {
    if (!r.exceeds) return;
    const step = steps[firstIndex - 1 + i];
    const from = firstIndex + i >= 2 ? steps[firstIndex + i - 2].dailyDoseMg : startDailyMg;
    const cut = round(from - step.dailyDoseMg);
    const limit = r.exceeds.perDose
      ? {
          text: `limit of ${round(toMg(limits.perDoseUg!))} mg less per administration`,
          sources: drug.perDoseCapMg?.sources ?? [],
        }
      : capText(bindingCap(limits, toUg(from))!, limits);
    const cites = limit.sources.length ? ` [${limit.sources.join(', ')}]` : '';
    const warning: Warning = {
      code: 'cut_exceeds_source',
      severity: 'warning',
      stepIndex: step.index,
      message: `Step ${step.index} (${from} → ${step.dailyDoseMg} mg/day) cuts ${cut} mg, above the ${limit.text}${cites}: the strengths make no smaller step. ${fixFor(drug, grid, toMg(r.exceeds.capUg))}`,
    };
    if (limit.sources.length) warning.source = SOURCES[limit.sources[0]];
    out.push(warning);
  });
  return out;
}

export function minTaperRationale(drug: DrugEntry): RationaleItem[] {
  const m = drug.minTaperDays;
  if (!m) return [];
  return [
    item(
      'minimum taper length',
      `At least ${m.value} days from the first reduced step to the target (${origin(m)}).`,
      m.sources[0],
    ),
  ];
}

export function distributionRationale(order: CutOrder): RationaleItem {
  return order === 'sequential'
    ? item(
        'dose split',
        'Daytime doses are reduced to nothing first, the bedtime dose last (NHS Scotland schedule).',
        'S16b',
      )
    : item(
        'dose split',
        'The largest dose is cut first; among equal doses midday first, then morning, the bedtime dose kept longest (as in the VA taper tool example).',
        'S26',
      );
}

export const ROUNDING: RationaleItem = {
  rule: 'rounding',
  text: 'Each dose is made of whole tablets (no tablet is sourced as scored) or, where allowed, measured liquid; when the ideal dose cannot be made, the smaller cut is taken (unless even the smallest the strengths make is above the limit: then that step is flagged), and no dose ever rises above the previous step.',
};
