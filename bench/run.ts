import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import { BenchEhr, startEhr } from './cds';
import { ApiClient } from './http/api-client';
import { ITEMS, Section, StackContext, log } from './items';
import { killAllNow, stopAll } from './lib/processes';
import { createScratchTable, deleteQueueKeys, recreateBenchDatabase } from './lib/services';
import { BenchItem, BenchSettings, loadSettings } from './lib/settings';
import { BENCH_ADMIN_KEY, startStack } from './lib/stack';
import { runScale } from './scale/scale';
import { RecordSetup, setupRecording } from './watch';

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

/** The tables measured so far, printed together at the end (or when the watchdog stops the run). */
const out: string[] = [];

/** Starts the stack (migrated database, API, ceiling, floor, worker) and runs the stack items. */
async function runAgainstStack(
  settings: BenchSettings,
  want: (item: BenchItem) => boolean,
  record: (sections: Section[]) => void,
): Promise<void> {
  log(`database ${settings.database}, queue prefix ${settings.queuePrefix}`);
  const databaseUrl = await recreateBenchDatabase(settings.baseDatabaseUrl, settings.database);
  await createScratchTable(databaseUrl);
  await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);

  // The simulated EHR's JWK Set must be known to the API when it starts.
  const ehr: BenchEhr | undefined = want('cds') ? await startEhr(DEFAULT_TENANT_ID) : undefined;
  log('starting api (migrates), ceiling and worker');
  const stack = await startStack(settings, databaseUrl, ehr?.env);
  const admin = new ApiClient(stack.apiUrl, BENCH_ADMIN_KEY);
  const prescriber = admin.withKey(await admin.createKey('prescriber'));
  const nurse = admin.withKey(await admin.createKey('nurse', ['ward-7']));
  let recording: Promise<RecordSetup> | undefined;
  const ctx: StackContext = {
    settings,
    want,
    databaseUrl,
    stack,
    ehr,
    admin,
    prescriber,
    nurse,
    worker: stack.worker,
    recording: () => {
      if (!recording) {
        log(`seeding ${settings.recordDoses} scheduled doses into active plans`);
        recording = setupRecording(
          prescriber,
          nurse.authHeaders,
          databaseUrl,
          settings.recordDoses,
        );
      }
      return recording;
    },
  };
  for (const item of ITEMS) {
    if (item.stage === 'stack' && item.names.some(want)) record(await item.run(ctx));
  }

  log('stopping processes');
  await ehr?.close();
  await stopAll();
  await deleteQueueKeys(settings.redisUrl, settings.queuePrefix);
}

/**
 * `npm run bench`: measures (never asserts) the built service against a bare Fastify + pg
 * ceiling re-measured in the same run, the planner on one core, POST-to-planned latency, plan
 * approval, dose recording, the watcher's detection lateness and Redis memory, and its sweep.
 * Prints tables and writes bench-results/latest.json. BENCH_ONLY / BENCH_SKIP select items.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--scale')) process.env.BENCH_SCALE = '1';
  const settings = loadSettings();
  startWatchdog(settings.timeoutS);
  if (settings.scale) {
    const startedAt = new Date();
    const loadStart = os.loadavg();
    writeResults(settings, await runScale(settings), startedAt, loadStart, 'scale.json');
    return;
  }
  const want = (item: BenchItem) => settings.items.includes(item);
  const startedAt = new Date();
  const loadStart = os.loadavg();
  log(
    `items ${settings.items.join(', ')}${settings.quick ? ' (quick)' : ''}; ` +
      `${settings.rounds} rounds × ${settings.durationS} s (+${settings.warmupS} s warm-up), ` +
      `${settings.connections} connections`,
  );
  const result: Record<string, unknown> = {};
  const record = (sections: Section[]) => {
    for (const s of sections) {
      if (s.printNow) for (const table of s.tables) console.log(table);
      out.push(...s.tables);
      result[s.key] = s.value;
    }
  };
  const selected = ITEMS.filter((item) => item.names.some(want));

  for (const item of selected) if (item.stage === 'before') record(await item.run(settings));
  if (selected.some((item) => item.stage === 'stack'))
    await runAgainstStack(settings, want, record);
  for (const item of selected) if (item.stage === 'after') record(await item.run(settings));

  console.log('');
  console.log(out.join('\n'));
  writeResults(settings, result, startedAt, loadStart);
}

/** bench-results/latest.json (scale.json for the scale run): the run's machine and commit, its settings and every section. */
function writeResults(
  settings: BenchSettings,
  result: Record<string, unknown>,
  startedAt: Date,
  loadStart: number[],
  name = 'latest.json',
): void {
  const file = path.join(settings.resultsDir, name);
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
/** Stops a run that outlives BENCH_TIMEOUT_S, printing first the tables it had measured. */
function startWatchdog(timeoutS: number): void {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${timeoutS} s, stopping`);
    if (out.length > 0) console.log(['', 'Measured before the stop:', ...out].join('\n'));
    void stopAll().finally(() => process.exit(2));
  }, timeoutS * 1000);
  watchdog.unref();
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    await stopAll();
    process.exit(1);
  },
);
