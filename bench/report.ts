import { OVERDUE_BATCH } from '@taperwatch/doses';
import { LoadResult } from './http/load';
import { CpuShare } from './lib/cpu';
import { PlannedLatencyResult } from './latency';
import { PlannerResult } from './planner';
import { ApproveResult } from './plans';
import { DeliveriesResult, EscalationResult } from './escalation';
import { DetectionResult, RecordSetup, SweepResult } from './watch';
import { LatencySummary, Spread, median, spread } from './lib/stats';
import { Cell, fmt, table } from './lib/table';

/** Goals per HTTP target: req/s as a share of the ceiling runs around it, and p99. */
export const GOALS: { target: string; ratio: number | null; p99Ms: number }[] = [
  { target: 'POST /v1/patients', ratio: 0.7, p99Ms: 50 },
  { target: 'POST /v1/doses/:id/administrations', ratio: 0.6, p99Ms: 50 },
  // What a board polls: the same page again, kept while the plan's doses stand (decision 0046).
  { target: 'GET /v1/plans/:id/doses?limit=50', ratio: 0.7, p99Ms: 50 },
  // An EHR waits on order-sign while the prescriber signs: latency is the goal, not throughput.
  { target: 'CDS order-sign (no card)', ratio: null, p99Ms: 100 },
  { target: 'CDS order-sign (card)', ratio: null, p99Ms: 100 },
  { target: 'CDS order-sign (1 in 20 card)', ratio: null, p99Ms: 100 },
];
/** Detection lateness p99 goal. */
export const DETECTION_GOAL_P99_MS = 1000;
/**
 * Numbers measured once, outside this bench, that the tables print beside their own results for
 * scale (bench/README.md, Reference numbers); not goals, and not re-measured here.
 */
const REFERENCE = {
  delayedP99Ms: 92,
  bytesPerDelayedJob: 977,
  sweepClaim10kMs: 244,
  claimBatchMs: 20,
};

