import type { DrugView, Source } from '../contract';
import { DRUGS } from './drugs';
import { CESSATION_MISSED_FRACTION, ismpGraceMinutes } from './monitoring';
import { requestMustSupply } from './requirements';
import { sourcesOf, type SourceId } from './sources';
import type { DrugEntry, Sourced } from './types';

interface FieldSource {
  sources: Source[];
  derived?: string;
}

function fieldSource(value: Sourced<unknown> | null | undefined): FieldSource | null {
  if (!value) return null;
  const out: FieldSource = { sources: sourcesOf(value.sources) };
  if (value.derived) out.derived = value.derived;
  return out;
}

/**
 * graceMinutes exists only where the drug's frequency is sourced (else the watcher takes the ISMP
 * window of the plan's own frequency). cessationRiskHours is null for every drug: it is per plan,
 * the longest gap between the plan's administration times of the drug + CESSATION_HALF_LIVES x the
 * half-life's lower bound, or for a half-life reaching 24 h the not-taken fraction over 72 h
 * instead (drugCessationRule in monitoring.ts; README, "The watcher").
 */
function monitoring(drug: DrugEntry) {
  const freq = drug.timesPerDay;
  if (!freq) return { graceMinutes: null, grace: null };
  // The narrowest window (most frequent dosing) is the conservative one.
  const graceMinutes = ismpGraceMinutes(freq.value.max);
  const grace: Sourced<number> = {
    value: graceMinutes,
    sources: [...freq.sources, 'S40a', 'S40c'],
    derived: `ISMP window for ${freq.value.label}`,
  };
  return { graceMinutes, grace };
}

function siteMustConfigure(drug: DrugEntry): string[] {
  const items = [...drug.notes];
  if (drug.liquid && drug.liquid.mgPerMl === null)
    items.push(
      drug.liquid.concentrationsMgPerMl
        ? `liquid concentration: ${drug.liquid.concentrationsMgPerMl.join(' or ')} mg/mL or another (request liquidMgPerMl)`
        : 'liquid concentration (request liquidMgPerMl)',
    );
  if (!drug.maxDailyDoseMg) items.push('maximum daily dose: not in the sources');
  return items;
}

function allSourceIds(drug: DrugEntry): SourceId[] {
  const ids = new Set<SourceId>();
  const add = (v: { sources: SourceId[] } | null | undefined) =>
    v?.sources.forEach((id) => ids.add(id));
  [
    drug.tabletsMg,
    drug.otherTabletsMg,
    drug.liquid,
    drug.maxDailyDoseMg,
    drug.halfLifeHours,
    drug.timesPerDay,
    drug.defaultStrategy,
    drug.minStepDays,
    drug.defaultStepDays,
    drug.stepCap,
    drug.longUseCap,
    drug.perDoseCapMg,
    drug.titration,
    drug.startFractionCap,
    drug.proportional,
    drug.minTaperDays,
    drug.diazepamEquivalence,
    drug.alternateDay,
    ...(drug.bands ?? []),
  ].forEach(add);
  if (drug.timesPerDay) ['S40a', 'S40c'].forEach((id) => ids.add(id as SourceId));
  return [...ids];
}

function toView(drug: DrugEntry): DrugView {
  const m = monitoring(drug);
  return {
    code: drug.code,
    name: drug.name,
    drugClass: drug.drugClass,
    routes: [...drug.routes],
    strengthsMg: drug.tabletsMg ? [...drug.tabletsMg.value] : [],
    maxDailyDoseMg: drug.maxDailyDoseMg?.value ?? null,
    halfLifeHours: drug.halfLifeHours ? { ...drug.halfLifeHours.value } : null,
    defaultStrategy: drug.defaultStrategy.value,
    minStepDays: drug.minStepDays?.value ?? null,
    maxStepReductionPercent: drug.stepCap?.value ?? null,
    minTaperDays: drug.minTaperDays?.value ?? null,
    graceMinutes: m.graceMinutes,
    cessationRiskHours: null,
    cessationMissedFraction: CESSATION_MISSED_FRACTION,
    sources: sourcesOf(allSourceIds(drug)),
    formulations: formulationsOf(drug),
    dosingFrequency: drug.timesPerDay ? { ...drug.timesPerDay.value } : null,
    pace: paceOf(drug),
    diazepamEquivalence: drug.diazepamEquivalence ? { ...drug.diazepamEquivalence.value } : null,
    alternateDay: Boolean(drug.alternateDay),
    // Only a drug whose titration schedule has a source can be titrated (goal titrate).
    titration: drug.titration ? { ...drug.titration.value } : null,
    fieldSources: fieldSourcesOf(drug, m),
    requestMustSupply: requestMustSupply(drug),
    siteMustConfigure: siteMustConfigure(drug),
  };
}

