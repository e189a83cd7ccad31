import type { Problem, TaperRequestInput } from '../contract';
import type { DrugEntry } from '../catalogue/types';
import type { Formulary } from './grid';

/** Tablets: the catalogue's, or the site formulary's from the request where the catalogue has none. */
export function tabletsFor(
  drug: DrugEntry,
  input: TaperRequestInput,
): { tabletsMg: number[]; problems: Problem[] } {
  const asked = input.strengthsMg;
  if (!asked || asked.length === 0) {
    if (drug.tabletsMg) return { tabletsMg: drug.tabletsMg.value, problems: [] };
    return {
      tabletsMg: [],
      problems: [
        {
          code: 'strengths_required',
          field: 'strengthsMg',
          message: `The catalogue's sources give no tablet strengths for ${drug.name}: give the site formulary's strengths in mg.`,
        },
      ],
    };
  }
  if (asked.length > 20 || asked.some((x) => !Number.isFinite(x) || x < 0.001 || x > 10_000)) {
    return {
      tabletsMg: [],
      problems: [
        {
          code: 'invalid_strength',
          field: 'strengthsMg',
          message: 'Strengths must be 1 to 20 amounts between 0.001 and 10000 mg.',
        },
      ],
    };
  }
  if (drug.tabletsMg) {
    const known = new Set([...drug.tabletsMg.value, ...(drug.otherTabletsMg?.value ?? [])]);
    const unknown = asked.filter((x) => !known.has(x));
    if (unknown.length) {
      return {
        tabletsMg: [],
        problems: [
          {
            code: 'unknown_strength',
            field: 'strengthsMg',
            message: `${drug.name} comes as ${[...known].sort((a, b) => a - b).join(', ')} mg tablets; not ${unknown.join(', ')} mg.`,
          },
        ],
      };
    }
  }
  return { tabletsMg: [...asked].sort((a, b) => a - b), problems: [] };
}

/** The liquid, when the request allows one and the drug has one with a known concentration. */
export function liquidFor(
  drug: DrugEntry,
  input: TaperRequestInput,
): { liquid: Formulary['liquid']; problems: Problem[] } {
  if (!input.allowLiquid) return { liquid: null, problems: [] };
  if (!drug.liquid) {
    return {
      liquid: null,
      problems: [
        {
          code: 'liquid_unavailable',
          field: 'allowLiquid',
          message: `The catalogue's sources name no liquid form of ${drug.name}.`,
        },
      ],
    };
  }
  const mgPerMl = input.liquidMgPerMl ?? drug.liquid.mgPerMl;
  if (mgPerMl === null || !(mgPerMl > 0) || !Number.isFinite(mgPerMl)) {
    const known = drug.liquid.concentrationsMgPerMl;
    const message = known
      ? `${drug.name} liquids differ in concentration (${known.map((c) => `${c} mg/mL`).join(', ')} among others): give the one dispensed in mg/mL.`
      : `The catalogue's sources give no concentration for ${drug.name} liquid: give the site's in mg/mL.`;
    return {
      liquid: null,
      problems: [{ code: 'liquid_concentration_required', field: 'liquidMgPerMl', message }],
    };
  }
  const stepMl = input.liquidStepMl ?? 1;
  if (!(stepMl > 0) || !Number.isFinite(stepMl)) {
    return {
      liquid: null,
      problems: [
        {
          code: 'invalid_liquid_step',
          field: 'liquidStepMl',
          message: 'liquidStepMl must be a positive volume in mL.',
        },
      ],
    };
  }
  return { liquid: { mgPerMl, stepMl }, problems: [] };
}
