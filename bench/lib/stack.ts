import { freePort } from '@taperwatch/runtime';
import path from 'node:path';
import { BenchSettings } from './settings';
import { Child, startNode, waitForHttp } from './processes';

export const BENCH_ADMIN_KEY = 'bench-bootstrap-admin-key-0123456789';

/** The processes under test: the built API, a worker, and the ceiling server. */
export interface BenchStack {
  api: Child;
  apiUrl: string;
  ceiling: Child;
  ceilingUrl: string;
  worker: Child;
  /** Child pids by name, for CPU accounting. */
  pids: Record<string, number>;
}

/** The environment every service process of the bench gets. */
function serviceEnv(settings: BenchSettings, databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: settings.queuePrefix,
    BOOTSTRAP_ADMIN_KEY: BENCH_ADMIN_KEY,
    SHUTDOWN_TIMEOUT_MS: '3000',
    // One key drives thousands of requests a second: the limiter is charged but never trips.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // The escalation items' webhook receiver listens on 127.0.0.1 (PUT validates it, the worker
    // connects to it); the bench never points a policy anywhere else.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

/** A built worker (`dist/apps/worker/src/main.js`) on a migrated database, once it has started. */
export async function startWorker(
  settings: BenchSettings,
  databaseUrl: string,
  name = 'worker',
  env: Record<string, string> = {},
): Promise<Child> {
  const worker = startNode({
    name,
    script: path.join(settings.root, 'dist/apps/worker/src/main.js'),
    env: { ...serviceEnv(settings, databaseUrl), MIGRATIONS_RUN: 'false', ...env },
    logDir: path.join(settings.resultsDir, 'logs'),
  });
  await worker.waitForLine(/"msg":"started"/, 60_000);
  return worker;
}

export async function startStack(
  settings: BenchSettings,
  databaseUrl: string,
): Promise<BenchStack> {
  const dist = path.join(settings.root, 'dist');
  const logDir = path.join(settings.resultsDir, 'logs');
  const [apiPort, ceilingPort] = [await freePort(), await freePort()];
  const api = startNode({
    name: 'api',
    script: path.join(dist, 'apps/api/src/main.js'),
    env: { ...serviceEnv(settings, databaseUrl), PORT: String(apiPort), HOST: '127.0.0.1' },
    logDir,
    nodeArgs: settings.cpuProfile
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(settings.resultsDir, 'profiles')}`]
      : [],
  });
  const ceiling = startNode({
    name: 'ceiling',
    script: path.join(dist, 'bench/http/ceiling-server.js'),
    env: { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: String(ceilingPort) },
    logDir,
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  // The API migrates the fresh database at start; the worker starts once that is done.
  await waitForHttp(`${apiUrl}/health/ready`, 90_000, api);
  await waitForHttp(`${ceilingUrl}/health`, 30_000, ceiling);
  const worker = await startWorker(settings, databaseUrl);
  return {
    api,
    apiUrl,
    ceiling,
    ceilingUrl,
    worker,
    pids: { api: api.pid, worker: worker.pid, ceiling: ceiling.pid },
  };
}
