import os from 'node:os';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { WatchRepository } from '@taperwatch/doses';
import { DEFAULT_TENANT_ID, dataSourceOptions } from '@taperwatch/persistence';
import { ApiClient } from '../http/api-client';
import { LoadResult, Target, bracketed, measure } from '../http/load';
import {
  ceilingTarget,
  createPatientTarget,
  getPlanTarget,
  listDosesTarget,
  readDosesTarget,
  listUnitAlertsTarget,
} from '../http/targets';
import { log } from '../items';
import { HttpSummary, httpSummaryTable, summarizeHttp } from '../report';
import { stopAll } from '../lib/processes';
import { createScratchTable, deleteQueueKeys, query, recreateBenchDatabase } from '../lib/services';
import { BenchSettings } from '../lib/settings';
import { BENCH_ADMIN_KEY, startStack } from '../lib/stack';
import { LatencySummary, latencySummary, median } from '../lib/stats';
import { Cell, fmt, table } from '../lib/table';
import { ClaimRep, setupRecording, timeClaims } from '../watch';
import { adminUrlFor } from '../../libs/testing/src/databases';
import { eveningZone } from './fleet';
import { benchHorizonScale } from './horizon';
import { horizonScaleTable } from './report';
import { NETWORK_BASE, SeedReport, networkPlanId, networkUnit, seedNetwork } from './seed';

/** Recordings a second the reserve is sized for (above any rate this machine has reached). */
const MAX_RECORDINGS_PER_S = 10_000;
const CLAIM_REPS = 3;
/** Times the claim that finds nothing (a sweep's usual case) is run. */
const EMPTY_CLAIMS = 20;

export interface ClaimResult {
  overdue: number;
  reps: ClaimRep[];
  totalMs: number;
  /** Every batch's ms (the last, short one included: at small sizes it is the only one). */
  batchMs: LatencySummary;
  /** The claim when nothing is overdue: the median of EMPTY_CLAIMS. */
  emptyMs: number;
  explain: string;
}

/** What one size measured. */
export interface ScaleResult {
  scale: number;
  seed: SeedReport;
  mb: { doses: number; dosesIndexes: number; alerts: number; alertsIndexes: number };
  claim: ClaimResult;
  runs: LoadResult[];
  http: HttpSummary;
  /** Load averages (1 min) before seeding and after the HTTP runs: the machine is shared. */
  load: [number, number];
  /** Figures other measurements add at each size, by the label of their growth row. */
  extra: Record<string, Cell>;
}

/** The HTTP targets of the growth table, by key, as the summary names them. */
const TARGET_KEYS = ['record', 'doses', 'dosesRead', 'plan', 'alerts', 'patients'] as const;
type TargetKey = (typeof TARGET_KEYS)[number];

const byTarget = (r: ScaleResult, name: string) => r.http.byTarget.find((t) => t.target === name);
const n1 = (x: number | undefined) => (x === undefined ? null : fmt(x, 1));
const n2 = (x: number | undefined) => (x === undefined ? null : fmt(x, 2));

/**
 * The growth table's rows: a label and the cell of each size. One line each, so a measurement
 * added later (it fills `extra`) is one more line here.
 */
export function growthRows(names: Record<TargetKey, string>): [string, (r: ScaleResult) => Cell][] {
  const http = (key: TargetKey): [string, (r: ScaleResult) => Cell][] => [
    [`${key}: ratio to ceiling`, (r) => n2(byTarget(r, names[key])?.ratio?.median)],
    [`${key}: p99 ms`, (r) => n1(byTarget(r, names[key])?.p99Ms)],
  ];
  return [
    ['dose rows', (r) => r.seed.doses],
    ['plans in force (network)', (r) => r.seed.plans],
    ['alert rows', (r) => r.seed.alerts],
    ['doses table / indexes MB', (r) => `${fmt(r.mb.doses)} / ${fmt(r.mb.dosesIndexes)}`],
    ['alerts table / indexes MB', (r) => `${fmt(r.mb.alerts)} / ${fmt(r.mb.alertsIndexes)}`],
    ['seed s (fill / indexes / vacuum / checkpoint)', (r) => seedCell(r.seed)],
    ...TARGET_KEYS.flatMap(http),
    ['ceiling req/s', (r) => byTarget(r, 'ceiling')?.reqPerS.median],
    ['sweep claim: overdue rows', (r) => r.claim.overdue],
    [
      'sweep claim: ms a batch p50 / max',
      (r) => `${n1(r.claim.batchMs.p50)} / ${n1(r.claim.batchMs.max)}`,
    ],
    ['sweep claim: ms until empty (median)', (r) => n1(r.claim.totalMs)],
    ['sweep claim, nothing overdue: ms', (r) => n1(r.claim.emptyMs)],
    ['load average (before / after)', (r) => `${n2(r.load[0])} / ${n2(r.load[1])}`],
  ];
}

