import { freePort } from '@taperwatch/runtime';
import path from 'node:path';
import { BenchSettings } from './settings';
import { Child, startNode, waitForHttp } from './processes';

export const BENCH_ADMIN_KEY = 'bench-bootstrap-admin-key-0123456789';
/** Encrypts the escalation items' webhook secrets (a bench key, like the admin key above). */
const BENCH_WEBHOOK_SECRET_KEY = Buffer.alloc(32, 'bench').toString('base64');

/** The processes under test: the built API, a worker, the ceiling and the Nest floor. */
export interface BenchStack {
  api: Child;
  apiUrl: string;
  ceiling: Child;
  ceilingUrl: string;
  /** Nest on Fastify with the same INSERT and nothing else: the framework's floor. */
  floorUrl: string;
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
    WEBHOOK_SECRET_ENCRYPTION_KEY: BENCH_WEBHOOK_SECRET_KEY,
    SHUTDOWN_TIMEOUT_MS: '3000',
    // One key drives thousands of requests a second: the limiter is charged but never trips.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // The escalation items' webhook receiver listens on 127.0.0.1 (PUT validates it, the worker
    // connects to it); the bench never points a policy anywhere else.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

/** A built worker (`dist/apps/worker/src/main.js`) on a migrated database, once it has started. */
/** BENCH_CPU_PROF=1: the API and every worker write a CPU profile when they stop. */
function profileArgs(settings: BenchSettings): string[] {
  return settings.cpuProfile
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(settings.resultsDir, 'profiles')}`]
    : [];
}

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
    nodeArgs: profileArgs(settings),
  });
  await worker.waitForLine(/"msg":"started"/, 60_000);
  return worker;
}

export async function startStack(
  settings: BenchSettings,
  databaseUrl: string,
  apiEnv: Record<string, string> = {},
): Promise<BenchStack> {
  const dist = path.join(settings.root, 'dist');
  const logDir = path.join(settings.resultsDir, 'logs');
  const apiPort = await freePort();
  const api = startNode({
    name: 'api',
    script: path.join(dist, 'apps/api/src/main.js'),
    env: {
      ...serviceEnv(settings, databaseUrl),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      ...apiEnv,
    },
    logDir,
    nodeArgs: profileArgs(settings),
  });
  /** The two reference servers, each on its own port with the scratch table's INSERT. */
  const reference = async (name: string, script: string) => {
    const port = await freePort();
    const child = startNode({
      name,
      script: path.join(dist, 'bench/http', script),
      env: { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: String(port) },
      logDir,
    });
    return { child, url: `http://127.0.0.1:${port}` };
  };
  const ceiling = await reference('ceiling', 'ceiling-server.js');
  const floor = await reference('floor', 'nest-floor-server.js');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // The API migrates the fresh database at start; the worker starts once that is done.
  await waitForHttp(`${apiUrl}/health/ready`, 90_000, api);
  await waitForHttp(`${ceiling.url}/health`, 30_000, ceiling.child);
  await waitForHttp(`${floor.url}/health`, 30_000, floor.child);
  const worker = await startWorker(settings, databaseUrl);
  return {
    api,
    apiUrl,
    ceiling: ceiling.child,
    ceilingUrl: ceiling.url,
    floorUrl: floor.url,
    worker,
    pids: { api: api.pid, worker: worker.pid, ceiling: ceiling.child.pid, floor: floor.child.pid },
  };
}
