import { PatientFacts, TaperRequestInput, planTaper } from '@taperwatch/domain';
import { cpuWindow } from './lib/cpu';
import { BACLOFEN_60, BENCH_TODAY, diazepam40 } from './lib/requests';

export interface PlannerResult {
  name: string;
  request: Pick<TaperRequestInput, 'drugCode' | 'currentDosesMg' | 'administrationTimes'>;
  steps: number;
  plans: number;
  seconds: number;
  plansPerS: number;
  usPerPlan: number;
  goalPerS: number;
  /** Cores the bench process used while planning (about 1.0 when nothing else competes). */
  benchCores: number | null;
  otherCores: number | null;
}

const FACTS: PatientFacts = { today: BENCH_TODAY };

/** Plans the same request for `seconds` on this thread (one core), after a short warm-up. */
function run(name: string, input: TaperRequestInput, seconds: number, goalPerS: number) {
  const first = planTaper(input, FACTS);
  if (first.kind !== 'planned') {
    throw new Error(`${name} was rejected: ${JSON.stringify(first.problems)}`);
  }
  const loop = (limitS: number) => {
    const start = process.hrtime.bigint();
    const limitNs = BigInt(Math.round(limitS * 1e9));
    let plans = 0;
    let elapsed = 0n;
    // Bounded by time (checked every 16 plans) and by count.
    while (elapsed < limitNs && plans < 100_000_000) {
      for (let i = 0; i < 16; i++) planTaper(input, FACTS);
      plans += 16;
      elapsed = process.hrtime.bigint() - start;
    }
    return { plans, seconds: Number(elapsed) / 1e9 };
  };
  loop(Math.min(1, seconds / 3));
  const endCpu = cpuWindow({});
  const measured = loop(seconds);
  const cpu = endCpu();
  const result: PlannerResult = {
    name,
    request: {
      drugCode: input.drugCode,
      currentDosesMg: input.currentDosesMg,
      administrationTimes: input.administrationTimes,
    },
    steps: first.plan.steps.length,
    plans: measured.plans,
    seconds: measured.seconds,
    plansPerS: measured.plans / measured.seconds,
    usPerPlan: (measured.seconds * 1e6) / measured.plans,
    goalPerS,
    benchCores: cpu.bench,
    otherCores: cpu.other,
  };
  return result;
}

export function benchPlanner(seconds: number): PlannerResult[] {
  return [
    run('baclofen 60 mg/day', BACLOFEN_60, seconds, 20_000),
    run('diazepam 40 mg/day', diazepam40(), seconds, 2_000),
  ];
}