function formulationsOf(drug: DrugEntry): DrugView['formulations'] {
  return {
    tabletsMg: drug.tabletsMg ? [...drug.tabletsMg.value] : null,
    otherTabletsMg: drug.otherTabletsMg ? [...drug.otherTabletsMg.value] : [],
    // No source in docs/clinical.md says any of these tablets is scored.
    scoredHalves: false,
    liquid: drug.liquid
      ? {
          description: drug.liquid.description,
          mgPerMl: drug.liquid.mgPerMl,
          concentrationsMgPerMl: drug.liquid.concentrationsMgPerMl ?? [],
        }
      : null,
  };
}

function paceOf(drug: DrugEntry): DrugView['pace'] {
  return {
    defaultStepDays: drug.defaultStepDays?.value ?? null,
    maxStepReductionPerDays: drug.stepCap?.perDays ?? null,
    longUseCap: drug.longUseCap
      ? {
          percent: drug.longUseCap.value,
          perDays: drug.longUseCap.perDays,
          afterWeeks: drug.longUseCap.afterWeeks,
        }
      : null,
    maxStepMgPerDose: drug.perDoseCapMg?.value ?? null,
    maxStepPercentOfStartDose: drug.startFractionCap?.value ?? null,
    proportionalPercent: drug.proportional?.value ?? null,
    bands:
      drug.bands?.map((b) => ({ aboveMg: b.aboveMg, stepMg: b.stepMg, capMg: b.capMg })) ?? null,
  };
}

/** Where each field of the view comes from: its sources, or how it was derived. */
function fieldSourcesOf(
  drug: DrugEntry,
  m: ReturnType<typeof monitoring>,
): DrugView['fieldSources'] {
  return {
    strengthsMg: fieldSource(drug.tabletsMg),
    maxDailyDoseMg: fieldSource(drug.maxDailyDoseMg),
    halfLifeHours: fieldSource(drug.halfLifeHours),
    defaultStrategy: fieldSource(drug.defaultStrategy),
    minStepDays: fieldSource(drug.minStepDays),
    maxStepReductionPercent: fieldSource(drug.stepCap),
    minTaperDays: fieldSource(drug.minTaperDays),
    graceMinutes: fieldSource(m.grace),
    cessationRiskHours: null,
    cessationMissedFraction: {
      sources: [],
      derived: 'proposed missed-dose rule (b): under half the scheduled daily dose taken, [C]',
    },
    dosingFrequency: fieldSource(drug.timesPerDay),
    defaultStepDays: fieldSource(drug.defaultStepDays),
    maxStepMgPerDose: fieldSource(drug.perDoseCapMg),
    maxStepPercentOfStartDose: fieldSource(drug.startFractionCap),
    longUseCap: fieldSource(drug.longUseCap),
    proportionalPercent: fieldSource(drug.proportional),
    diazepamEquivalence: fieldSource(drug.diazepamEquivalence),
    alternateDay: fieldSource(drug.alternateDay),
    titration: fieldSource(drug.titration),
    liquid: drug.liquid ? { sources: sourcesOf(drug.liquid.sources) } : null,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// Built once: the catalogue is constant and the API serves it on every GET /v1/drugs.
const VIEWS: readonly DrugView[] = deepFreeze([...DRUGS.values()].map(toView));
const BY_CODE = new Map(VIEWS.map((v) => [v.code, v]));

export function listDrugs(): DrugView[] {
  return [...VIEWS];
}

export function findDrug(code: string): DrugView | undefined {
  return BY_CODE.get(code);
}
