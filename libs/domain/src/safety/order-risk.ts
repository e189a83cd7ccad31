import type { Severity, Source } from '../contract';
import { DRUGS } from '../catalogue/drugs';
import { sourcesOf, type SourceId } from '../catalogue/sources';
import type { DrugEntry } from '../catalogue/types';
import { toMg, toUg } from '../dispensing/grid';
import { bandAt, isLongUse } from './pace';

/**
 * What an EHR order does to a drug the patient takes: stops it (stopped, cancelled, replaced by
 * another drug) or changes its doses. Doses are mg of the drug itself per administration.
 */
export type OrderChange =
  | { kind: 'stop'; fromDosesMg: readonly number[] | null; how: 'stopped' | 'replaced' }
  | { kind: 'dose'; fromDosesMg: readonly number[]; toDosesMg: readonly number[] };

/** Why an order change is a withdrawal risk, in the catalogue's own sourced terms. */
export interface OrderRisk {
  drugCode: string;
  drugName: string;
  indicator: Severity;
  /** One line, for a card's summary. */
  summary: string;
  /** The sourced reasons, one sentence each. */
  reasons: string[];
  sources: Source[];
  /** What a single step may cut from the current daily dose, when the catalogue says. */
  maxCutMgPerDay: number | null;
}

/** The largest single-step cut the catalogue allows, and where each limit comes from. */
interface StepLimit {
  maxCutMg: number;
  text: string;
  sources: SourceId[];
}

const sum = (doses: readonly number[]) => toMg(doses.reduce((t, d) => t + toUg(d), 0));
const fmt = (mg: number) => `${Math.round(mg * 1000) / 1000} mg`;

/**
 * The strictest sourced limit on one step's cut from `fromDosesMg`. Percent caps are taken at
 * their full stated period (the order carries no step length, so this is the most a single step
 * could ever cut); a drug's own dose bands replace its class percent caps, as in the planner.
 * Use of unknown length counts as long use (the planner's conservative default).
 */
function stepLimits(drug: DrugEntry, fromDosesMg: readonly number[]): StepLimit[] {
  const daily = sum(fromDosesMg);
  const limits: StepLimit[] = [];
  if (drug.bands) {
    const band = bandAt(drug.bands, daily);
    limits.push({
      maxCutMg: band.capMg,
      text: `at most ${fmt(band.capMg)} a day less per step above ${fmt(band.aboveMg)} a day`,
      sources: band.sources,
    });
  } else {
    for (const cap of [drug.stepCap, isLongUse(drug, undefined) ? drug.longUseCap : null]) {
      if (!cap) continue;
      limits.push({
        maxCutMg: (daily * cap.value) / 100,
        text: `at most ${cap.value}% of the daily dose less per step${cap.perDays ? ` (per ${cap.perDays} days)` : ''}`,
        sources: cap.sources,
      });
    }
  }
  if (drug.perDoseCapMg) {
    const cap = drug.perDoseCapMg.value;
    limits.push({
      maxCutMg: sum(fromDosesMg.map((d) => Math.min(d, cap))),
      text: `at most ${fmt(cap)} less per administration per step`,
      sources: drug.perDoseCapMg.sources,
    });
  }
  if (drug.startFractionCap) {
    limits.push({
      maxCutMg: (daily * drug.startFractionCap.value) / 100,
      text: `at most ${drug.startFractionCap.value}% of the starting daily dose less per step`,
      sources: drug.startFractionCap.sources,
    });
  }
  return limits;
}

/**
 * Critical for baclofen and the benzodiazepines: the catalogue sources no dose below which
 * either is safe to stop, so every dose counts as dependence-forming. Other catalogue drugs warn.
 */
function indicatorOf(drug: DrugEntry): Severity {
  return drug.code === 'baclofen' || drug.drugClass === 'benzodiazepine' ? 'critical' : 'warning';
}

/** The risk of one order change for a catalogue drug, or null when the change is within limits. */
export function assessOrderChange(drugCode: string, change: OrderChange): OrderRisk | null {
  const drug = DRUGS.get(drugCode);
  if (!drug) return null;
  const from = change.fromDosesMg;
  const limits = from && from.length > 0 ? stepLimits(drug, from) : [];
  const strictest = limits.length ? Math.min(...limits.map((l) => l.maxCutMg)) : null;
  const fromDaily = from && from.length > 0 ? sum(from) : null;

  let summary: string;
  if (change.kind === 'dose') {
    const toDaily = sum(change.toDosesMg);
    const cut = (fromDaily ?? 0) - toDaily;
    // Within the sourced cut, or no sourced cut to judge it by: no card.
    if (toDaily > 0 && (strictest === null || cut <= strictest + 1e-9)) return null;
    summary =
      toDaily > 0
        ? `${drug.name} cut from ${fmt(fromDaily!)} to ${fmt(toDaily)} a day: faster than the sourced taper allows`
        : `${drug.name} ${fmt(fromDaily!)} a day stopped at once: withdrawal risk, taper instead`;
  } else {
    const was = fromDaily === null ? '' : ` ${fmt(fromDaily)} a day`;
    summary =
      change.how === 'replaced'
        ? `${drug.name}${was} replaced without a taper: withdrawal risk, taper instead`
        : `${drug.name}${was} stopped at once: withdrawal risk, taper instead`;
  }

  const reasons: string[] = [];
  const ids: SourceId[] = [];
  for (const limit of limits) {
    reasons.push(`${drug.name}: ${limit.text} [${limit.sources.join(', ')}].`);
    ids.push(...limit.sources);
  }
  if (drug.minTaperDays) {
    reasons.push(
      `${drug.name}: taper over at least ${drug.minTaperDays.value} days [${drug.minTaperDays.sources.join(', ')}].`,
    );
    ids.push(...drug.minTaperDays.sources);
  }
  if (reasons.length === 0) {
    // Phenobarbital: a withdrawal-risk drug whose protocol the catalogue does not source.
    reasons.push(`${drug.name}: ${drug.notes.join('; ')}.`);
    ids.push(...drug.defaultStrategy.sources);
  }
  return {
    drugCode: drug.code,
    drugName: drug.name,
    indicator: indicatorOf(drug),
    summary,
    reasons,
    sources: sourcesOf([...new Set(ids)]),
    maxCutMgPerDay: strictest === null ? null : Math.round(strictest * 1000) / 1000,
  };
}

const BY_NAME: ReadonlyMap<string, string> = new Map(
  [...DRUGS.values()].flatMap((d) => [
    [d.code.toLowerCase(), d.code],
    [d.name.toLowerCase(), d.code],
  ]),
);

/**
 * The catalogue drug a medication's text names: its first word that is a catalogue name
 * ("Baclofen 20 mg oral tablet" → baclofen). The catalogue carries no RxNorm codes, so text is
 * what can be matched without inventing codes.
 */
export function catalogueDrugNamed(text: string): string | undefined {
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const code = BY_NAME.get(word);
    if (code) return code;
  }
  return undefined;
}
