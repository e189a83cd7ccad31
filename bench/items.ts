import { freePort } from '@taperwatch/runtime';
import { BenchEhr, cdsTargets } from './cds';
import { EscalationContext, benchDeliveries, benchEscalation } from './escalation';
import { ApiClient } from './http/api-client';
import { LoadResult, Target, bracketed, measure } from './http/load';
import {
  ceilingTarget,
  createPatientTarget,
  getPlanTarget,
  listDosesTarget,
  readDosesTarget,
  nestFloorTarget,
} from './http/targets';
import { benchPostToPlanned } from './latency';
import { benchPlanner } from './planner';
import { benchApprove } from './plans';
import {
  approveTable,
  deliveriesTable,
  detectionTable,
  escalationTable,
  goalLines,
  httpRunsTable,
  httpSummaryTable,
  latencyTable,
  plannerTable,
  recordLine,
  summarizeHttp,
  sweepTable,
} from './report';
import type { Child } from './lib/processes';
import { startReceiver } from './lib/receiver';
import { taperRequestBody } from './lib/requests';
import { BenchItem, BenchSettings } from './lib/settings';
import { BenchStack, startWorker } from './lib/stack';
import { RecordSetup, benchDetection, benchSweep } from './watch';
import { HorizonScaleResult, benchHorizonScale } from './scale/horizon';
import { horizonScaleTable } from './scale/report';

