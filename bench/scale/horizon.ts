import os from 'node:os';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { CpuShare, cpuWindow } from '../lib/cpu';
import { count, sleep } from '../lib/poll';
import { residentMb, resetPeak } from '../lib/proc';
import { Child } from '../lib/processes';
import { deleteQueueKeys, query, redisUsedMemory, withMigratedDatabase } from '../lib/services';
import { BenchSettings } from '../lib/settings';
import { startWorker } from '../lib/stack';
import { ArmedMemoryResult, measureArmedMemory } from './armed-memory';
import { Fleet, seedFleet } from './fleet';

const DAY_MS = 86_400_000;
/** The worker's DOSE_HORIZON_DAYS (its default). */
const HORIZON_DAYS = 7;
/**
 * Its own queue prefix, named after the bench database (BENCH_DATABASE): other bench runs on
 * this Redis use `{tw-bench}`, and two sessions benching side by side keep apart.
 */
const prefixOf = (settings: BenchSettings) => `{${settings.database}-horizon}`;
/** One horizon job may take this long before the bench gives up. */
const JOB_TIMEOUT_MS = 15 * 60_000;

export interface HorizonRunResult {
  /** What the run had to write: a week of rows per plan, or the last hour of the horizon. */
  label: string;
  /** Horizon jobs run until every plan in force had its rows written to now + the horizon. */
  jobs: number;
  /** First job added → last job finished (bench clock), and the jobs' own processing time. */
  wallS: number;
  processingS: number;
  /** Summed over the jobs (HorizonRun the job returns). */
  plansVisited: number;
  rows: number;
  completed: number;
  /** The worker's resident size before the run, and its peak during it (VmHWM, reset first). */
  rssBeforeMb: number;
  peakRssMb: number;
  /** False: VmHWM could not be reset, so the peak is since the worker started. */
  peakOfRunOnly: boolean;
  doseRowsAfter: number;
  /** Cores used during the run: the worker, Postgres, and the machine's other work. */
  cpu: CpuShare;
}

export interface HorizonScaleResult {
  fleet: Fleet;
  horizonDays: number;
  runs: HorizonRunResult[];
  /** Measured once the week of rows is written (not when only the hour ran). */
  armed: ArmedMemoryResult | null;
  loadavg: number[];
}

interface HorizonRunValue {
  plans: number;
  rows: number;
  completed: number;
}

/** Adds one extend-dose-horizon job and waits for the worker to finish it (bounded). */
async function runHorizonJob(queue: Queue, jobId: string): Promise<Job> {
  await queue.add(JOB_NAMES.extendDoseHorizon, {}, { jobId, attempts: 1 });
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const job = await Job.fromId(queue, jobId);
    if (job?.failedReason) throw new Error(`horizon job ${jobId} failed: ${job.failedReason}`);
    if (job?.finishedOn) return job;
    await sleep(100);
  }
  throw new Error(`horizon job ${jobId} did not finish within ${JOB_TIMEOUT_MS} ms`);
}

/**
 * Runs horizon jobs one after another, as the scheduler would, until no plan in force has its rows
 * written short of (start + the horizon): one job when a run takes every plan, more when a run
 * takes a bounded number. The worker's peak RSS is read from /proc.
 */
async function catchUp(
  queue: Queue,
  databaseUrl: string,
  worker: Child,
  label: string,
  maxJobs: number,
): Promise<HorizonRunResult> {
  await query(databaseUrl, 'VACUUM ANALYZE plans, doses');
  const rssBeforeMb = residentMb(worker.pid).rssMb;
  const peakOfRunOnly = resetPeak(worker.pid);
  const endCpu = cpuWindow({ worker: worker.pid });
  const start = Date.now();
  const target = new Date(start + HORIZON_DAYS * DAY_MS);
  const behind = `SELECT count(*)::int AS n FROM plans
                  WHERE status IN ('active', 'paused') AND doses_until < $1`;
  const run: HorizonRunResult = {
    label,
    jobs: 0,
    wallS: 0,
    processingS: 0,
    plansVisited: 0,
    rows: 0,
    completed: 0,
    rssBeforeMb,
    peakRssMb: 0,
    peakOfRunOnly,
    doseRowsAfter: 0,
    cpu: undefined as unknown as CpuShare,
  };
  let finishedOn: number;
  do {
    const job = await runHorizonJob(queue, `scale-${label.replace(/\W+/g, '-')}-${run.jobs}`);
    const value = job.returnvalue as HorizonRunValue;
    run.jobs++;
    run.plansVisited += value.plans;
    run.rows += value.rows;
    run.completed += value.completed;
    run.processingS += ((job.finishedOn ?? 0) - (job.processedOn ?? 0)) / 1000;
    finishedOn = job.finishedOn ?? Date.now();
  } while (run.jobs < maxJobs && (await count(databaseUrl, behind, [target])) > 0);
  run.cpu = endCpu();
  run.wallS = (finishedOn - start) / 1000;
  run.peakRssMb = residentMb(worker.pid).peakMb;
  run.doseRowsAfter = await count(databaseUrl, 'SELECT count(*)::int AS n FROM doses', []);
  return run;
}

