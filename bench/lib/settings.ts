import path from 'node:path';

/** The parts of the bench, each selectable with BENCH_ONLY / BENCH_SKIP (comma-separated). */
export const BENCH_ITEMS = [
  'planner',
  'patients',
  'plan',
  'doses',
  'record',
  'latency',
  'approve',
  'watch',
  'sweep',
  'escalation',
  'deliveries',
  'cds',
  'horizon-scale',
] as const;
export type BenchItem = (typeof BENCH_ITEMS)[number];

/** Everything the bench can be told through the environment, with its default. */
export interface BenchSettings {
  /** BENCH_QUICK=1: small defaults everywhere (a smoke run); explicit settings still win. */
  quick: boolean;
  /**
   * BENCH_SCALE=1 (or `npm run bench -- --scale`): the scale run instead of the items, at each
   * of `scaleSteps` × the network's base size (bench/scale); one round of 2 + 8 s by default.
   */
  scale: boolean;
  scaleSteps: number[];
  /** The items to run (BENCH_ONLY, minus BENCH_SKIP). */
  items: BenchItem[];
  /** Measured seconds per HTTP run (autocannon). */
  durationS: number;
  /** Warm-up seconds before each measured HTTP run (discarded). */
  warmupS: number;
  /** Interleaved rounds of ceiling / POST patients / GET plan. */
  rounds: number;
  connections: number;
  /** Measured seconds per planner case (one core, in-process). */
  plannerS: number;
  /** Taper requests fired at once for the POST-to-planned latency. */
  latencyRequests: number;
  latencyInFlight: number;
  /** Scheduled doses kept in the table while recording administrations. */
  recordDoses: number;
  /** 60-week diazepam plans approved, one per patient. */
  approvePlans: number;
  /** Doses falling due together for the detection-lateness run, and the window they fall in. */
  watchDoses: number;
  watchPlans: number;
  watchWindowS: number;
  /** The worker's grace override and sweep interval during the detection run. */
  watchGraceMinutes: number;
  watchSweepMs: number;
  /** Active plans with one overdue dose each for the escalation run (two alerts per plan). */
  escalationPlans: number;
  /** Active plans (two alerts each) whose step 0 sends to `deliveryTargets` webhooks. */
  deliveryPlans: number;
  deliveryTargets: number;
  /** Signed EHR tokens made before each CDS Hooks run (one per request: warm-up and run). */
  cdsTokens: number;
  /** Dose rows in the sweep's separate database (1% of them overdue). */
  sweepRows: number;
  /** Plans in force for the horizon job and armed-dose Redis at scale, one run per number. */
  scalePlans: number[];
  /** The horizon runs to measure: a week of rows per plan, and an hour of rows. */
  scaleRuns: ('week' | 'hour')[];
  /** The scale worker's WATCH_SWEEP_MS (the sweep arms and queues the doses it measures). */
  scaleSweepMs: number;
  /**
   * BENCH_SCALE_ZONES: the fleet's patients' zones (comma-separated IANA names) instead of its
   * four; zones whose dose times fall within the next 4 h put every plan's check in Redis at once.
   */
  scaleZones: string[] | null;
  /** Start the API under `node --cpu-prof` (profiles land in bench-results/profiles). */
  cpuProfile: boolean;
  /** Hard limit for the whole run; everything is stopped when it passes. */
  timeoutS: number;
  baseDatabaseUrl: string;
  redisUrl: string;
  database: string;
  queuePrefix: string;
  root: string;
  resultsDir: string;
}

