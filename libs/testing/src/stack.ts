import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApiApp } from '@taperwatch/api';
import { AppOverrides, Clock } from '@taperwatch/common';
import { AppConfig, loadConfig } from '@taperwatch/config';
import { RunningWorker, startWorker } from '@taperwatch/worker';
import { TestDatabase, createTestDatabase } from './databases';

export const TEST_ADMIN_KEY = 'test-bootstrap-admin-key-0123456789';

export interface TestStack {
  config: AppConfig;
  app: NestFastifyApplication;
  http: () => TestAgent;
  workers: RunningWorker[];
  database: TestDatabase;
  /** Environment for child processes that must share this stack's database and queues. */
  env: Record<string, string>;
  startWorker: () => Promise<RunningWorker>;
  close: () => Promise<void>;
}

export interface StackOptions {
  workers?: number;
  env?: Record<string, string>;
  /** One clock for the API and every worker (a ManualClock moves time without sleeping). */
  clock?: Clock;
  /** Where the API's and workers' log lines go (with env LOG_LEVEL), instead of nowhere. */
  logDestination?: AppOverrides['logDestination'];
  /** Rewrites the URLs the stack connects to, e.g. through a TcpProxy the test can cut. */
  route?: { database?: (url: string) => string; redis?: (url: string) => string };
  /** REDIS_CLUSTER_NODES of a cluster the test started (and throws away) instead of the shared Redis. */
  redisClusterNodes?: string;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e tests through jest (global setup)`);
  return value;
}

/**
 * A real API (and, by default, one worker) on a throw-away database and a queue prefix of its
 * own, so suites run side by side on one Postgres and one Redis.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase(requireEnv('TEST_DATABASE_URL'));
  const prefix = `{tw-test-${randomBytes(4).toString('hex')}}`;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const env: Record<string, string> = {
    DATABASE_URL: options.route?.database?.(database.url) ?? database.url,
    ...(options.redisClusterNodes
      ? { REDIS_CLUSTER_NODES: options.redisClusterNodes }
      : { REDIS_URL: options.route?.redis?.(redisUrl) ?? redisUrl }),
    QUEUE_PREFIX: prefix,
    BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    // Each stack its own key, as each deployment has: webhook secrets are stored encrypted.
    WEBHOOK_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    MIGRATIONS_RUN: 'false',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  };
  const config = loadConfig(env);
  const overrides: AppOverrides = { clock: options.clock, logDestination: options.logDestination };
  const app = await createApiApp(config, overrides);
  const workers: RunningWorker[] = [];
  const addWorker = async () => {
    const worker = await startWorker(config, overrides);
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await addWorker();

  return {
    config,
    app,
    http: () => request(app.getHttpServer()),
    workers,
    database,
    env,
    startWorker: addWorker,
    close: async () => {
      for (const worker of workers) await worker.stop();
      await app.close();
      // Directly, not through a route the test may have left cut.
      if (!options.redisClusterNodes) await deleteQueueKeys(redisUrl, prefix);
      await database.drop();
    },
  };
}

/** Removes every Redis key of a test's queue prefix. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
