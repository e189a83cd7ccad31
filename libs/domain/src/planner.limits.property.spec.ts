import fc from 'fast-check';
import { DRUGS } from './catalogue/drugs';
import type { DrugEntry, PercentCap } from './catalogue/types';
import {
  isoDaysBetween,
  planTaper,
  replanTaper,
  type PlannedTaper,
  type TaperRequestInput,
} from './index';

/*
 * Every cut against the limits read off the catalogue entry itself (never the plan's own pace):
 * a cut above them must be a step the plan flags with `cut_exceeds_source`, and a flagged step
 * must really be above them. Sources: each entry's stepCap, longUseCap, bands (CKS S17, NZ
 * S38b), perDoseCapMg (baclofen label S2, S3), startFractionCap and NICE's smaller steps [S33].
 */

const TIMES = [
  ['08:00'],
  ['08:00', '20:00'],
  ['08:00', '14:00', '20:00'],
  ['08:00', '12:00', '17:00', '22:00'],
];
const SITE_STRENGTHS = [[15, 30, 60], [0.5, 1, 2], [25, 50, 100], [10, 20], [1, 2.5, 5], [20]];
const EPS = 1e-6;

const rateAt = (cap: PercentCap, days: number) =>
  cap.perDays ? cap.value * Math.min(1, days / cap.perDays) : cap.value;

/** The largest cut (mg/day) the catalogue allows from `prevMg` over a step of `days`. */
function catalogueCapMg(
  drug: DrugEntry,
  input: TaperRequestInput,
  prevMg: number,
  startMg: number,
  days: number,
): number {
  const caps: number[] = [];
  if (!drug.bands) {
    if (drug.stepCap) caps.push((prevMg * rateAt(drug.stepCap, days)) / 100);
    const long = drug.longUseCap;
    const weeks = input.durationOfUseWeeks;
    if (long && (weeks === undefined || weeks >= long.afterWeeks))
      caps.push((prevMg * rateAt(long, days)) / 100);
  }
  const low = drug.proportional?.lowDosePercent;
  if (low !== undefined && prevMg * 2 <= startMg + EPS) caps.push((prevMg * low) / 100);
  if (drug.startFractionCap) caps.push((startMg * drug.startFractionCap.value) / 100);
  if (drug.bands) {
    const band = drug.bands.find((b) => prevMg > b.aboveMg) ?? drug.bands[drug.bands.length - 1];
    caps.push(band.capMg);
  }
  if (input.maxStepReductionPercent !== undefined)
    caps.push((prevMg * input.maxStepReductionPercent) / 100);
  return Math.min(...caps);
}

function request(drug: DrugEntry): fc.Arbitrary<TaperRequestInput> {
  const switchable =
    (drug.drugClass === 'benzodiazepine' || drug.drugClass === 'z-drug') &&
    drug.code !== 'diazepam';
  return fc
    .record({
      strengths: drug.tabletsMg
        ? fc.constant(drug.tabletsMg.value)
        : fc.constantFrom(...SITE_STRENGTHS),
      n: fc.integer({ min: 1, max: 4 }),
      counts: fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }), {
        minLength: 4,
        maxLength: 4,
      }),
      strategy: fc.constantFrom(undefined, 'linear', 'proportional'),
      stepDays: fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
      percent: fc.integer({ min: 5, max: 50 }),
      weeks: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
      allowLiquid: fc.boolean(),
      liquidMgPerMl: fc.constantFrom(0.5, 1, 2, 5),
      liquidStepMl: fc.constantFrom(0.5, 1),
      substitute: switchable ? fc.boolean() : fc.constant(false),
    })
    .map((g) => {
      const times = TIMES[g.n - 1];
      const doses: number[] = times.map(
        (_, i) =>
          Math.round(
            g.counts[i].reduce((a: number, c, k) => a + c * (g.strengths[k] ?? 0), 0) * 1000,
          ) / 1000,
      );
      if (!doses.some((d) => d > 0)) doses[0] = g.strengths[0];
      const daily = doses.reduce((a, b) => a + b, 0);
      const minDays = drug.minStepDays?.value ?? 1;
      const needsDays = !drug.defaultStepDays && !drug.minTaperDays;
      const stepDays = needsDays ? (g.stepDays ?? 14) : g.stepDays;
      const needsPercent =
        !drug.stepCap && !drug.perDoseCapMg && !drug.startFractionCap && !drug.bands;
      const input: TaperRequestInput = {
        drugCode: drug.code,
        route: 'oral',
        currentDosesMg: doses,
        administrationTimes: times,
        startDate: '2025-03-03',
        goal: { type: 'discontinue' },
        reason: 'limits property',
        ...(drug.tabletsMg ? {} : { strengthsMg: g.strengths }),
        ...(g.strategy && !(g.strategy === 'proportional' && !drug.proportional && needsPercent)
          ? { strategy: g.strategy as TaperRequestInput['strategy'] }
          : {}),
        ...(stepDays !== undefined ? { stepDays: Math.max(stepDays, minDays) } : {}),
        ...(needsPercent ? { maxStepReductionPercent: g.percent } : {}),
        ...(g.weeks !== undefined ? { durationOfUseWeeks: g.weeks } : {}),
        ...(drug.maxDailyDoseMg && daily > drug.maxDailyDoseMg.value
          ? { override: { reason: 'inherited regimen above the maximum' } }
          : {}),
      };
      if (g.substitute)
        Object.assign(input, {
          substituteWith: 'diazepam',
          ...(drug.diazepamEquivalence ? {} : { diazepamMgPerMg: 20 }),
        });
      const liquidDrug = g.substitute ? DRUGS.get('diazepam')! : drug;
      if (g.allowLiquid && liquidDrug.liquid) {
        Object.assign(input, { allowLiquid: true, liquidStepMl: g.liquidStepMl });
        if (liquidDrug.liquid.mgPerMl === null)
          Object.assign(input, { liquidMgPerMl: g.liquidMgPerMl });
      }
      return input;
    });
}