/** BENCH_ONLY (default: everything) minus BENCH_SKIP; unknown names are an error. */
function items(env: NodeJS.ProcessEnv): BenchItem[] {
  const list = (name: string): BenchItem[] => {
    const names = (env[name] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    for (const n of names) {
      if (!(BENCH_ITEMS as readonly string[]).includes(n)) {
        throw new Error(`${name}: unknown item "${n}" (items: ${BENCH_ITEMS.join(', ')})`);
      }
    }
    return names as BenchItem[];
  };
  const only = list('BENCH_ONLY');
  const skip = list('BENCH_SKIP');
  return BENCH_ITEMS.filter((i) => (only.length === 0 || only.includes(i)) && !skip.includes(i));
}

/** BENCH_SCALE_STEPS: comma-separated multiples of the network's base size, ascending. */
function scaleSteps(raw: string | undefined): number[] {
  const steps = (raw || '1,10,100').split(',').map((x) => Number(x.trim()));
  if (steps.some((x, i) => !(x > 0 && x <= 200) || (i > 0 && x <= steps[i - 1]!))) {
    throw new Error(`BENCH_SCALE_STEPS must be ascending numbers from 0 to 200 (got "${raw}")`);
  }
  return steps;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** A comma-separated list of numbers, each checked as `num` checks one. */
function numList(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return [fallback];
  return raw.split(',').map((part) => num({ [name]: part.trim() }, name, fallback, min, max));
}

/** BENCH_SCALE_ZONES: IANA zone names, comma-separated; unset or blank: the fleet's own. */
function scaleZones(raw: string | undefined): string[] | null {
  const zones = (raw ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  for (const zone of zones) {
    if (!Intl.supportedValuesOf('timeZone').includes(zone) && zone !== 'UTC') {
      throw new Error(`BENCH_SCALE_ZONES: unknown zone "${zone}"`);
    }
  }
  return zones.length > 0 ? zones : null;
}

/** BENCH_SCALE_RUNS: `week`, `hour` or both (the default), comma-separated. */
function scaleRuns(raw: string | undefined): ('week' | 'hour')[] {
  const runs = (raw || 'week,hour').split(',').map((r) => r.trim());
  for (const r of runs) {
    if (r !== 'week' && r !== 'hour') throw new Error(`BENCH_SCALE_RUNS: unknown run "${r}"`);
  }
  return runs as ('week' | 'hour')[];
}

/** Loopback only: the bench never sends load anywhere else. */
function assertLoopback(name: string, url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`${name} must point at a loopback address (got ${host})`);
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const root = path.resolve(__dirname, '../../..');
  const baseDatabaseUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
  assertLoopback('DATABASE_URL', baseDatabaseUrl);
  assertLoopback('REDIS_URL', redisUrl);
  const quick = env.BENCH_QUICK === '1';
  const scale = env.BENCH_SCALE === '1';
  /** The full run's default, or the quick one under BENCH_QUICK=1. */
  const q = (full: number, small: number) => (quick ? small : full);
  /** Under BENCH_SCALE=1 the HTTP runs are shorter: three sizes must fit in 15 minutes. */
  const s = (full: number, small: number, atScale: number) => (scale ? atScale : q(full, small));
  return {
    quick,
    scale,
    scaleSteps: scaleSteps(env.BENCH_SCALE_STEPS),
    items: items(env),
    durationS: num(env, 'BENCH_DURATION_S', s(10, 2, 8), 1, 120),
    warmupS: num(env, 'BENCH_WARMUP_S', s(3, 1, 2), 0, 60),
    rounds: num(env, 'BENCH_ROUNDS', s(5, 1, 1), 1, 10),
    connections: num(env, 'BENCH_CONNECTIONS', 50, 1, 1000),
    plannerS: num(env, 'BENCH_PLANNER_S', q(3, 0.5), 0.2, 60),
    latencyRequests: num(env, 'BENCH_LATENCY_REQUESTS', q(1000, 100), 1, 100_000),
    latencyInFlight: num(env, 'BENCH_LATENCY_IN_FLIGHT', 100, 1, 1000),
    recordDoses: num(env, 'BENCH_RECORD_DOSES', q(100_000, 10_000), 1000, 1_000_000),
    approvePlans: num(env, 'BENCH_APPROVE_PLANS', q(10, 3), 1, 200),
    watchDoses: num(env, 'BENCH_WATCH_DOSES', q(10_000, 1000), 10, 100_000),
    watchPlans: num(env, 'BENCH_WATCH_PLANS', q(500, 50), 1, 5000),
    watchWindowS: num(env, 'BENCH_WATCH_WINDOW_S', q(60, 10), 1, 600),
    watchGraceMinutes: num(env, 'BENCH_WATCH_GRACE_MINUTES', 0.1, 0, 60),
    watchSweepMs: num(env, 'BENCH_WATCH_SWEEP_MS', 5000, 200, 30_000),
    escalationPlans: num(env, 'BENCH_ESCALATION_PLANS', q(500, 50), 1, 5000),
    deliveryPlans: num(env, 'BENCH_DELIVERY_PLANS', q(250, 25), 1, 5000),
    deliveryTargets: num(env, 'BENCH_DELIVERY_TARGETS', 4, 1, 10),
    cdsTokens: num(env, 'BENCH_CDS_TOKENS', q(60_000, 8000), 100, 1_000_000),
    sweepRows: num(env, 'BENCH_SWEEP_ROWS', q(1_000_000, 100_000), 10_000, 10_000_000),
    scalePlans: numList(env, 'BENCH_SCALE_PLANS', q(5000, 500), 10, 200_000),
    scaleRuns: scaleRuns(env.BENCH_SCALE_RUNS),
    scaleSweepMs: num(env, 'BENCH_SCALE_SWEEP_MS', 15_000, 200, 30_000),
    scaleZones: scaleZones(env.BENCH_SCALE_ZONES),
    cpuProfile: env.BENCH_CPU_PROF === '1',
    timeoutS: num(env, 'BENCH_TIMEOUT_S', 3600, 30, 7200),
    baseDatabaseUrl,
    redisUrl,
    database: env.BENCH_DATABASE || 'taperwatch_bench',
    queuePrefix: env.BENCH_QUEUE_PREFIX || '{tw-bench}',
    root,
    resultsDir: path.join(root, 'bench-results'),
  };
}