/**
 * The horizon job and the watcher's Redis at a network's size, in a database of its own
 * (`<bench database>_horizon`, migrated, dropped afterwards) with a real worker process:
 * `plans` plans in force (seedFleet), then
 * 1. a week of rows: every plan's rows end now, so the job writes the whole horizon (as after
 *    the job stood still for a week, or a fleet approved at once);
 * 2. an hour of rows: every plan's rows end an hour short of the horizon, the job's steady work
 *    when it runs every hour (DOSE_HORIZON_INTERVAL_MS' default);
 * 3. Redis with every plan watched as the worker's own sweep watches it (measureArmedMemory).
 */
export async function benchHorizonScale(
  settings: BenchSettings,
  plans: number,
): Promise<HorizonScaleResult> {
  return withMigratedDatabase(settings.baseDatabaseUrl, `${settings.database}_horizon`, (url) =>
    measureFleet(settings, url, plans),
  );
}

async function measureFleet(
  settings: BenchSettings,
  url: string,
  plans: number,
): Promise<HorizonScaleResult> {
  // Seeded with rows written past the horizon, so nothing is due until the bench says so.
  const fleet = await seedFleet(
    url,
    plans,
    new Date(Date.now() + (HORIZON_DAYS + 1) * DAY_MS),
    ...(settings.scaleZones ? [settings.scaleZones] : []),
  );
  const prefix = prefixOf(settings);
  await deleteQueueKeys(settings.redisUrl, prefix);
  const usedBefore = await redisUsedMemory(settings.redisUrl);
  const worker = await startWorker(settings, url, `horizon-worker-${plans}`, {
    QUEUE_PREFIX: prefix,
    DOSE_HORIZON_DAYS: String(HORIZON_DAYS),
    // Only the bench's own jobs run the horizon while it measures.
    DOSE_HORIZON_INTERVAL_MS: String(DAY_MS),
    WATCH_SWEEP_MS: String(settings.scaleSweepMs),
  });
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.doseHorizon, { connection, prefix });
  try {
    // A run that takes a bounded number of plans needs one job per that many.
    const maxJobs = Math.ceil(plans / 100) + 10;
    const runs: HorizonRunResult[] = [];
    let rowsWrittenAt = Date.now();
    if (settings.scaleRuns.includes('week')) {
      await query(url, `UPDATE plans SET doses_until = now() WHERE status IN ('active', 'paused')`);
      runs.push(await catchUp(queue, url, worker, 'a week of rows', maxJobs));
      rowsWrittenAt = Date.now();
      // This machine's Postgres runs without autovacuum, which would analyze a table a tenth
      // new: arming planned on the stats of an empty fleet read every unarmed dose per page.
      await query(url, 'ANALYZE doses');
    }
    // Before the hour run: arming a week of rows is a catch-up the hourly job never meets.
    const armed = settings.scaleRuns.includes('week')
      ? await measureArmedMemory(url, settings.redisUrl, prefix, {
          sweepMs: settings.scaleSweepMs,
          plans,
          usedBefore,
          since: rowsWrittenAt,
        })
      : null;
    if (settings.scaleRuns.includes('hour')) {
      await query(
        url,
        `UPDATE plans SET doses_until = now() + make_interval(days => $1) - interval '1 hour'
          WHERE status IN ('active', 'paused')`,
        [HORIZON_DAYS],
      );
      runs.push(await catchUp(queue, url, worker, 'an hour of rows', maxJobs));
    }
    return { fleet, horizonDays: HORIZON_DAYS, runs, armed, loadavg: os.loadavg() };
  } finally {
    await queue.close();
    connection.disconnect();
    await worker.stop();
    await deleteQueueKeys(settings.redisUrl, prefix);
  }
}
