import type { RedisOptions } from 'bullmq';

/** Parses REDIS_URL into ioredis options; BullMQ builds its own connections from these. */
export function redisOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // Workers need this null (blocking commands); producers guard themselves in JobProducer.
    maxRetriesPerRequest: null,
    // Reconnect forever, but not in a hot loop.
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/** The minimal view of a queue's Redis connection that health checks and producers need. */
export interface RedisConnectionState {
  status: string;
  ping(): Promise<unknown>;
}

const UNAVAILABLE: RedisConnectionState = {
  status: 'unavailable',
  ping: () => Promise.reject(new Error('Redis is unavailable')),
};

/**
 * BullMQ 6 hides the Redis client behind its backend, and its promise waits for a connection
 * that may never come; this is the one place that reaches in, and it never waits longer than
 * `timeoutMs`.
 */
export async function queueRedisClient(
  queue: { getBackend(): { client: Promise<unknown> } },
  timeoutMs = 1000,
): Promise<RedisConnectionState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RedisConnectionState>((resolve) => {
    timer = setTimeout(() => resolve(UNAVAILABLE), timeoutMs);
  });
  try {
    return await Promise.race([
      queue.getBackend().client as Promise<RedisConnectionState>,
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connection that can be closed: what closeRedis needs of an ioredis client. */
export interface ClosableRedis {
  status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** QUIT when connected; otherwise stop reconnecting at once (QUIT would wait for Redis). */
export async function closeRedis(client: ClosableRedis | undefined): Promise<void> {
  if (!client) return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