function seedCell(s: SeedReport): string {
  return `${fmt(s.totalS, 0)} (${fmt(s.fillS, 0)} / ${fmt(s.indexS, 0)} / ${fmt(s.vacuumS, 0)} / ${fmt(s.checkpointS, 0)})`;
}

export function growthTable(results: readonly ScaleResult[], names: Record<TargetKey, string>) {
  return table(
    'Growth: each figure at each size (× the base of 500 plans, 100,000 doses, 10,000 alerts)',
    ['figure', ...results.map((r) => `${r.scale}×`)],
    growthRows(names).map(([label, cell]) => [label, ...results.map(cell)]),
  );
}

/** Table and index sizes of doses and alerts, in MB. */
async function sizes(db: Pool): Promise<ScaleResult['mb']> {
  const { rows } = await db.query<Record<keyof ScaleResult['mb'], string>>(
    `SELECT pg_table_size('doses') / 1048576.0 AS doses,
            pg_indexes_size('doses') / 1048576.0 AS "dosesIndexes",
            pg_table_size('alerts') / 1048576.0 AS alerts,
            pg_indexes_size('alerts') / 1048576.0 AS "alertsIndexes"`,
  );
  const r = rows[0]!;
  return {
    doses: Number(r.doses),
    dosesIndexes: Number(r.dosesIndexes),
    alerts: Number(r.alerts),
    alertsIndexes: Number(r.alertsIndexes),
  };
}

/**
 * The sweep's claim over the seeded network at `now` (its overdue doses are those of the last two
 * hours still scheduled past their grace), rolled back, and the claim that finds nothing.
 */
