import type { DoseGrid } from './grid';

/**
 * How a daily cut is shared among the administration times (times sorted through the day).
 *
 * `balanced` (every plan): cut the largest dose by one dispensable level at a time; among equal
 * doses cut midday doses first, then the morning dose, and keep the bedtime dose longest. This
 * reproduces the VA Opioid Taper Decision Tool's "slowest" example step for step (G3) [S26].
 * If cutting the largest dose would overshoot the step, the next largest that fits is cut.
 *
 * `sequential` (benzodiazepine crossover only): NHS Scotland's switching schedule reduces one
 * dose to nothing before the next, daytime doses first and the bedtime dose last (G1) [S16b].
 */
export type CutOrder = 'balanced' | 'sequential';

const SEQUENCES: number[][] = [];

/** Positions in cut order: midday doses (earliest first), then morning, then bedtime. */
export function cutSequence(n: number): readonly number[] {
  let seq = SEQUENCES[n];
  if (!seq) {
    seq =
      n <= 2
        ? Array.from({ length: n }, (_, i) => i)
        : [...Array.from({ length: n - 2 }, (_, i) => i + 1), 0, n - 1];
    SEQUENCES[n] = seq;
  }
  return seq;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * One step's working state: the doses as cut so far, the floors and, with a cap per
 * administration, the least each dose may reach this step (`least[i]` = prev[i] - cap).
 */
interface Cutting {
  cur: number[];
  floors: readonly number[];
  least: number[] | null;
  grid: DoseGrid;
  /** lowerOf per administration at its current dose, UNKNOWN until asked (pick asks repeatedly). */
  lower: number[];
}

const UNKNOWN = -2;

function cutting(
  prev: readonly number[],
  floors: readonly number[],
  perDoseCapUg: number,
  grid: DoseGrid,
): Cutting {
  // Plain loops, no map callbacks: a working state is made for every cut of every step.
  const n = prev.length;
  const cur: number[] = [];
  const lower: number[] = [];
  const least: number[] | null = perDoseCapUg === Infinity ? null : [];
  for (let i = 0; i < n; i++) {
    cur.push(prev[i]);
    lower.push(UNKNOWN);
    if (least !== null) least.push(prev[i] - perDoseCapUg);
  }
  return { cur, floors, least, grid, lower };
}

/** Lowers administration `i` to `ug` (its cached next level no longer holds). */
function setDose(c: Cutting, i: number, ug: number): void {
  c.cur[i] = ug;
  c.lower[i] = UNKNOWN;
}

/** The next level of administration `i`, or -1 when it is at its floor or its per-dose cap. */
function lowerOf(c: Cutting, i: number): number {
  const known = c.lower[i];
  if (known !== UNKNOWN) return known;
  let lower = -1;
  if (c.cur[i] > c.floors[i]) {
    lower = Math.max(c.grid.nextLower(c.cur[i]), c.floors[i]);
    if (c.least !== null && lower < c.least[i]) lower = -1;
  }
  c.lower[i] = lower;
  return lower;
}

/** Whether administration `i` can go one level lower (no table look-up without a per-dose cap). */
function canLower(c: Cutting, i: number): boolean {
  if (c.cur[i] <= c.floors[i]) return false;
  return c.least === null || lowerOf(c, i) >= 0;
}

/** The administration to cut next, or -1 when every dose is at its floor or per-dose cap. */
function pick(c: Cutting, seq: readonly number[], order: CutOrder): number {
  let best = -1;
  for (const i of seq) {
    if (!canLower(c, i)) continue;
    if (order === 'sequential') return i;
    if (best < 0 || c.cur[i] > c.cur[best]) best = i;
  }
  return best;
}

/**
 * Lowers `prev` (µg per administration) towards `desiredUg` a level at a time, never below
 * `floors` (the target's own split), never cutting more than `allowedCutUg` in total nor any
 * one administration by more than `perDoseCapUg`, with at least one level cut. Returns null
 * when no cut fits within the caps.
 */
export function cutStep(
  prev: readonly number[],
  floors: readonly number[],
  desiredUg: number,
  allowedCutUg: number,
  grid: DoseGrid,
  order: CutOrder,
  perDoseCapUg = Infinity,
): number[] | null {
  const seq = cutSequence(prev.length);
  const c = cutting(prev, floors, perDoseCapUg, grid);
  const cur = c.cur;
  const prevSum = sum(prev);
  let total = prevSum;
  for (;;) {
    const i = pick(c, seq, order);
    if (i < 0) break;
    const lower = lowerOf(c, i);
    if (total - (cur[i] - lower) >= desiredUg) {
      total -= cur[i] - lower;
      setDose(c, i, lower);
      continue;
    }
    const fit = order === 'balanced' ? fittingAlternative(c, seq, total - desiredUg) : -1;
    if (fit >= 0) {
      const l = lowerOf(c, fit);
      total -= cur[fit] - l;
      setDose(c, fit, l);
      continue;
    }
    if (total < prevSum) break;
    // Nothing fits above the desired dose and nothing is cut yet: take the preferred level
    // anyway if the cap allows it.
    if (prevSum - (total - (cur[i] - lower)) > allowedCutUg) return null;
    total -= cur[i] - lower;
    setDose(c, i, lower);
    break;
  }
  return total < prevSum ? cur : null;
}

/** The largest dose whose next level cuts at most `slackUg`, or -1. */
function fittingAlternative(c: Cutting, seq: readonly number[], slackUg: number): number {
  let best = -1;
  for (const i of seq) {
    const lower = lowerOf(c, i);
    if (lower < 0) continue;
    if (c.cur[i] - lower <= slackUg && (best < 0 || c.cur[i] > c.cur[best])) best = i;
  }
  return best;
}

/**
 * The smallest cut the formulary can make from `prev`: one administration lowered by one level
 * (doses never rise, so no smaller cut exists), the preferred one of the cut order on ties.
 * Null when every dose is at its floor or its per-dose cap.
 */
export function smallestCut(
  prev: readonly number[],
  floors: readonly number[],
  grid: DoseGrid,
  order: CutOrder,
  perDoseCapUg = Infinity,
): number[] | null {
  const c = cutting(prev, floors, perDoseCapUg, grid);
  let best = -1;
  let bestCut = Infinity;
  for (const i of cutSequence(prev.length)) {
    const lower = lowerOf(c, i);
    if (lower < 0) continue;
    const cut = prev[i] - lower;
    const better =
      cut < bestCut || (cut === bestCut && order === 'balanced' && prev[i] > prev[best]);
    if (better) {
      best = i;
      bestCut = cut;
    }
  }
  if (best < 0) return null;
  setDose(c, best, lowerOf(c, best));
  return c.cur;
}

/**
 * The target's split over the administration times: the balanced rule run down from the
 * current doses, or, when its greedy path cannot land exactly, an exact split that keeps the
 * bedtime dose, then the morning dose, as high as possible. Null when no split exists.
 */
export function splitTarget(
  current: readonly number[],
  targetUg: number,
  grid: DoseGrid,
): number[] | null {
  const zeros = current.map(() => 0);
  if (targetUg === 0) return zeros;
  let cur: number[] = current.map((c) => grid.atOrBelow(c));
  while (sum(cur) > targetUg) {
    const next = cutStep(cur, zeros, targetUg, 0, grid, 'balanced');
    if (!next || sum(next) < targetUg) return exactSplit(current, targetUg, grid);
    cur = next;
  }
  return sum(cur) === targetUg ? cur : exactSplit(current, targetUg, grid);
}

function levelsUpTo(ug: number, grid: DoseGrid): number[] {
  const levels: number[] = [];
  for (let l = grid.atOrBelow(ug); l > 0; l = grid.nextLower(l)) levels.push(l);
  levels.push(0);
  return levels; // descending
}

function exactSplit(current: readonly number[], targetUg: number, grid: DoseGrid): number[] | null {
  if (targetUg % grid.tickUg !== 0) return null;
  const n = current.length;
  const keep = [...cutSequence(n)].reverse(); // bedtime first, then morning, then midday
  const levels = keep.map((i) => levelsUpTo(current[i], grid).map((l) => l / grid.tickUg));
  const goal = targetUg / grid.tickUg;
  // reachable[k][s]: the doses keep[k..] can make exactly s ticks.
  const reachable: Uint8Array[] = Array.from({ length: n + 1 }, () => new Uint8Array(goal + 1));
  reachable[n][0] = 1;
  for (let k = n - 1; k >= 0; k--) {
    for (let s = 0; s <= goal; s++) {
      for (const l of levels[k]) {
        if (l <= s && reachable[k + 1][s - l]) {
          reachable[k][s] = 1;
          break;
        }
      }
    }
  }
  if (!reachable[0][goal]) return null;
  const out = new Array<number>(n).fill(0);
  let rest = goal;
  keep.forEach((i, k) => {
    const l = levels[k].find((x) => x <= rest && reachable[k + 1][rest - x])!;
    out[i] = l * grid.tickUg;
    rest -= l;
  });
  return out;
}
