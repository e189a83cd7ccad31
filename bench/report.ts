import { LoadResult } from './http/load';
import { CpuShare } from './lib/cpu';
import { PlannedLatencyResult } from './latency';
import { PlannerResult } from './planner';
import { Spread, median, spread } from './lib/stats';
import { Cell, fmt, table } from './lib/table';

export const GOALS = { patientsRatio: 0.7, patientsP99Ms: 50 };

export interface TargetSummary {
  target: string;
  runs: number;
  reqPerS: Spread;
  p50Ms: number;
  p99Ms: number;
  /** Same-round ratio to the ceiling (req/s), median and range over rounds. */
  ratio: Spread | null;
  perRoundRatio: number[];
  non2xx: number;
  errors: number;
}

export interface HttpSummary {
  byTarget: TargetSummary[];
  /** Median cores used by other work on the machine during the measured runs. */
  otherCores: number | null;
  /** The run with the most other work, and who did it. */
  noisiest: string;
}

export function summarizeHttp(runs: LoadResult[], ceilingName: string): HttpSummary {
  const names = [...new Set(runs.map((r) => r.target))];
  const ceilingByRound = new Map(
    runs.filter((r) => r.target === ceilingName).map((r) => [r.round, r.reqPerS]),
  );
  const byTarget = names.map((name): TargetSummary => {
    const mine = runs.filter((r) => r.target === name);
    const ratios = mine.flatMap((r) => {
      const ceiling = ceilingByRound.get(r.round);
      return ceiling ? [r.reqPerS / ceiling] : [];
    });
    return {
      target: name,
      runs: mine.length,
      reqPerS: spread(mine.map((r) => r.reqPerS)),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      ratio: name === ceilingName ? null : spread(ratios),
      perRoundRatio: name === ceilingName ? [] : ratios,
      non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
      errors: mine.reduce((a, r) => a + r.errors + r.timeouts, 0),
    };
  });
  const other = runs.map((r) => r.cpu.other).filter((x): x is number => x !== null);
  const noisiest = [...runs].sort((a, b) => (b.cpu.other ?? 0) - (a.cpu.other ?? 0))[0];
  return {
    byTarget,
    otherCores: other.length ? median(other) : null,
    noisiest: noisiest ? `round ${noisiest.round} ${noisiest.target}${busiest(noisiest.cpu)}` : '',
  };
}

const n2 = (x: number | null | undefined) => fmt(x, 2);
const n1 = (x: number | null | undefined) => fmt(x, 1);
const range = (s: Spread, digits = 0) =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

const busiest = (cpu: CpuShare) =>
  cpu.busiestOther.length
    ? ` (busiest others: ${cpu.busiestOther.map((p) => `${p.comm} ${n2(p.cores)}`).join(', ')})`
    : '';

export function httpRunsTable(runs: LoadResult[]): string {
  const rows: Cell[][] = runs.map((r) => [
    `${r.round}: ${r.target}`,
    r.reqPerS,
    n1(r.p50Ms),
    n1(r.p99Ms),
    r.maxMs,
    r.non2xx,
    r.errors + r.timeouts,
    n2(r.cpu.children.api ?? null),
    n2(r.cpu.children.ceiling ?? null),
    n2(r.cpu.bench),
    n2(r.cpu.postgres),
    n2(r.cpu.redis),
    n2(r.cpu.irq),
    n2(r.cpu.other),
  ]);
  return table(
    'HTTP runs (autocannon; CPU in cores used during the measured window)',
    [
      'round: target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'non2xx',
      'errors',
      'api',
      'ceiling',
      'autocannon',
      'postgres',
      'redis',
      'irq',
      'other',
    ],
    rows,
  );
}

export function httpSummaryTable(summary: HttpSummary): string {
  const rows: Cell[][] = summary.byTarget.map((t) => [
    t.target,
    t.runs,
    range(t.reqPerS),
    n1(t.p50Ms),
    n1(t.p99Ms),
    t.ratio ? range(t.ratio, 2) : '1.00 (reference)',
    t.perRoundRatio.map((r) => r.toFixed(2)).join(' '),
    t.non2xx + t.errors,
  ]);
  return table(
    "HTTP summary: medians over rounds (ratio = req/s ÷ the same round's ceiling)",
    ['target', 'n', 'req/s (min–max)', 'p50 ms', 'p99 ms', 'ratio (min–max)', 'per round', 'bad'],
    rows,
  );
}

export function goalLines(summary: HttpSummary): string {
  const patients = summary.byTarget.find((t) => t.target === 'POST /v1/patients');
  if (!patients?.ratio) return '';
  const ratioOk = patients.ratio.median >= GOALS.patientsRatio;
  const p99Ok = patients.p99Ms <= GOALS.patientsP99Ms;
  return [
    `Goal POST /v1/patients ≥ ${GOALS.patientsRatio} of ceiling: ${patients.ratio.median.toFixed(2)} → ${ratioOk ? 'met' : 'NOT met'}`,
    `Goal POST /v1/patients p99 ≤ ${GOALS.patientsP99Ms} ms: ${patients.p99Ms} ms → ${p99Ok ? 'met' : 'NOT met'}`,
    summary.otherCores !== null && summary.otherCores > 0.2
      ? `Noise: other work used a median ${summary.otherCores.toFixed(2)} cores during the runs (concurrent tests?)`
      : `Noise: other work used a median ${n2(summary.otherCores)} cores during the runs`,
    `Noisiest run: ${summary.noisiest}`,
    '',
  ].join('\n');
}

export function plannerTable(results: PlannerResult[]): string {
  return table(
    'Planner: planTaper in-process, one core',
    ['case', 'plans/s', 'µs/plan', 'steps', 'goal/s', 'met', 'cores used', 'other cores'],
    results.map((r) => [
      `${r.name} [${r.request.currentDosesMg.join(',')}]`,
      r.plansPerS,
      n1(r.usPerPlan),
      r.steps,
      r.goalPerS,
      r.plansPerS >= r.goalPerS ? 'yes' : 'NO',
      n2(r.benchCores),
      n2(r.otherCores),
    ]),
  );
}

export function latencyTable(r: PlannedLatencyResult): string {
  const row = (name: string, s: PlannedLatencyResult['dbMs']): Cell[] => [
    name,
    s.n,
    n1(s.p50),
    n1(s.p90),
    n1(s.p99),
    n1(s.max),
  ];
  return [
    table(
      `POST-to-planned: ${r.requests} taper requests, ${r.inFlight} in flight, worker running`,
      ['measure (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
      [
        row('POST answered 202 (client)', r.postMs),
        row('created_at → updated_at (DB)', r.dbMs),
        row('POST sent → updated_at', r.endToEndMs),
      ],
    ),
    `accepted ${r.accepted}, planned ${r.planned}` +
      (Object.keys(r.notPlanned).length ? `, not planned ${JSON.stringify(r.notPlanned)}` : '') +
      `; all planned ${n1(r.drainS)} s after the first POST (${fmt(r.plansPerS)} plans/s end to end)`,
    `CPU (cores): api ${n2(r.cpu.children.api)}, worker ${n2(r.cpu.children.worker)}, ` +
      `bench ${n2(r.cpu.bench)}, postgres ${n2(r.cpu.postgres)}, redis ${n2(r.cpu.redis)}, irq ${n2(r.cpu.irq)}, other ${n2(r.cpu.other)}` +
      busiest(r.cpu),
    "updated_at is the planning transaction's start (TypeORM sets CURRENT_TIMESTAMP); plan + commit add about a millisecond.",
    '',
  ].join('\n');
}
