import type { RationaleItem } from '../contract';
import { SOURCES, type SourceId } from '../catalogue/sources';
import type { DrugEntry, Sourced } from '../catalogue/types';
import type { CutOrder } from '../dispensing/distribute';
import { toMg } from '../dispensing/grid';
import type { Limits } from '../safety/pace';

const item = (rule: string, text: string, source?: SourceId): RationaleItem =>
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
        `Cut per step up to ${limits.percent}% of the previous daily dose, outside the drug's limits by override.`,
      ),
    );
    return out;
  }
  if (limits.percent !== null) {
    const cap = drug.stepCap ?? drug.longUseCap;
    const text = `Cut per step at most ${+limits.percent.toFixed(2)}% of the previous daily dose${cap?.perDays ? ` (a rate of ${cap.value}% per ${cap.perDays} days)` : ''}.`;
    out.push(item('maximum cut', text, cap?.sources[0]));
  }
  if (drug.perDoseCapMg) {
    // Baclofen: no source gives a percent cap ([U]); the label titration reversed is the limit.
    out.push(
      item(
        'maximum cut',
        `At most ${drug.perDoseCapMg.value} mg less per administration per step (${origin(drug.perDoseCapMg)}).`,
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
    out.push(
      item(
        'maximum cut',
        `Band caps: ${drug.bands.map((b) => `above ${b.aboveMg} mg ${b.capMg} mg`).join(', ')}.`,
        drug.bands[0].sources[0],
      ),
    );
  }
  out.push(
    item(
      'smallest step',
      `A step may always cut one smallest tablet (${toMg(limits.smallestTabletUg)} mg), the least the strengths can make.`,
    ),
  );
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
  text: 'Each dose is made of whole tablets (no tablet is sourced as scored) or, where allowed, measured liquid; when the ideal dose cannot be made, the smaller cut is taken, and no dose ever rises (CLINICAL.md section 3: never above the previous step).',
};