async function measureClaim(dataSource: DataSource, now: Date): Promise<ClaimResult> {
  const [c]: { overdue: number; first: Date | null }[] = await dataSource.query(
    `SELECT count(*)::int AS overdue, min(missed_after) AS first FROM doses
      WHERE status = 'scheduled' AND missed_after <= $1`,
    [now],
  );
  // The claims that find nothing first, as the worker's sweep runs them every few seconds before
  // doses fall overdue: the timed claims then run on connections that have run the statement
  // and fired its trigger before, as the worker's pooled ones have, and not on a cold backend.
  // They touch no overdue dose's pages but the first leaf of the pending index, as every sweep.
  const repository = new WatchRepository(dataSource);
  const before = new Date((c!.first ?? now).getTime() - 1000);
  const empty: number[] = [];
  for (let i = 0; i < EMPTY_CLAIMS; i++) {
    const t0 = process.hrtime.bigint();
    await repository.claimOverdue(before);
    empty.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  // No VACUUM between repetitions (it reads every index of 10 million rows): the claimed rows'
  // rolled-back versions are not in the partial index the claim reads.
  const { reps, explain } = await timeClaims(dataSource, now, CLAIM_REPS, false);
  return {
    overdue: c!.overdue,
    reps,
    totalMs: median(reps.map((r) => r.totalMs)),
    batchMs: latencySummary(reps.flatMap((r) => r.batchMs)),
    emptyMs: median(empty),
    explain,
  };
}

/** What every size of the scale run shares. */
interface SizeContext {
  settings: BenchSettings;
  db: Pool;
  dataSource: DataSource;
  stack: Awaited<ReturnType<typeof startStack>>;
  prescriber: ApiClient;
  recording: Awaited<ReturnType<typeof setupRecording>>;
  now: Date;
}

/**
 * One size of the scale run: grows the tables to `scale` × the base, times the sweep's claim,
 * then the HTTP items beside the ceiling (their names go into `names` for the growth table).
 */
async function measureSize(
  ctx: SizeContext,
  scale: number,
  ceiling: Target,
  names: Record<TargetKey, string>,
): Promise<ScaleResult> {
  const { settings, db, stack, prescriber, recording, now } = ctx;
  const loadBefore = os.loadavg()[0]!;
  log(`${scale}×: seeding ${NETWORK_BASE.plans * scale} plans in force`);
  const seed = await seedNetwork(db, scale, {
    tenantId: DEFAULT_TENANT_ID,
    templatePlanId: recording.planIds[0]!,
    now,
  });
  log(
    `  ${fmt(seed.doses)} doses, ${fmt(seed.alerts)} alerts in ${fmt(seed.totalS, 1)} s ` +
      `(fill ${fmt(seed.fillS, 1)}, indexes ${fmt(seed.indexS, 1)}, vacuum ${fmt(seed.vacuumS, 1)}, ` +
      `checkpoint ${fmt(seed.checkpointS, 1)})`,
  );
  const claim = await measureClaim(ctx.dataSource, now);
  log(`  claim: ${claim.overdue} overdue, ${fmt(claim.totalMs, 1)} ms`);
  const planId = await networkPlanId(db, 0);
  const targets: Record<TargetKey, Target> = {
    record: recording.target,
    doses: listDosesTarget(stack.apiUrl, prescriber.authHeaders, planId),
    dosesRead: readDosesTarget(stack.apiUrl, prescriber.authHeaders, planId),
    plan: getPlanTarget(stack.apiUrl, prescriber.authHeaders, planId),
    alerts: listUnitAlertsTarget(stack.apiUrl, prescriber.authHeaders, networkUnit(0)),
    patients: createPatientTarget(stack.apiUrl, prescriber.authHeaders),
  };
  for (const key of TARGET_KEYS) names[key] = targets[key].name;
  const runs: LoadResult[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const order = round % 2 ? Object.values(targets) : Object.values(targets).reverse();
    for (const target of bracketed(order, ceiling)) {
      log(`  ${scale}× round ${round}/${settings.rounds}: ${target.name}`);
      const run = await measure(target, { ...settings, round }, stack.pids);
      log(`    ${Math.round(run.reqPerS)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms`);
      runs.push(run);
    }
  }
  return {
    scale,
    seed,
    mb: await sizes(db),
    claim,
    runs,
    http: summarizeHttp(runs, ceiling.name),
    load: [loadBefore, os.loadavg()[0]!],
    extra: {},
  };
}

/**
 * `npm run bench -- --scale`: a database of its own (`<BENCH_DATABASE>_scale`, dropped
 * afterwards) grown to each of `scaleSteps` × the network's base size; at each size the sweep's
 * claim and the HTTP items (recording, dose page, plan read, a unit's open alerts, patient
 * creation) beside the same run's ceiling. The API runs against that database; the worker is
 * stopped once the bench's own plans are planned, so nothing but the runs touches the tables.
 * Then the horizon job over the largest size's plans in force (horizon.ts), their patients on a
 * clock whose evening doses are all due within the watcher's 4 h of queued checks.
 */
export async function runScale(settings: BenchSettings): Promise<Record<string, unknown>> {
  const sizes = await runSizes(settings);
  if (!settings.items.includes('horizon-scale')) return sizes;
  // The horizon job and Redis at the largest size's plans in force, every one of them watched.
  const plans = NETWORK_BASE.plans * settings.scaleSteps[settings.scaleSteps.length - 1]!;
  const zones = settings.scaleZones ?? [eveningZone(new Date())];
  log(`scale: the horizon job over ${plans} plans in force, patients' clocks ${zones.join(', ')}`);
  const horizon = await benchHorizonScale({ ...settings, scaleZones: zones }, plans);
  console.log(horizonScaleTable([horizon]));
  return { ...sizes, horizonScale: [horizon] };
}

async function runSizes(settings: BenchSettings): Promise<Record<string, unknown>> {
  const database = `${settings.database}_scale`;
  log(`scale: database ${database}, sizes ${settings.scaleSteps.map((s) => `${s}×`).join(' ')}`);
  const url = await recreateBenchDatabase(settings.baseDatabaseUrl, database);
  const db = new Pool({ connectionString: url, max: 2 });
  const dataSource = new DataSource(dataSourceOptions({ url, poolSize: 2 }));
  const results: ScaleResult[] = [];
  try {
    await createScratchTable(url);
    await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);
    log('starting api (migrates), ceiling and worker');
    const stack = await startStack(settings, url);
    const admin = new ApiClient(stack.apiUrl, BENCH_ADMIN_KEY);
    const prescriber = admin.withKey(await admin.createKey('prescriber'));
    const nurse = admin.withKey(await admin.createKey('nurse', ['ward-7']));
    const reserve = Math.ceil((settings.warmupS + settings.durationS) * MAX_RECORDINGS_PER_S);
    log(`recording's plans, ${reserve} scheduled doses kept ahead for each run`);
    // All of it written now and topped up to it before each run: every size counts it.
    const recording = await setupRecording(prescriber, nurse.authHeaders, url, reserve, 0);
    await stack.worker.stop();
    await dataSource.initialize();

    const now = new Date();
    const ceiling = ceilingTarget(stack.ceilingUrl);
    const names = {} as Record<TargetKey, string>;
    const size: SizeContext = { settings, db, dataSource, stack, prescriber, recording, now };
    for (const scale of settings.scaleSteps) {
      results.push(await measureSize(size, scale, ceiling, names));
      console.log(httpSummaryTable(results[results.length - 1]!.http));
      console.log(growthTable(results, names));
    }
    const last = results[results.length - 1];
    const output = [
      growthTable(results, names),
      last ? `EXPLAIN (ANALYZE, BUFFERS) of one claim at ${last.scale}×:` : '',
      last ? last.claim.explain.replace(/^/gm, '  ') : '',
    ].join('\n');
    console.log(output);
    return { scale: results };
  } finally {
    await db.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await stopAll();
    await deleteQueueKeys(settings.redisUrl, settings.queuePrefix).catch(() => 0);
    if (process.env.BENCH_SCALE_KEEP === '1') log(`kept database ${database}`);
    else {
      await query(
        adminUrlFor(settings.baseDatabaseUrl),
        `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`,
      );
    }
  }
}
