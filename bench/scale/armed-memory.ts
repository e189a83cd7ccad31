import Redis from 'ioredis';
import { QUEUES } from '@taperwatch/queues';
import { CHECK_HORIZON_MS } from '@taperwatch/doses';
import { count, until } from '../lib/poll';
import { redisUsedMemory, withRedis } from '../lib/services';

const HOUR_MS = 3_600_000;
/** Keys read per MEMORY USAGE pipeline. */
const SCAN_BATCH = 1000;

export interface ArmedMemoryResult {
  /** How far ahead the watcher queues a dose's delayed check (libs/watch CHECK_HORIZON_MS). */
  checkHorizonH: number;
  sweepMs: number;
  /**
   * From `since` (the week of rows written) until no scheduled dose was unarmed: every plan
   * armed by the worker's sweep, to within a poll (1 s) and the sweep's first tick (sweepMs).
   */
  armedAfterS: number | null;
  /** From `since` until no scheduled dose was unarmed or due within the horizon unqueued. */
  watchedAfterS: number | null;
  /** Doses armed by the sweep while the bench waited, and those still unarmed when it stopped. */
  armedDoses: number;
  unarmedLeft: number;
  scheduledDoses: number;
  /** Doses whose check the worker queued (check_queued), and the delayed zset's size. */
  queuedChecks: number;
  delayedJobs: number;
  /** Redis `INFO memory` used_memory before the worker started and once every plan is watched. */
  usedBeforeMb: number;
  usedAfterMb: number;
  /** The sum of MEMORY USAGE over every key of the queue prefix (others' keys do not count). */
  prefixKeys: number;
  prefixMb: number;
  /** prefixMb ÷ delayed jobs. */
  bytesPerDelayedJob: number;
}

/** Scheduled doses not yet armed (no missed_after). */
function unarmedDoses(databaseUrl: string): Promise<number> {
  return count(
    databaseUrl,
    `SELECT count(*)::int AS n FROM doses WHERE status = 'scheduled' AND missed_after IS NULL`,
    [],
  );
}

/**
 * Scheduled doses the watcher has not yet watched as it means to: unarmed, or due to be missed
 * within CHECK_HORIZON_MS without their delayed check queued.
 */
export function unwatchedDoses(databaseUrl: string): Promise<number> {
  return count(
    databaseUrl,
    `SELECT count(*)::int AS n FROM doses WHERE status = 'scheduled'
       AND (missed_after IS NULL
            OR (NOT check_queued AND missed_after < now() + make_interval(secs => $1::float8 / 1000)))`,
    [CHECK_HORIZON_MS],
  );
}

/** The sum of MEMORY USAGE over every key under `prefix`, and how many keys (bounded SCAN). */
export function prefixBytes(redisUrl: string, prefix: string) {
  return withRedis(redisUrl, async (redis: Redis) => {
    let bytes = 0;
    let keys = 0;
    let cursor = '0';
    for (let i = 0; i < 1_000_000; i++) {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', SCAN_BATCH);
      if (found.length > 0) {
        const pipeline = redis.pipeline();
        for (const key of found) pipeline.call('MEMORY', 'USAGE', key);
        for (const [error, value] of (await pipeline.exec()) ?? []) {
          if (!error) bytes += Number(value ?? 0);
        }
        keys += found.length;
      }
      cursor = next;
      if (cursor === '0') break;
    }
    return { bytes, keys };
  });
}

/**
 * With the worker (its sweep every `sweepMs`) running on `databaseUrl` and `prefix`: waits until
 * every plan is watched as the real worker watches it — every scheduled dose armed, and every
 * dose due within CHECK_HORIZON_MS given its delayed check — then reads what Redis holds.
 * `usedBefore` is used_memory read before the worker started; `since` when the doses to arm were
 * written (the sweep may have started on them while the bench measured something else).
 */
export async function measureArmedMemory(
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  opts: { sweepMs: number; plans: number; usedBefore: number; since: number },
): Promise<ArmedMemoryResult> {
  const t0 = opts.since;
  const unarmedAtStart = await unarmedDoses(databaseUrl);
  // The sweep arms a bounded number of plans each time: allow it a few rounds per thousand plans.
  const timeoutMs = 120_000 + Math.ceil(opts.plans / 1000 + 2) * opts.sweepMs * 3;
  let armedAfterS: number | null = null;
  let unarmedLeft = unarmedAtStart;
  const watched = await until(
    async () => {
      if (armedAfterS === null) {
        unarmedLeft = await unarmedDoses(databaseUrl);
        if (unarmedLeft > 0) return false;
        armedAfterS = (Date.now() - t0) / 1000;
      }
      return (await unwatchedDoses(databaseUrl)) === 0;
    },
    timeoutMs,
    1000,
  );
  const watchedAfterS = watched ? (Date.now() - t0) / 1000 : null;
  const usedAfter = await redisUsedMemory(redisUrl);
  const delayedJobs = await withRedis(redisUrl, (redis) =>
    redis.zcard(`${prefix}:${QUEUES.doseChecks}:delayed`),
  );
  const { bytes, keys } = await prefixBytes(redisUrl, prefix);
  const scheduledDoses = await count(
    databaseUrl,
    `SELECT count(*)::int AS n FROM doses WHERE status = 'scheduled'`,
    [],
  );
  const queuedChecks = await count(
    databaseUrl,
    `SELECT count(*)::int AS n FROM doses WHERE check_queued`,
    [],
  );
  return {
    checkHorizonH: CHECK_HORIZON_MS / HOUR_MS,
    sweepMs: opts.sweepMs,
    armedAfterS,
    watchedAfterS,
    armedDoses: unarmedAtStart - unarmedLeft,
    unarmedLeft,
    scheduledDoses,
    queuedChecks,
    delayedJobs,
    usedBeforeMb: opts.usedBefore / 1048576,
    usedAfterMb: usedAfter / 1048576,
    prefixKeys: keys,
    prefixMb: bytes / 1048576,
    bytesPerDelayedJob: delayedJobs > 0 ? bytes / delayedJobs : 0,
  };
}