export interface TargetSummary {
  target: string;
  runs: number;
  reqPerS: Spread;
  p50Ms: number;
  p99Ms: number;
  /** Ratio to the ceiling runs around each run (req/s), median and range over rounds. */
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

/**
 * The ceiling a run is compared with: the mean of the ceiling runs just before and just after it
 * in the same round (one of them at a round's edge). This machine's speed drifts within a minute:
 * a single ceiling run per round stood up to five runs (65 s) from the target it divided.
 */
export function bracketingCeiling(
  runs: readonly LoadResult[],
  index: number,
  ceilingName: string,
): number | null {
  const run = runs[index]!;
  const near = (step: 1 | -1): number | null => {
    for (let i = index + step; i >= 0 && i < runs.length; i += step) {
      const other = runs[i]!;
      if (other.round !== run.round) return null;
      if (other.target === ceilingName) return other.reqPerS;
    }
    return null;
  };
  const found = [near(-1), near(1)].filter((x): x is number => x !== null);
  return found.length ? found.reduce((a, b) => a + b, 0) / found.length : null;
}

export function summarizeHttp(runs: LoadResult[], ceilingName: string): HttpSummary {
  const names = [...new Set(runs.map((r) => r.target))];
  const byTarget = names.map((name): TargetSummary => {
    const mine = runs.filter((r) => r.target === name);
    const ratios = mine.flatMap((r) => {
      const ceiling = bracketingCeiling(runs, runs.indexOf(r), ceilingName);
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
    n2(r.cpu.children.floor ?? null),
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
      'floor',
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
    'HTTP summary: medians over rounds (ratio = req/s ÷ the mean of the ceiling runs just before and after)',
    ['target', 'n', 'req/s (min–max)', 'p50 ms', 'p99 ms', 'ratio (min–max)', 'per round', 'bad'],
    rows,
  );
}

export function goalLines(summary: HttpSummary): string {
  const goals = GOALS.flatMap((goal) => {
    const t = summary.byTarget.find((x) => x.target === goal.target);
    if (!t?.ratio) return [];
    const p99Ok = t.p99Ms <= goal.p99Ms;
    const p99 = `Goal ${goal.target} p99 ≤ ${goal.p99Ms} ms: ${t.p99Ms} ms → ${p99Ok ? 'met' : 'NOT met'}`;
    if (goal.ratio === null) {
      return [`${goal.target}: ${t.ratio.median.toFixed(2)} of ceiling (no ratio goal)`, p99];
    }
    const ratioOk = t.ratio.median >= goal.ratio;
    return [
      `Goal ${goal.target} ≥ ${goal.ratio} of ceiling: ${t.ratio.median.toFixed(2)} → ${ratioOk ? 'met' : 'NOT met'}`,
      p99,
    ];
  });
  return [
    ...goals,
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

/** A row of n, p50, p90, p99 and max (ms) under a name. */
const latencyRow = (name: string, s: LatencySummary): Cell[] => [
  name,
  s.n,
  n1(s.p50),
  n1(s.p90),
  n1(s.p99),
  n1(s.max),
];

export function latencyTable(r: PlannedLatencyResult): string {
  return [
    table(
      `POST-to-planned: ${r.requests} taper requests, ${r.inFlight} in flight, worker running`,
      ['measure (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
      [
        latencyRow('POST answered 202 (client)', r.postMs),
        latencyRow('created_at → updated_at (DB)', r.dbMs),
        latencyRow('POST sent → updated_at', r.endToEndMs),
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

const kb = (bytes: number) => `${fmt(bytes / 1024, 2)} KB`;

export function approveTable(r: ApproveResult): string {
  return [
    table(
      `Approving a ${n1(r.planWeeks)}-week diazepam plan (${r.steps} steps; POST /v1/plans/:id/approve, one plan per patient)`,
      ['measure', 'n', 'p50', 'max', 'rows written (min–max)'],
      [
        [
          'approve (ms, client)',
          r.approveMs.n,
          n1(r.approveMs.p50),
          n1(r.approveMs.max),
          `${r.rowsWritten.min}–${r.rowsWritten.max}`,
        ],
      ],
    ),
    `rows per plan: ${r.rowsWritten.perPlan.join(' ')} (a 7-day horizon of 2 doses a day is at most 14)`,
    '',
  ].join('\n');
}

/** Scheduled doses in the table at the start and the end of each recording run. */
export function recordLine(setup: RecordSetup): string {
  const counts = (xs: number[]) => xs.map((x) => fmt(x)).join(', ');
  return (
    `Recording: ${setup.planIds.length} active plans; scheduled doses before each run: ` +
    `${counts(setup.scheduledBefore)}, after: ${counts(setup.scheduledAfter)} ` +
    `(each request a different dose, nurse key); recordings per statement (mean of each run ` +
    `and its warm-up): ${setup.perStatement.map((x) => x.toFixed(1)).join(', ')}\n`
  );
}

export function detectionTable(r: DetectionResult): string {
  const p99Ok = r.latenessMs.p99 <= DETECTION_GOAL_P99_MS;
  return [
    table(
      `Detection lateness: ${fmt(r.doses)} doses over ${r.plans} plans missed within ${r.windowS} s ` +
        `(grace ${r.graceMinutes} min, sweep every ${r.sweepMs} ms); missed_at − missed_after from Postgres`,
      ['lateness (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
      [latencyRow('all doses', r.latenessMs)],
    ),
    `Goal p99 ≤ ${DETECTION_GOAL_P99_MS} ms: ${n1(r.latenessMs.p99)} ms → ${p99Ok ? 'met' : 'NOT met'} ` +
      `(BullMQ's own delayed-job lateness, measured once: p99 ${REFERENCE.delayedP99Ms} ms)`,
    `Sweep caught ${fmt(r.sweepCaught)} of them, the delayed jobs the rest (worker log lines that taperwatch_watch_sweep_findings_total counts); ` +
      `missed ${fmt(r.missed)}/${fmt(r.doses)}; alerts opened ${r.alertsOpened}`,
    `Queued all checks ${r.queuedAfterS === null ? 'NOT (timed out)' : `${n1(r.queuedAfterS)} s after seeding`}` +
      (r.queuedBeforeFirstDue
        ? ', before the first fell due'
        : ', NOT before the first fell due (memory includes fired jobs)'),
    `Redis per watched dose: ${kb(r.redis.bytesPerDose)} (used_memory ${fmt(r.redis.usedBefore / 1048576, 1)} → ` +
      `${fmt(r.redis.usedAfter / 1048576, 1)} MB; job hash ${fmt(r.redis.jobHashBytes)} B + delayed zset ${fmt(r.redis.delayedZsetBytesPerDose)} B by MEMORY USAGE; ` +
      `measured once: ${REFERENCE.bytesPerDelayedJob} B per delayed job)`,
    `CPU (cores): worker ${n2(r.cpu.children.worker)}, api ${n2(r.cpu.children.api)}, ` +
      `postgres ${n2(r.cpu.postgres)}, redis ${n2(r.cpu.redis)}, other ${n2(r.cpu.other)}${busiest(r.cpu)}`,
    '',
  ].join('\n');
}

export function sweepTable(r: SweepResult): string {
  return [
    table(
      `Sweep claim over ${fmt(r.rows)} dose rows, ${fmt(r.overdue)} overdue (WatchRepository.claimOverdue, batches of ${fmt(OVERDUE_BATCH)}, rolled back)`,
      ['repetition', 'total ms', 'batches', 'claimed', 'ms per batch (each)'],
      r.reps.map((rep, i) => [
        i + 1,
        n1(rep.totalMs),
        rep.batches,
        rep.claimed,
        rep.batchMs.map((b) => b.toFixed(1)).join(' '),
      ]),
    ),
    `median total ${n1(r.totalMs)} ms; full batches p50 ${n1(r.batchMs.p50)} ms, max ${n1(r.batchMs.max)} ms ` +
      `(measured once: ${REFERENCE.sweepClaim10kMs} ms for 10k, about ${REFERENCE.claimBatchMs} ms per 1,000-row batch)`,
    `load ${n1(r.loadS)} s (INSERT … SELECT generate_series + VACUUM ANALYZE); table ${n1(r.tableMb)} MB, ` +
      `doses_pending_missed_after_idx ${n1(r.partialIndexMb)} MB; plan uses the partial index: ${r.usesPartialIndex ? 'yes' : 'NO'}`,
    'EXPLAIN (ANALYZE, BUFFERS) of one batch:',
    r.explain.replace(/^/gm, '  '),
    '',
  ].join('\n');
}

/** Escalation lateness p99 goal (BullMQ's own delayed-job p99 is REFERENCE.delayedP99Ms). */
export const ESCALATION_GOAL_P99_MS = 1000;

/** The worker's counter deltas as `label=value` pairs (the metric name dropped). */
const counters = (deltas: Record<string, number>, digits = 0) =>
  Object.entries(deltas)
    .map(
      ([key, value]) =>
        `${key.includes('{') ? key.slice(key.indexOf('{') + 1, -1) : 'all'} ${fmt(value, digits)}`,
    )
    .join(', ') || 'none';

const workerCpu = (cpu: CpuShare) =>
  `CPU (cores): worker ${n2(cpu.children.worker)}, api ${n2(cpu.children.api)}, ` +
  `bench ${n2(cpu.bench)}, postgres ${n2(cpu.postgres)}, redis ${n2(cpu.redis)}, other ${n2(cpu.other)}${busiest(cpu)}`;

export function escalationTable(r: EscalationResult): string {
  const p99Ok = r.latenessMs.p99 <= ESCALATION_GOAL_P99_MS;
  const m = r.metrics;
  return [
    table(
      `Escalation lateness: ${fmt(r.alerts)} alerts (${r.plans} plans) opened by the watcher together, ` +
        `step 1 due 30 s after step 0 (${fmt(r.step1DueInOneSecond)} of them within one second, ` +
        `all within ${n2(r.step1DueSpreadS)} s)`,
      ['measure (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
      [
        latencyRow('step 1 fired − due (payload times)', r.latenessMs),
        latencyRow('same from the rows’ created_at', r.rowLatenessMs),
        latencyRow('alert opened → step 0 fired', r.step0Ms),
        latencyRow('step 1 fired → delivered', r.step1DeliveryMs),
      ],
    ),
    `Goal p99 ≤ ${ESCALATION_GOAL_P99_MS} ms: ${n1(r.latenessMs.p99)} ms → ${p99Ok ? 'met' : 'NOT met'} ` +
      `(BullMQ's own delayed-job lateness, measured once: p99 ${REFERENCE.delayedP99Ms} ms)`,
    `alerts opened within ${n2(r.openedSpreadS)} s; without step 1: ${r.missingStep1}; ` +
      `${r.settled ? 'all settled' : 'NOT all settled in time'}; receiver got ${fmt(r.receiverRequests)} requests`,
    `worker /metrics: escalation lateness observations ${counters(m.escalationLatenessCount)} ` +
      `(sum s ${counters(m.escalationLatenessSum, 2)}); sweep findings ${counters(m.escalationSweepFindings)}; ` +
      `delivery attempts ${counters(m.deliveryAttempts)}`,
    workerCpu(r.cpu),
    '',
  ].join('\n');
}

export function deliveriesTable(r: DeliveriesResult): string {
  return [
    table(
      `Webhook deliveries: ${fmt(r.alerts)} alerts (${r.plans} plans) × ${r.targets} webhook targets at step 0, ` +
        `receiver on 127.0.0.1 answering 204`,
      ['measure', 'count', 'span s', 'per s'],
      [
        [
          'delivered rows / (max delivered_at − min created_at)',
          r.byStatus.delivered ?? 0,
          n2(r.dbSpanS),
          n1(r.dbPerS),
        ],
        [
          'receiver requests, first to last',
          r.receiverRequests,
          n2(r.receiverSpanS),
          n1(r.receiverPerS),
        ],
      ],
    ),
    `rows ${fmt(r.rows)} by status ${JSON.stringify(r.byStatus)}, attempts ${fmt(r.attempts)}; ` +
      `alerts opened within ${n2(r.openedSpreadS)} s; ${r.settled ? 'all settled' : 'NOT all settled in time'}`,
    `worker /metrics: delivery attempts ${counters(r.metrics.deliveryAttempts)}; failed ${counters(r.metrics.deliveriesFailed)}`,
    workerCpu(r.cpu),
    '',
  ].join('\n');
}
