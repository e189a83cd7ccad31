import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@taperwatch/runtime';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import { BenchEhr, cdsTargets, startEhr } from './cds';
import { EscalationContext, benchDeliveries, benchEscalation } from './escalation';
import { ApiClient } from './http/api-client';
import { LoadResult, Target, bracketed, measure } from './http/load';
import {
  ceilingTarget,
  createPatientTarget,
  getPlanTarget,
  listDosesTarget,
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
import { killAllNow, stopAll } from './lib/processes';
import { startReceiver } from './lib/receiver';
import { taperRequestBody } from './lib/requests';
import { createScratchTable, deleteQueueKeys, recreateBenchDatabase } from './lib/services';
import { BenchItem, loadSettings } from './lib/settings';
import { BENCH_ADMIN_KEY, startStack, startWorker } from './lib/stack';
import { RecordSetup, benchDetection, benchSweep, setupRecording } from './watch';

/**
 * `npm run bench`: measures (never asserts) the built service against a bare Fastify + pg
 * ceiling re-measured in the same run, the planner on one core, POST-to-planned latency, plan
 * approval, dose recording, the watcher's detection lateness and Redis memory, and its sweep.
 * Prints tables and writes bench-results/latest.json. BENCH_ONLY / BENCH_SKIP select items.
 */
const log = (msg: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** The commit measured, and how many files of the working tree differ from it (others' work). */
function gitState(root: string): { commit: string | null; changedFiles: number | null } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', timeout: 10_000 });
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD').trim(),
      changedFiles: git('status', '--porcelain').split('\n').filter(Boolean).length,
    };
  } catch {
    return { commit: null, changedFiles: null };
  }
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const want = (item: BenchItem) => settings.items.includes(item);
  const startedAt = new Date();
  const loadStart = os.loadavg();
  log(
    `items ${settings.items.join(', ')}${settings.quick ? ' (quick)' : ''}; ` +
      `${settings.rounds} rounds × ${settings.durationS} s (+${settings.warmupS} s warm-up), ` +
      `${settings.connections} connections`,
  );
  const out: string[] = [];
  const result: Record<string, unknown> = {};

  if (want('planner')) {
    log('planner (in-process, before any server starts)');
    const planner = benchPlanner(settings.plannerS);
    console.log(plannerTable(planner));
    out.push(plannerTable(planner));
    result.planner = planner;
  }

  // Every item but the planner and the sweep runs against the built stack.
  if (settings.items.some((i) => i !== 'planner' && i !== 'sweep')) {
    log(`database ${settings.database}, queue prefix ${settings.queuePrefix}`);
    const databaseUrl = await recreateBenchDatabase(settings.baseDatabaseUrl, settings.database);
    await createScratchTable(databaseUrl);
    await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);

    // The simulated EHR's JWK Set must be known to the API when it starts.
    const ehr: BenchEhr | undefined = want('cds') ? await startEhr(DEFAULT_TENANT_ID) : undefined;
    log('starting api (migrates), ceiling and worker');
    const stack = await startStack(settings, databaseUrl, ehr?.env);
    /** The worker running now (items that need other settings replace it). */
    let current = stack.worker;
    const admin = new ApiClient(stack.apiUrl, BENCH_ADMIN_KEY);
    const prescriber = admin.withKey(await admin.createKey('prescriber'));
    const nurse = admin.withKey(await admin.createKey('nurse', ['ward-7']));

    const targets: Target[] = [];
    if (want('patients')) targets.push(createPatientTarget(stack.apiUrl, prescriber.authHeaders));
    if (want('plan')) {
      const patientId = await prescriber.createPatient(`BENCH-PLAN-${Date.now()}`);
      const planId = await prescriber.planAndWait(taperRequestBody(patientId), 30_000);
      targets.push(getPlanTarget(stack.apiUrl, prescriber.authHeaders, planId));
    }
    let recording: RecordSetup | undefined;
    if (want('doses') || want('record')) {
      log(`seeding ${settings.recordDoses} scheduled doses into active plans`);
      recording = await setupRecording(
        prescriber,
        nurse.authHeaders,
        databaseUrl,
        settings.recordDoses,
      );
      if (want('doses')) {
        targets.push(listDosesTarget(stack.apiUrl, prescriber.authHeaders, recording.planIds[0]!));
      }
      if (want('record')) targets.push(recording.target);
    }
    if (ehr) targets.push(...(await cdsTargets(stack.apiUrl, prescriber, ehr, settings.cdsTokens)));
    if (targets.length > 0) {
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
      out.push(httpRunsTable(runs), httpSummaryTable(http), goalLines(http));
      if (recording && want('record')) out.push(recordLine(recording));
      result.http = {
        runs,
        summary: http,
        ...(want('record')
          ? {
              recordScheduledBefore: recording?.scheduledBefore,
              recordScheduledAfter: recording?.scheduledAfter,
              recordingsPerStatement: recording?.perStatement,
            }
          : {}),
      };
    }

    if (want('latency')) {
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
      out.push(latencyTable(latency));
      result.postToPlanned = latency;
    }

    if (want('approve')) {
      log(`approving ${settings.approvePlans} 60-week diazepam plans`);
      const approve = await benchApprove(prescriber, databaseUrl, settings.approvePlans);
      console.log(approveTable(approve));
      out.push(approveTable(approve));
      result.approve = approve;
    }

    if (want('watch')) {
      log(
        `detection: worker with DOSE_GRACE_MINUTES=${settings.watchGraceMinutes}, ` +
          `WATCH_SWEEP_MS=${settings.watchSweepMs}; ${settings.watchDoses} doses due within ${settings.watchWindowS} s`,
      );
      await current.stop();
      const worker = await startWorker(settings, databaseUrl, 'watch-worker', {
        DOSE_GRACE_MINUTES: String(settings.watchGraceMinutes),
        WATCH_SWEEP_MS: String(settings.watchSweepMs),
      });
      const detection = await benchDetection(prescriber, databaseUrl, settings, worker, {
        ...stack.pids,
        worker: worker.pid,
      });
      current = worker;
      console.log(detectionTable(detection));
      out.push(detectionTable(detection));
      result.detection = detection;
    }

    if (want('escalation') || want('deliveries')) {
      const receiver = await startReceiver();
      const metricsPort = await freePort();
      log(
        `escalation: worker with WORKER_METRICS_PORT=${metricsPort}, DOSE_GRACE_MINUTES=` +
          `${settings.watchGraceMinutes}, WATCH_SWEEP_MS=${settings.watchSweepMs}; receiver ${receiver.url}`,
      );
      await current.stop();
      current = await startWorker(settings, databaseUrl, 'escalation-worker', {
        DOSE_GRACE_MINUTES: String(settings.watchGraceMinutes),
        WATCH_SWEEP_MS: String(settings.watchSweepMs),
        WORKER_METRICS_PORT: String(metricsPort),
        HOST: '127.0.0.1',
      });
      const ctx: EscalationContext = {
        admin,
        prescriber,
        databaseUrl,
        settings,
        receiver,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        children: { ...stack.pids, worker: current.pid },
      };
      try {
        if (want('escalation')) {
          log(`escalation lateness: ${settings.escalationPlans} plans, two alerts each`);
          const escalation = await benchEscalation(ctx);
          console.log(escalationTable(escalation));
          out.push(escalationTable(escalation));
          result.escalation = escalation;
        }
        if (want('deliveries')) {
          log(
            `deliveries: ${settings.deliveryPlans} plans, two alerts each, × ${settings.deliveryTargets} webhooks`,
          );
          const deliveries = await benchDeliveries(ctx);
          console.log(deliveriesTable(deliveries));
          out.push(deliveriesTable(deliveries));
          result.deliveries = deliveries;
        }
      } finally {
        await receiver.close();
      }
    }

    log('stopping processes');
    await ehr?.close();
    await stopAll();
    await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);
  }

  if (want('sweep')) {
    log(`sweep: ${settings.sweepRows} dose rows in ${settings.database}_sweep`);
    const sweep = await benchSweep(settings, settings.sweepRows);
    console.log(sweepTable(sweep));
    out.push(sweepTable(sweep));
    result.sweep = sweep;
  }

  console.log('');
  console.log(out.join('\n'));

  const file = path.join(settings.resultsDir, 'latest.json');
  const json = {
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      git: gitState(settings.root),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      loadavgStart: loadStart,
      loadavgEnd: os.loadavg(),
    },
    settings: { ...settings, baseDatabaseUrl: undefined },
    ...result,
  };
  fs.mkdirSync(settings.resultsDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${path.relative(settings.root, file)} (child logs in bench-results/logs/)`);
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping children`);
    void stopAll().finally(() => process.exit(130));
  });
}
const timeoutS = Number(process.env.BENCH_TIMEOUT_S) || 1800;
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${timeoutS} s, stopping`);
  void stopAll().finally(() => process.exit(2));
}, timeoutS * 1000);
watchdog.unref();

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    await stopAll();
    process.exit(1);
  },
);