export const log = (msg: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** What an item adds to the output: its tables for the summary and its part of latest.json. */
export interface Section {
  key: string;
  value: unknown;
  tables: string[];
  /** Printed as soon as it is measured too (the latency table waits for the summary). */
  printNow: boolean;
}

/** What the items that run against the built stack share. */
export interface StackContext {
  settings: BenchSettings;
  want: (item: BenchItem) => boolean;
  databaseUrl: string;
  stack: BenchStack;
  ehr: BenchEhr | undefined;
  admin: ApiClient;
  prescriber: ApiClient;
  nurse: ApiClient;
  /** The worker running now (items that need other settings replace it). */
  worker: Child;
  /** The seeded plans for the dose items, made once by whichever asks first. */
  recording(): Promise<RecordSetup>;
}

/**
 * A part of the bench, selected by any of `names`. `before` items run in-process before the
 * stack starts, `stack` items against it in registry order, `after` items once it has stopped.
 */
export type Item =
  | {
      names: readonly BenchItem[];
      stage: 'before' | 'after';
      run(s: BenchSettings): Promise<Section[]>;
    }
  | { names: readonly BenchItem[]; stage: 'stack'; run(ctx: StackContext): Promise<Section[]> };

/** The HTTP items' targets, in the order they are measured within a round. */
const TARGETS: Record<
  'patients' | 'plan' | 'doses' | 'record' | 'cds',
  (ctx: StackContext) => Promise<Target[]>
> = {
  patients: async ({ stack, prescriber }) => [
    createPatientTarget(stack.apiUrl, prescriber.authHeaders),
  ],
  plan: async ({ stack, prescriber }) => {
    const patientId = await prescriber.createPatient(`BENCH-PLAN-${Date.now()}`);
    const planId = await prescriber.planAndWait(taperRequestBody(patientId), 30_000);
    return [getPlanTarget(stack.apiUrl, prescriber.authHeaders, planId)];
  },
  doses: async (ctx) => {
    const planId = (await ctx.recording()).planIds[0]!;
    const { apiUrl } = ctx.stack;
    return [
      listDosesTarget(apiUrl, ctx.prescriber.authHeaders, planId),
      readDosesTarget(apiUrl, ctx.prescriber.authHeaders, planId),
    ];
  },
  record: async (ctx) => [(await ctx.recording()).target],
  cds: async ({ stack, prescriber, ehr, settings }) =>
    ehr ? cdsTargets(stack.apiUrl, prescriber, ehr, settings.cdsTokens) : [],
};

/** Every selected target and the Nest floor, in interleaved rounds bracketed by the ceiling. */
async function runHttp(ctx: StackContext): Promise<Section[]> {
  const { settings, stack, want } = ctx;
  const targets: Target[] = [];
  for (const [name, make] of Object.entries(TARGETS)) {
    if (want(name as BenchItem)) targets.push(...(await make(ctx)));
  }
  if (targets.length === 0) return [];
  targets.unshift(nestFloorTarget(stack.floorUrl));
  const ceiling = ceilingTarget(stack.ceilingUrl);
  const runs: LoadResult[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order so that no target always runs first (or right after another).
    const order = round % 2 ? targets : [...targets].reverse();
    for (const target of bracketed(order, ceiling)) {
      log(`round ${round}/${settings.rounds}: ${target.name}`);
      const run = await measure(target, { ...settings, round }, stack.pids);
      log(`  ${Math.round(run.reqPerS)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms`);
      runs.push(run);
    }
  }
  const http = summarizeHttp(runs, ceiling.name);
  const tables = [httpRunsTable(runs), httpSummaryTable(http), goalLines(http)];
  let recorded = {};
  if (want('record')) {
    const recording = await ctx.recording();
    tables.push(recordLine(recording));
    recorded = {
      recordScheduledBefore: recording.scheduledBefore,
      recordScheduledAfter: recording.scheduledAfter,
      recordingsPerStatement: recording.perStatement,
    };
  }
  return [{ key: 'http', value: { runs, summary: http, ...recorded }, tables, printNow: true }];
}

async function runLatency({ settings, prescriber, databaseUrl, stack }: StackContext) {
  log(`POST-to-planned: ${settings.latencyRequests} taper requests`);
  const patients: string[] = [];
  for (let i = 0; i < 10; i++)
    patients.push(await prescriber.createPatient(`BENCH-LAT-${Date.now()}-${i}`));
  const latency = await benchPostToPlanned(
    prescriber,
    databaseUrl,
    patients,
    { count: settings.latencyRequests, inFlight: settings.latencyInFlight, timeoutMs: 180_000 },
    stack.pids,
  );
  return [
    { key: 'postToPlanned', value: latency, tables: [latencyTable(latency)], printNow: false },
  ];
}

async function runWatch(ctx: StackContext): Promise<Section[]> {
  const { settings, databaseUrl, prescriber, stack } = ctx;
  log(
    `detection: worker with DOSE_GRACE_MINUTES=${settings.watchGraceMinutes}, ` +
      `WATCH_SWEEP_MS=${settings.watchSweepMs}; ${settings.watchDoses} doses due within ${settings.watchWindowS} s`,
  );
  await ctx.worker.stop();
  const worker = await startWorker(settings, databaseUrl, 'watch-worker', {
    DOSE_GRACE_MINUTES: String(settings.watchGraceMinutes),
    WATCH_SWEEP_MS: String(settings.watchSweepMs),
  });
  const detection = await benchDetection(prescriber, databaseUrl, settings, worker, {
    ...stack.pids,
    worker: worker.pid,
  });
  ctx.worker = worker;
  return [
    { key: 'detection', value: detection, tables: [detectionTable(detection)], printNow: true },
  ];
}

/** Escalation and deliveries share one worker with metrics and one webhook receiver. */
async function runEscalation(ctx: StackContext): Promise<Section[]> {
  const { settings, databaseUrl, want } = ctx;
  const receiver = await startReceiver();
  const metricsPort = await freePort();
  log(
    `escalation: worker with WORKER_METRICS_PORT=${metricsPort}, DOSE_GRACE_MINUTES=` +
      `${settings.watchGraceMinutes}, WATCH_SWEEP_MS=${settings.watchSweepMs}; receiver ${receiver.url}`,
  );
  await ctx.worker.stop();
  ctx.worker = await startWorker(settings, databaseUrl, 'escalation-worker', {
    DOSE_GRACE_MINUTES: String(settings.watchGraceMinutes),
    WATCH_SWEEP_MS: String(settings.watchSweepMs),
    WORKER_METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
  });
  const escalationCtx: EscalationContext = {
    admin: ctx.admin,
    prescriber: ctx.prescriber,
    databaseUrl,
    settings,
    receiver,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    children: { ...ctx.stack.pids, worker: ctx.worker.pid },
  };
  const sections: Section[] = [];
  try {
    if (want('escalation')) {
      log(`escalation lateness: ${settings.escalationPlans} plans, two alerts each`);
      const escalation = await benchEscalation(escalationCtx);
      sections.push(section('escalation', escalation, escalationTable(escalation)));
    }
    if (want('deliveries')) {
      log(
        `deliveries: ${settings.deliveryPlans} plans, two alerts each, × ${settings.deliveryTargets} webhooks`,
      );
      const deliveries = await benchDeliveries(escalationCtx);
      sections.push(section('deliveries', deliveries, deliveriesTable(deliveries)));
    }
  } finally {
    await receiver.close();
  }
  return sections;
}

/** A section printed as soon as it is measured, with its one table. */
function section(key: string, value: unknown, table: string): Section {
  return { key, value, tables: [table], printNow: true };
}

/** The bench's items in the order they run. */
export const ITEMS: readonly Item[] = [
  {
    names: ['planner'],
    stage: 'before',
    run: async (settings) => {
      log('planner (in-process, before any server starts)');
      const planner = benchPlanner(settings.plannerS);
      return [section('planner', planner, plannerTable(planner))];
    },
  },
  { names: ['patients', 'plan', 'doses', 'record', 'cds'], stage: 'stack', run: runHttp },
  { names: ['latency'], stage: 'stack', run: runLatency },
  {
    names: ['approve'],
    stage: 'stack',
    run: async ({ settings, prescriber, databaseUrl }) => {
      log(`approving ${settings.approvePlans} 60-week diazepam plans`);
      const approve = await benchApprove(prescriber, databaseUrl, settings.approvePlans);
      return [section('approve', approve, approveTable(approve))];
    },
  },
  { names: ['watch'], stage: 'stack', run: runWatch },
  { names: ['escalation', 'deliveries'], stage: 'stack', run: runEscalation },
  {
    names: ['sweep'],
    stage: 'after',
    run: async (settings) => {
      log(`sweep: ${settings.sweepRows} dose rows in ${settings.database}_sweep`);
      const sweep = await benchSweep(settings, settings.sweepRows);
      return [section('sweep', sweep, sweepTable(sweep))];
    },
  },
  {
    names: ['horizon-scale'],
    stage: 'after',
    run: async (settings) => {
      const results: HorizonScaleResult[] = [];
      for (const plans of settings.scalePlans) {
        log(`horizon at scale: ${plans} plans in force in ${settings.database}_horizon`);
        results.push(await benchHorizonScale(settings, plans));
      }
      return [section('horizonScale', results, horizonScaleTable(results))];
    },
  },
];
