import fs from 'node:fs';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions } from '@taperwatch/persistence';
import { QUEUES, jobIds } from '@taperwatch/queues';
import { WatchRepository } from '@taperwatch/doses';
import { ApiClient } from './http/api-client';
import { Target } from './http/load';
import { recordAdministrationTarget } from './http/targets';
import { CpuShare, cpuWindow } from './lib/cpu';
import { Child } from './lib/processes';
import { count, sleep, until } from './lib/poll';
import { activePlans, seedDoses } from './lib/seed';
import { Samples, scrapeMetrics } from './lib/metrics';
import { query, redisKeyBytes, redisUsedMemory, withMigratedDatabase } from './lib/services';
import { BenchSettings } from './lib/settings';
import { unwatchedDoses } from './scale/armed-memory';
import { LatencySummary, latencySummary, median } from './lib/stats';

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Recording administrations with many scheduled doses in the table

/** Plans the recorded doses are spread over. */
const RECORD_PLANS = 100;
/** Far enough ahead (armed, past the watcher's check horizon) that no job or sweep stirs. */
const RECORD_FIRST_DUE_MS = 3 * DAY_MS;
const RECORD_SPACING_MS = 10_000;
/**
 * Doses a run may record on top of the `doses` that stay scheduled throughout it: a warm-up and a
 * measured run at 15,000 recordings a second. Past the end the ids would repeat and answer 409.
 */
const RECORD_HEADROOM = 200_000;

export interface RecordSetup {
  planIds: string[];
  target: Target;
  /** Scheduled doses in the table at the start of each measured run (after the top-up). */
  scheduledBefore: number[];
  /** Scheduled doses left at the end of each measured run. */
  scheduledAfter: number[];
  /** Mean recordings per statement over each run and its warm-up (the API's /metrics). */
  perStatement: number[];
}

/**
 * Active plans holding `doses` scheduled doses (one INSERT … SELECT generate_series), and the
 * autocannon target recording each of them given once, with a nurse key of their unit. Before
 * each run the table is topped up to `doses` + `headroom` scheduled doses and the ids are
 * re-read, so at least `doses` are still scheduled when the run ends (scheduledAfter says).
 */
export async function setupRecording(
  prescriber: ApiClient,
  nurseAuth: Record<string, string>,
  databaseUrl: string,
  doses: number,
  headroom = RECORD_HEADROOM,
): Promise<RecordSetup> {
  const planIds = await activePlans(prescriber, databaseUrl, RECORD_PLANS, 'RECORD');
  const ids: string[] = [];
  const scheduledBefore: number[] = [];
  const scheduledAfter: number[] = [];
  const perStatement: number[] = [];
  const metricsUrl = `${prescriber.baseUrl}/metrics`;
  let before: Samples = new Map();
  const target = recordAdministrationTarget(prescriber.baseUrl, nurseAuth, ids);
  const scheduled = `FROM doses WHERE plan_id = ANY($1::uuid[]) AND status = 'scheduled'`;
  const countScheduled = () =>
    count(databaseUrl, `SELECT count(*)::int AS n ${scheduled}`, [planIds]);
  const topUp = async (want: number) => {
    const have = await countScheduled();
    const [last] = await query<{ at: Date | null }>(
      databaseUrl,
      'SELECT max(due_at) AS at FROM doses WHERE plan_id = ANY($1::uuid[])',
      [planIds],
    );
    if (have < want) {
      await seedDoses(databaseUrl, planIds, {
        count: want - have,
        firstDueAt: new Date(
          (last?.at?.getTime() ?? Date.now() + RECORD_FIRST_DUE_MS) + RECORD_SPACING_MS,
        ),
        spacingMs: RECORD_SPACING_MS,
        armedGraceMs: 30 * 60_000,
      });
    }
  };
  // Seeded now, not only before the first recording run: the dose-page item reads the first
  // plan's doses and must find a full page from its first round on.
  await topUp(doses);
  target.prepare = async () => {
    await topUp(doses + headroom);
    const rows = await query<{ id: string }>(
      databaseUrl,
      `SELECT id ${scheduled} ORDER BY random()`,
      [planIds],
    );
    ids.length = 0;
    for (const row of rows) ids.push(row.id);
    scheduledBefore.push(ids.length);
    // What autovacuum would have done after the last run's updates: this machine's Postgres runs
    // with autovacuum off, and every run leaves tens of thousands of dead dose versions behind.
    await query(databaseUrl, 'VACUUM ANALYZE doses');
    // Every run starts where a checkpoint ends, not wherever the top-up's and the last run's
    // writes left the cycle: that decides how many of its page changes write full-page images.
    await query(databaseUrl, 'CHECKPOINT');
    before = await scrapeMetrics(metricsUrl);
  };
  target.finish = async () => {
    scheduledAfter.push(await countScheduled());
    const after = await scrapeMetrics(metricsUrl);
    const grew = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const statementsRun = grew('taperwatch_recordings_per_statement_count');
    const sum = grew('taperwatch_recordings_per_statement_sum');
    perStatement.push(statementsRun > 0 ? sum / statementsRun : 0);
  };
  return { planIds, target, scheduledBefore, scheduledAfter, perStatement };
}

