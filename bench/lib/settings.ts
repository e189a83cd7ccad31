import path from 'node:path';

/** Everything the bench can be told through the environment, with its default. */
export interface BenchSettings {
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

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
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
  return {
    durationS: num(env, 'BENCH_DURATION_S', 10, 1, 120),
    warmupS: num(env, 'BENCH_WARMUP_S', 3, 0, 60),
    rounds: num(env, 'BENCH_ROUNDS', 3, 1, 10),
    connections: num(env, 'BENCH_CONNECTIONS', 50, 1, 1000),
    plannerS: num(env, 'BENCH_PLANNER_S', 3, 0.2, 60),
    latencyRequests: num(env, 'BENCH_LATENCY_REQUESTS', 1000, 1, 100_000),
    latencyInFlight: num(env, 'BENCH_LATENCY_IN_FLIGHT', 100, 1, 1000),
    cpuProfile: env.BENCH_CPU_PROF === '1',
    timeoutS: num(env, 'BENCH_TIMEOUT_S', 900, 30, 3600),
    baseDatabaseUrl,
    redisUrl,
    database: env.BENCH_DATABASE || 'taperwatch_bench',
    queuePrefix: '{tw-bench}',
    root,
    resultsDir: path.join(root, 'bench-results'),
  };
}