interface Found {
  exceeds: boolean;
  flagged: boolean;
}

/** Each reduction step: above the catalogue's limits or not, flagged or not. */
function check(
  drug: DrugEntry,
  input: TaperRequestInput,
  plan: PlannedTaper,
  holdSteps = 0,
): Found[] {
  const switching = input.substituteWith === 'diazepam';
  const reduced = switching ? DRUGS.get('diazepam')! : drug;
  // A switch replaces doses by their equivalents one per step: those steps do not cut.
  const switchSteps =
    holdSteps + (switching ? input.currentDosesMg.filter((d) => d > 0).length : 0);
  const flagged = new Set(
    plan.warnings.filter((w) => w.code === 'cut_exceeds_source').map((w) => w.stepIndex),
  );
  const baseDays =
    input.stepDays ?? reduced.defaultStepDays?.value ?? reduced.minStepDays?.value ?? 1;
  const startMg = switching ? plan.steps[switchSteps - 1].dailyDoseMg : plan.startDailyDoseMg;
  const eq = drug.diazepamEquivalence?.value;
  const ratio = switching ? (input.diazepamMgPerMg ?? eq!.diazepamMg / eq!.mg) : 1;
  let prevDaily = plan.startDailyDoseMg;
  let prevByTime = new Map(
    input.administrationTimes.map((t, i) => [
      t,
      Math.round(input.currentDosesMg[i] * 1000 * ratio) / 1000,
    ]),
  );
  const found: Found[] = [];
  plan.steps.forEach((step, i) => {
    const byTime = new Map(step.doses.map((d) => [d.time, d.equivalentMg ?? d.doseMg]));
    // No administration ever rises, nor the daily total.
    for (const [time, mg] of byTime)
      expect(mg).toBeLessThanOrEqual((prevByTime.get(time) ?? 0) + EPS);
    expect(step.dailyDoseMg).toBeLessThanOrEqual(prevDaily + EPS);
    if (i >= switchSteps) {
      const days = isoDaysBetween(step.startDate, step.endDate) + 1;
      const cut = prevDaily - step.dailyDoseMg;
      const perDose = reduced.perDoseCapMg?.value ?? Infinity;
      const perDoseOver = [...prevByTime].some(
        ([time, mg]) => mg - (byTime.get(time) ?? 0) > perDose + EPS,
      );
      const capAt = (d: number) => catalogueCapMg(reduced, input, prevDaily, startMg, d);
      const exceeds = cut > capAt(days) + EPS || perDoseOver;
      const isFlagged = flagged.has(step.index);
      if (exceeds)
        expect({ step: step.index, cut, flagged: isFlagged }).toEqual({
          step: step.index,
          cut,
          flagged: true,
        });
      // A flagged step is really above its limit at the plan's step length.
      if (isFlagged) expect(cut > capAt(baseDays) + EPS || perDoseOver).toBe(true);
      found.push({ exceeds, flagged: isFlagged });
    }
    prevDaily = step.dailyDoseMg;
    prevByTime = byTime;
  });
  return found;
}

describe.each([...DRUGS.values()].map((d) => [d.code, d] as const))(
  'every cut within the catalogue limits or flagged: %s',
  (_code, drug) => {
    it("no cut above the catalogue entry's limits without a cut_exceeds_source warning naming its step; no dose rises", () => {
      let planned = 0;
      fc.assert(
        fc.property(request(drug), (input) => {
          const outcome = planTaper(input, { today: '2025-03-01' });
          if (outcome.kind === 'rejected') return;
          planned++;
          check(drug, input, outcome.plan);
        }),
        { numRuns: 120, seed: 151 },
      );
      expect(planned).toBeGreaterThan(60);
    });

    it('the same after a revision from any step, with a hold and a new step length', () => {
      let replanned = 0;
      fc.assert(
        fc.property(
          request(drug),
          fc.nat(),
          fc.integer({ min: 0, max: 14 }),
          fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
          (input, at, holdDays, stepDays) => {
            if (input.substituteWith) return;
            const first = planTaper(input, { today: '2025-03-01' });
            if (first.kind === 'rejected') return;
            const steps = first.plan.steps.filter((s) => s.doses.length && !s.intervalDays);
            if (!steps.length) return;
            const from = steps[at % steps.length];
            const currentDoses = input.administrationTimes.map((time) => ({
              drugCode: drug.code,
              mg: from.doses.find((d) => d.time === time)?.doseMg ?? 0,
            }));
            const minDays = drug.minStepDays?.value ?? 1;
            const outcome = replanTaper(
              {
                original: input,
                fromDate: from.startDate,
                currentDoses,
                holdDays,
                ...(stepDays !== undefined ? { stepDays: Math.max(stepDays, minDays) } : {}),
              },
              { today: '2025-03-01' },
            );
            if (outcome.kind === 'rejected') return;
            replanned++;
            const revised: TaperRequestInput = {
              ...input,
              currentDosesMg: currentDoses.map((d) => d.mg),
              ...(stepDays !== undefined ? { stepDays: Math.max(stepDays, minDays) } : {}),
            };
            check(drug, revised, outcome.plan, holdDays ? 1 : 0);
          },
        ),
        { numRuns: 60, seed: 152 },
      );
      expect(replanned).toBeGreaterThan(20);
    });
  },
);