// ---------------------------------------------------------------------------------------------
// Detection lateness and Redis memory per watched dose

export interface DetectionResult {
  doses: number;
  plans: number;
  windowS: number;
  graceMinutes: number;
  sweepMs: number;
  /** All seeded doses armed and queued (s after seeding) and before the first fell due? */
  queuedAfterS: number | null;
  queuedBeforeFirstDue: boolean;
  missed: number;
  /** missed_at − missed_after per dose, ms (from Postgres). */
  latenessMs: LatencySummary;
  /**
   * Doses the sweep marked, not a delayed job: the worker's "sweep marked doses missed" log lines
   * (logged where taperwatch_watch_sweep_findings_total is incremented; the worker serves no
   * /metrics). Postgres cannot tell: a job and a sweep both write missed_at = their start time.
   */
  sweepCaught: number;
  alertsOpened: number;
  redis: {
    usedBefore: number;
    usedAfter: number;
    bytesPerDose: number;
    /** MEMORY USAGE of sampled job hashes (mean) and the delayed zset's growth per dose. */
    jobHashBytes: number;
    delayedZsetBytesPerDose: number;
  };
  cpu: CpuShare;
}

/** Sums the `doses` of the worker's "sweep marked doses missed" lines logged after `since`. */
function sweepFindingsInLog(logFile: string, since: number): number {
  let total = 0;
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('sweep marked doses missed')) continue;
    try {
      const entry = JSON.parse(line) as { time?: number; doses?: number };
      if ((entry.time ?? 0) >= since) total += entry.doses ?? 0;
    } catch {
      // not a JSON line
    }
  }
  return total;
}

/**
 * With `worker` running (DOSE_GRACE_MINUTES and WATCH_SWEEP_MS as in settings): seeds
 * `watchDoses` unarmed doses over `watchPlans` active plans whose due_at + grace fall within
 * `watchWindowS` starting `leadS` from now; the worker's sweep arms them and queues a delayed
 * job each. Measures Redis before and after the queueing, then waits until all are missed.
 */
