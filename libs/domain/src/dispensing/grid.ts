import type { DoseUnit } from '../contract';

/**
 * Dispensable amounts for one administration. Amounts are integer micrograms so sums are exact;
 * the table is indexed in "ticks" (the gcd of every strength) and built once per formulary by a
 * coin-change DP, so finding the next lower dispensable dose is O(1) and nothing searches
 * combinations.
 */

export interface Formulary {
  /** Tablet strengths in mg. No halves: no source names a scored tablet. */
  tabletsMg: readonly number[];
  /** A liquid measured in whole `stepMl` volumes, when the request allows one. */
  liquid: { mgPerMl: number; stepMl: number } | null;
}

export const UG_PER_MG = 1000;
/** Beyond this many ticks per administration the formulary is unusably fine for the dose. */
export const MAX_TICKS = 200_000;

export const toUg = (mg: number): number => Math.round(mg * UG_PER_MG);
export const toMg = (ug: number): number => ug / UG_PER_MG;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export class DoseGrid {
  readonly tickUg: number;
  readonly smallestTabletUg: number;
  /** Smallest dispensable amount above zero (a liquid step may be below the smallest tablet). */
  readonly smallestDoseUg: number;
  private readonly strengthTicks: number[];
  private readonly liquidTicks: number;
  private tablets = new Int32Array(1); // tablet count of the cheapest combination, -1 if none
  private lastStrength = new Int8Array(1);
  private prevLevel = new Int32Array(1); // largest dispensable tick count below the index
  private size = 1;

  constructor(readonly formulary: Formulary) {
    const strengthsUg = [...new Set(formulary.tabletsMg.map(toUg))].sort((a, b) => b - a);
    const liquidUg = formulary.liquid
      ? toUg(formulary.liquid.mgPerMl * formulary.liquid.stepMl)
      : 0;
    this.tickUg = [...strengthsUg, ...(liquidUg ? [liquidUg] : [])].reduce(gcd);
    this.strengthTicks = strengthsUg.map((s) => s / this.tickUg);
    this.liquidTicks = liquidUg / this.tickUg;
    this.smallestTabletUg = strengthsUg[strengthsUg.length - 1];
    this.smallestDoseUg = liquidUg
      ? Math.min(liquidUg, this.smallestTabletUg)
      : this.smallestTabletUg;
  }

  /** Grows the tables to cover `ug`; false when that would exceed MAX_TICKS. */
  ensure(ug: number): boolean {
    const need = Math.ceil(ug / this.tickUg) + 1;
    if (need <= this.size) return true;
    if (need > MAX_TICKS) return false;
    const size = Math.min(MAX_TICKS, Math.max(need, this.size * 2));
    const tablets = new Int32Array(size).fill(-1);
    const last = new Int8Array(size);
    const prev = new Int32Array(size);
    tablets[0] = 0;
    prev[0] = -1;
    for (let u = 1; u < size; u++) {
      // Strengths are sorted largest first and only a strictly better count wins: ties keep
      // the larger tablets, so a dose uses as few and as large tablets as possible.
      for (let i = 0; i < this.strengthTicks.length; i++) {
        const rest = u - this.strengthTicks[i];
        if (rest >= 0 && tablets[rest] >= 0 && (tablets[u] < 0 || tablets[rest] + 1 < tablets[u])) {
          tablets[u] = tablets[rest] + 1;
          last[u] = i;
        }
      }
      prev[u] = this.isLevelTick(tablets, u - 1) ? u - 1 : prev[u - 1];
    }
    this.tablets = tablets;
    this.lastStrength = last;
    this.prevLevel = prev;
    this.size = size;
    return true;
  }

  private isLevelTick(tablets: Int32Array, u: number): boolean {
    return tablets[u] >= 0 || (this.liquidTicks > 0 && u % this.liquidTicks === 0);
  }

  isDispensable(ug: number): boolean {
    if (ug % this.tickUg !== 0 || !this.ensure(ug)) return false;
    return this.isLevelTick(this.tablets, ug / this.tickUg);
  }

  /** The largest dispensable amount strictly below `ug` > 0 (0 is always dispensable). */
  nextLower(ug: number): number {
    this.ensure(ug);
    return this.prevLevel[Math.ceil(ug / this.tickUg)] * this.tickUg;
  }

  /** The largest dispensable amount at or below `ug`. */
  atOrBelow(ug: number): number {
    return this.isDispensable(ug) ? ug : this.nextLower(ug);
  }

  /** The tablets (or liquid volume) that make a dispensable amount. */
  units(ug: number): DoseUnit[] {
    let t = ug / this.tickUg;
    if (this.tablets[t] < 0) {
      const liquid = this.formulary.liquid!;
      const ml = (t / this.liquidTicks) * liquid.stepMl;
      return [{ strengthMg: liquid.mgPerMl, count: Math.round(ml * 1000) / 1000, form: 'liquid' }];
    }
    // Counted by strength index (largest strength first), with no Map, sort or entry arrays:
    // this runs for every dose of every plan.
    const counts: number[] = this.strengthTicks.map(() => 0);
    while (t > 0) {
      const i = this.lastStrength[t];
      counts[i]++;
      t -= this.strengthTicks[i];
    }
    const out: DoseUnit[] = [];
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        out.push({
          strengthMg: toMg(this.strengthTicks[i] * this.tickUg),
          count: counts[i],
          form: 'tablet',
        });
      }
    }
    return out;
  }
}

const GRIDS = new Map<string, DoseGrid>();

/** One grid per formulary, shared across plans (the tables only ever grow). */
export function gridFor(formulary: Formulary): DoseGrid {
  const key = `${formulary.tabletsMg.join(',')}|${formulary.liquid ? `${formulary.liquid.mgPerMl}/${formulary.liquid.stepMl}` : ''}`;
  let grid = GRIDS.get(key);
  if (!grid) {
    if (GRIDS.size > 500) GRIDS.clear(); // request-supplied formularies must not grow memory forever
    grid = new DoseGrid(formulary);
    GRIDS.set(key, grid);
  }
  return grid;
}
