import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from './http/api-client';
import { LoadResult, Target, measure } from './http/load';
import { ceilingTarget, createPatientTarget, getPlanTarget } from './http/targets';
import { benchPostToPlanned } from './latency';
import { benchPlanner } from './planner';
import {
  goalLines,
  httpRunsTable,
  httpSummaryTable,
  latencyTable,
  plannerTable,
  summarizeHttp,
} from './report';
import { killAllNow, stopAll } from './lib/processes';
import { taperRequestBody } from './lib/requests';
import { createScratchTable, deleteQueueKeys, recreateBenchDatabase } from './lib/services';
import { loadSettings } from './lib/settings';
import { BENCH_ADMIN_KEY, startStack } from './lib/stack';

/**
 * `npm run bench`: measures (never asserts) the built service against a bare Fastify + pg
 * ceiling re-measured in the same run, the planner on one core, and POST-to-planned latency.
 * Prints tables and writes bench-results/latest.json.
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
  const startedAt = new Date();
  const loadStart = os.loadavg();
  log(
    `${settings.rounds} rounds × ${settings.durationS} s (+${settings.warmupS} s warm-up), ` +
      `${settings.connections} connections, planner ${settings.plannerS} s per case, ` +
      `${settings.latencyRequests} taper requests`,
  );

  log('planner (in-process, before any server starts)');
  const planner = benchPlanner(settings.plannerS);
  console.log(plannerTable(planner));

  log(`database ${settings.database}, queue prefix ${settings.queuePrefix}`);
  const databaseUrl = await recreateBenchDatabase(settings.baseDatabaseUrl, settings.database);
  await createScratchTable(databaseUrl);
  await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);

  log('starting api (migrates), ceiling and worker');
  const stack = await startStack(settings, databaseUrl);
  const admin = new ApiClient(stack.apiUrl, BENCH_ADMIN_KEY);
  const prescriber = admin.withKey(await admin.createKey('prescriber'));
  const patientId = await prescriber.createPatient(`BENCH-PLAN-${Date.now()}`);
  const planId = await prescriber.planAndWait(taperRequestBody(patientId), 30_000);

  const targets: Target[] = [
    ceilingTarget(stack.ceilingUrl),
    createPatientTarget(stack.apiUrl, prescriber.authHeaders),
    getPlanTarget(stack.apiUrl, prescriber.authHeaders, planId),
  ];
  const runs: LoadResult[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order so that no target always runs first (or right after another).
    const order = round % 2 ? targets : [...targets].reverse();
    for (const target of order) {
      log(`round ${round}/${settings.rounds}: ${target.name}`);
      const result = await measure(target, { ...settings, round }, stack.pids);
      log(`  ${Math.round(result.reqPerS)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
      runs.push(result);
    }
  }
  const http = summarizeHttp(runs, 'ceiling');

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

  log('stopping processes');
  await stopAll();
  await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);

  console.log('');
  console.log(httpRunsTable(runs));
  console.log(httpSummaryTable(http));
  console.log(goalLines(http));
  console.log(plannerTable(planner));
  console.log(latencyTable(latency));

  const result = {
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
    http: { runs, summary: http },
    planner,
    postToPlanned: latency,
  };
  fs.mkdirSync(settings.resultsDir, { recursive: true });
  const file = path.join(settings.resultsDir, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${path.relative(settings.root, file)} (child logs in bench-results/logs/)`);
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping children`);
    void stopAll().finally(() => process.exit(130));
  });
}
const timeoutS = Number(process.env.BENCH_TIMEOUT_S) || 900;
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