export async function benchDetection(
  prescriber: ApiClient,
  databaseUrl: string,
  settings: BenchSettings,
  worker: Child,
  children: Record<string, number>,
): Promise<DetectionResult> {
  const n = settings.watchDoses;
  const graceMs = settings.watchGraceMinutes * 60_000;
  const planIds = await activePlans(prescriber, databaseUrl, settings.watchPlans, 'WATCH');
  // Quiet first: whatever else is in the table armed and queued, so Redis holds still.
  await until(
    async () => (await unwatchedDoses(databaseUrl)) === 0,
    3 * settings.watchSweepMs + 30_000,
  );
  await sleep(1000);
  const usedBefore = await redisUsedMemory(settings.redisUrl);
  const delayedKey = `${settings.queuePrefix}:${QUEUES.doseChecks}:delayed`;
  const [delayedBefore] = await redisKeyBytes(settings.redisUrl, [delayedKey]);

  // Two sweeps and the queueing fit in the lead.
  const leadMs = 2 * settings.watchSweepMs + 10_000;
  const seededAt = Date.now();
  const firstMissedAfter = seededAt + leadMs;
  const endCpu = cpuWindow(children);
  const doseIds = await seedDoses(databaseUrl, planIds, {
    count: n,
    firstDueAt: new Date(firstMissedAfter - graceMs),
    spacingMs: (settings.watchWindowS * 1000) / n,
    armedGraceMs: null,
  });
  const ours = 'FROM doses WHERE id = ANY($1::uuid[])';
  const queued = await until(
    async () =>
      (await count(databaseUrl, `SELECT count(*)::int AS n ${ours} AND check_queued`, [
        doseIds,
      ])) === n,
    leadMs + 30_000,
    100,
  );
  const queuedAfterS = queued ? (Date.now() - seededAt) / 1000 : null;
  const usedAfter = await redisUsedMemory(settings.redisUrl);
  const sample = doseIds
    .slice(0, 100)
    .map((id) => `${settings.queuePrefix}:${QUEUES.doseChecks}:${jobIds.doseCheck(id)}`);
  const [delayedAfter, ...hashes] = await redisKeyBytes(settings.redisUrl, [delayedKey, ...sample]);
  const queuedBeforeFirstDue = queued && Date.now() < firstMissedAfter;

  await until(
    async () =>
      (await count(databaseUrl, `SELECT count(*)::int AS n ${ours} AND status = 'missed'`, [
        doseIds,
      ])) === n,
    leadMs + settings.watchWindowS * 1000 + 120_000,
    500,
  );
  const cpu = endCpu();
  const rows = await query<{ lateness: number }>(
    databaseUrl,
    `SELECT extract(epoch FROM missed_at - missed_after) * 1000 AS lateness
       ${ours} AND status = 'missed'`,
    [doseIds],
  );
  const lateness = rows.map((r) => Number(r.lateness));
  const alertsOpened = await count(
    databaseUrl,
    'SELECT count(*)::int AS n FROM alerts WHERE plan_id = ANY($1::uuid[])',
    [planIds],
  );
  return {
    doses: n,
    plans: planIds.length,
    windowS: settings.watchWindowS,
    graceMinutes: settings.watchGraceMinutes,
    sweepMs: settings.watchSweepMs,
    queuedAfterS,
    queuedBeforeFirstDue,
    missed: rows.length,
    latenessMs: latencySummary(lateness),
    sweepCaught: sweepFindingsInLog(worker.logFile, seededAt),
    alertsOpened,
    redis: {
      usedBefore,
      usedAfter,
      bytesPerDose: (usedAfter - usedBefore) / n,
      jobHashBytes: hashes.length ? hashes.reduce((a, b) => a + b, 0) / hashes.length : NaN,
      delayedZsetBytesPerDose: ((delayedAfter ?? 0) - (delayedBefore ?? 0)) / n,
    },
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// The sweep's overdue claim over many dose rows, 1% overdue

export interface SweepResult {
  rows: number;
  overdue: number;
  loadS: number;
  tableMb: number;
  partialIndexMb: number;
  /** Per repetition (each rolled back, then VACUUM): total ms and the batches' ms. */
  reps: { totalMs: number; batches: number; claimed: number; batchMs: number[] }[];
  totalMs: number;
  batchMs: LatencySummary;
  usesPartialIndex: boolean;
  explain: string;
}

const SWEEP_REPS = 3;

/**
 * In a database of its own (dropped afterwards): the migrated schema, `rows` dose rows from one
 * INSERT … SELECT generate_series — 1% scheduled and overdue (missed_after 1 min to 2 days ago),
 * about half given in the past, the rest scheduled in the next 30 days (armed) — then the
 * watcher's own claim (WatchRepository.claimOverdue) looped as WatchService.markOverdue loops
 * it, in a transaction that is rolled back; plus EXPLAIN ANALYZE of one batch.
 */
/** Runs `work` in a transaction on one connection, then rolls it back. */
async function rolledBack(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<void>,
): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    await work(runner.manager);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

export async function benchSweep(settings: BenchSettings, rows: number): Promise<SweepResult> {
  return withMigratedDatabase(settings.baseDatabaseUrl, `${settings.database}_sweep`, (url) =>
    claimOverdueIn(url, rows),
  );
}

/** benchSweep's work in its migrated database. */
async function claimOverdueIn(url: string, rows: number): Promise<SweepResult> {
  const client = new Client({ connectionString: url });
  const dataSource = new DataSource(dataSourceOptions({ url, poolSize: 2 }));
  try {
    await dataSource.initialize();
    await client.connect();

    const now = new Date();
    const t0 = Date.now();
    // g % 100 = 0: overdue; odd: given in the past; even: scheduled in the future. Distinct
    // due_at per plan (plan = g % 10000, so a plan's rows share g % 100 and hence their kind).
    await client.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                          equivalent_mg, status, administered_at, recorded_outcome, missed_after,
                          check_queued)
       SELECT uuid_v7(), md5('tenant')::uuid, md5('plan' || g % 10000)::uuid,
              md5('patient' || g % 10000)::uuid, 1, d.due_at, 'baclofen', 15, 15,
              CASE WHEN g % 2 = 1 THEN 'given' ELSE 'scheduled' END,
              CASE WHEN g % 2 = 1 THEN d.due_at END,
              CASE WHEN g % 2 = 1 THEN 'given' END,
              d.due_at + interval '30 minutes', g % 100 = 0 OR g % 2 = 1
         FROM generate_series(1, $2::int) AS g
         CROSS JOIN LATERAL (SELECT CASE
             WHEN g % 100 = 0 THEN $1::timestamptz - interval '31 minutes' - make_interval(secs => g * 0.17 * 1000000 / $2::int)
             WHEN g % 2 = 1 THEN $1::timestamptz - make_interval(secs => g * 2.5 * 1000000 / $2::int)
             ELSE $1::timestamptz + make_interval(secs => g * 2.5 * 1000000 / $2::int) END AS due_at) d`,
      [now, rows],
    );
    await client.query('VACUUM ANALYZE doses');
    const loadS = (Date.now() - t0) / 1000;
    const sizes = await client.query<{ overdue: number; table_mb: number; index_mb: number }>(
      `SELECT (SELECT count(*)::int FROM doses WHERE status = 'scheduled' AND missed_after <= $1) AS overdue,
              pg_table_size('doses') / 1048576.0 AS table_mb,
              pg_relation_size('doses_pending_missed_after_idx') / 1048576.0 AS index_mb`,
      [now],
    );

    const { reps, explain } = await timeClaims(dataSource, now, SWEEP_REPS);
    return {
      rows,
      overdue: sizes.rows[0]!.overdue,
      loadS,
      tableMb: Number(sizes.rows[0]!.table_mb),
      partialIndexMb: Number(sizes.rows[0]!.index_mb),
      reps,
      totalMs: median(reps.map((r) => r.totalMs)),
      batchMs: latencySummary(reps.flatMap((r) => r.batchMs.slice(0, -1))),
      usesPartialIndex: explain.includes('doses_pending_missed_after_idx'),
      explain,
    };
  } finally {
    await client.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
  }
}

/** One repetition of the claim: every batch until a short one, in a transaction rolled back. */
export type ClaimRep = SweepResult['reps'][number];

/**
 * CLAIM_OVERDUE_SQL looped as WatchService.markOverdue loops it ($1 = `now`) until a short batch,
 * `reps` times, each in a transaction rolled back and (`vacuum`) followed by VACUUM doses; then
 * EXPLAIN (ANALYZE, BUFFERS) of one batch, rolled back too.
 */
export async function timeClaims(
  dataSource: DataSource,
  now: Date,
  reps: number,
  vacuum = true,
): Promise<{ reps: ClaimRep[]; explain: string }> {
  const repository = new WatchRepository(dataSource);
  const out: ClaimRep[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const batchMs: number[] = [];
    let claimed = 0;
    let totalMs = 0;
    await rolledBack(dataSource, async (manager) => {
      const start = process.hrtime.bigint();
      for (;;) {
        const b0 = process.hrtime.bigint();
        const { rows, full } = await repository.claimOverdue(now, manager);
        batchMs.push(Number(process.hrtime.bigint() - b0) / 1e6);
        claimed += rows.length;
        if (!full) break;
      }
      totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    });
    if (vacuum) await dataSource.query('VACUUM doses');
    out.push({ totalMs, batches: batchMs.length, claimed, batchMs });
  }
  let explain = '';
  await rolledBack(dataSource, async (manager) => {
    explain = await repository.explainClaimOverdue(manager, now);
  });
  return { reps: out, explain };
}
