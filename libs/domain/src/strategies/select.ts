import type { RationaleItem, Strategy, TaperRequestInput } from '../contract';
import { SOURCES, type SourceId } from '../catalogue/sources';
import type { DrugEntry } from '../catalogue/types';
import type { DoseGrid } from '../dispensing/grid';
import { toMg, toUg } from '../dispensing/grid';
import type { Limits } from '../safety/pace';
import { banded, hyperbolic, linear, perDose, proportional, type NextDose } from './next-dose';

export interface Chosen {
  strategy: Strategy;
  next: NextDose;
  rationale: RationaleItem;
}

const item = (rule: string, text: string, source?: SourceId): RationaleItem =>
  source ? { rule, text, source: SOURCES[source] } : { rule, text };

/** The percent a proportional or hyperbolic taper cuts per step, and where it comes from. */
function stepPercent(
  drug: DrugEntry,
  input: TaperRequestInput,
  limits: Limits,
): { percent: number; why: string; source?: SourceId } {
  if (input.maxStepReductionPercent !== undefined)
    return { percent: input.maxStepReductionPercent, why: 'as requested' };
  const cap = limits.percent ?? Infinity;
  if (drug.proportional) {
    const p = drug.proportional;
    return {
      percent: Math.min(p.value, cap),
      why: p.derived ? `derived: ${p.derived}` : 'sourced',
      source: p.sources[0],
    };
  }
  if (limits.percent !== null)
    return {
      percent: limits.percent,
      why: "the drug's step cap",
      source: drug.stepCap?.sources[0],
    };
  // Only drugs with a derived start-fraction cap get here (phenobarbital must send a percent).
  return {
    percent: drug.startFractionCap!.value,
    why: `derived: ${drug.startFractionCap!.derived}`,
  };
}

function chooseLinear(drug: DrugEntry, limits: Limits, grid: DoseGrid, startUg: number): Chosen {
  if (drug.bands && !limits.overridden) {
    const text = drug.bands.map((b) => `above ${b.aboveMg} mg/day: -${b.stepMg} mg`).join('; ');
    return {
      strategy: 'linear',
      next: banded(drug.bands),
      rationale: item(
        'linear (dose bands)',
        `${text}. Bands shrink the steps near the end.`,
        drug.bands[0].sources[0],
      ),
    };
  }
  if (drug.perDoseCapMg && !limits.overridden) {
    const mg = drug.perDoseCapMg.value;
    return {
      strategy: 'linear',
      next: perDose(toUg(mg)),
      rationale: item(
        'linear (label titration reversed)',
        `Each step aims ${mg} mg less at every administration, dose by dose (a dose of ${mg} mg or less stops); no administration falls by more than ${mg} mg in one step: the label titration (+5 mg per dose every 3 days) run backwards.`,
        'S2',
      ),
    };
  }
  const percent = limits.percent ?? drug.startFractionCap!.value;
  // The fixed cut is the cap at the starting dose, rounded down to what the strengths can make.
  const raw = (startUg * percent) / 100;
  const delta = Math.max(grid.tickUg, Math.floor(raw / grid.tickUg) * grid.tickUg);
  return {
    strategy: 'linear',
    next: linear(delta),
    rationale: item(
      'linear',
      `-${toMg(delta)} mg/day each step: ${+percent.toFixed(2)}% of the starting dose, rounded down to the strengths.`,
      drug.stepCap?.sources[0],
    ),
  };
}

export function chooseStrategy(
  drug: DrugEntry,
  input: TaperRequestInput,
  limits: Limits,
  grid: DoseGrid,
  startUg: number,
): Chosen {
  const strategy = input.strategy ?? drug.defaultStrategy.value;
  if (strategy === 'linear') return chooseLinear(drug, limits, grid, startUg);
  const { percent, why, source } = stepPercent(drug, input, limits);
  const floor = grid.smallestDoseUg;
  if (strategy === 'proportional') {
    const low = drug.proportional?.lowDosePercent;
    const lowPercent = low === undefined ? undefined : Math.min(low, percent);
    const shrink =
      lowPercent === undefined
        ? ''
        : `, ${lowPercent}% once the dose has halved (NICE: smaller steps as the dose falls)`;
    return {
      strategy,
      next: proportional(percent, lowPercent, floor),
      rationale: item(
        'proportional',
        `-${percent}% of the current dose each step (${why})${shrink}; stop from the smallest dispensable dose (${toMg(floor)} mg)${drug.alternateDay ? ', a single daily dose going to alternate days first where no smaller daily step can be made (NICE)' : ''}.`,
        source ?? 'S33',
      ),
    };
  }
  const h = input.hyperbolic!;
  return {
    strategy,
    next: hyperbolic(h.emaxPercent, toUg(h.ed50Mg), percent, floor),
    rationale: item(
      'hyperbolic',
      `Equal drops in receptor occupancy Emax·D/(ED50+D) with Emax ${h.emaxPercent}% and ED50 ${h.ed50Mg} mg (request-supplied, [C]); each drop equals the first step's at ${percent}% (${why}); stop from the smallest dispensable dose.`,
      'S32',
    ),
  };
}
