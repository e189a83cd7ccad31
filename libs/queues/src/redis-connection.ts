import type { RedisOptions } from 'bullmq';
import Redis, {
  AbstractConnector,
  Cluster,
  ClusterOptions,
  RedisOptions as ClientOptions,
} from 'ioredis';
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AppConfig, RedisClusterSettings, parseRedisClusterNodes } from '@taperwatch/config';

type ConnectorConstructor = NonNullable<ClientOptions['Connector']>;
type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;

/** The settings that say which Redis (one server, or a cluster) every connection goes to. */
export type RedisSettings = Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>;

/** A connection for commands and PUBLISH: one server's client, or a cluster's. */
export type RedisClient = Redis | Cluster;

/** Reconnect forever, but not in a hot loop. */
const reconnectDelay = (times: number) => Math.min(times * 200, 2000);

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
    retryStrategy: reconnectDelay,
  };
}

/** The cluster REDIS_CLUSTER_NODES names, or undefined for one server (REDIS_URL). */
export function redisCluster(config: RedisSettings): RedisClusterSettings | undefined {
  if (config.REDIS_CLUSTER_NODES === undefined) return undefined;
  const cluster = parseRedisClusterNodes(config.REDIS_CLUSTER_NODES);
  // loadConfig refused a malformed value already; this guards a hand-made config.
  if (!cluster) throw new Error('REDIS_CLUSTER_NODES is malformed');
  return cluster;
}

function serverOptions(config: RedisSettings): RedisOptions {
  if (!config.REDIS_URL) throw new Error('neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
  return redisOptions(config.REDIS_URL);
}

/** What every node connection of a cluster shares. */
function nodeOptions(cluster: RedisClusterSettings): ClientOptions {
  return {
    username: cluster.username,
    password: cluster.password,
    tls: cluster.tls ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

function clusterOptions(cluster: RedisClusterSettings, extra: ClientOptions): ClusterOptions {
  return {
    redisOptions: { ...nodeOptions(cluster), ...extra },
    clusterRetryStrategy: reconnectDelay,
    // A failover takes the node timeout and an election: keep retrying a slot's commands for
    // several seconds (16 redirections apart) rather than failing them within the first.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
  };
}

/** A client for commands and PUBLISH: to the one server, or routed by slot across the cluster. */
export function createRedisClient(config: RedisSettings, extra: ClientOptions = {}): RedisClient {
  const cluster = redisCluster(config);
  if (!cluster) return new Redis({ ...serverOptions(config), ...extra });
  return new Cluster(cluster.nodes, clusterOptions(cluster, extra));
}

/**
 * A connection for SUBSCRIBE that reports its state as any one client does ('ready', 'close').
 * On a cluster, classic pub/sub reaches every node, so it holds one node at a time and moves to
 * the next listed node on each reconnect: the one it had may be the master that died. (A
 * Cluster client would move too, but silently, so a subscriber could not know it missed
 * messages.)
 */
export function createRedisSubscriber(config: RedisSettings, extra: ClientOptions = {}): Redis {
  const cluster = redisCluster(config);
  if (!cluster) return new Redis({ ...serverOptions(config), ...extra });
  const { nodes } = cluster;
  let current = 0;
  const client: Redis = new Redis({
    ...nodeOptions(cluster),
    ...nodes[0],
    ...extra,
    retryStrategy: (times: number) => {
      current = (current + 1) % nodes.length;
      // The client reads host and port from these options at each connect.
      Object.assign(client.options, nodes[current]);
      return times === 1 ? 0 : reconnectDelay(times);
    },
  });
  return client;
}

/**
 * What BullMQ connects with. On a cluster every queue key shares the prefix's slot (its hash
 * tag), so BullMQ talks to that slot's master alone, as over Sentinel: each (re)connect asks the
 * seed nodes which master serves the slot now, and a MOVED or UNBLOCKED reply (the slot moved
 * under a live connection) reconnects. BullMQ then keeps its own connections and reconnection
 * logic, which a Cluster client does not give it through a failover.
 */
export function queueConnection(
  config: RedisSettings & Pick<AppConfig, 'QUEUE_PREFIX'>,
): RedisOptions {
  const cluster = redisCluster(config);
  if (!cluster) return serverOptions(config);
  const connector = slotMasterConnector(cluster, config.QUEUE_PREFIX);
  return {
    ...nodeOptions(cluster),
    ...cluster.nodes[0],
    Connector: connector,
    retryStrategy: reconnectDelay,
    // 2: reconnect, then send the refused command again (to the new master).
    reconnectOnError: (error: Error) =>
      /^(MOVED|UNBLOCKED|READONLY)/.test(error.message) ? 2 : false,
  };
}

type Node = RedisClusterSettings['nodes'][number];

/** The master serving `key`'s slot as the first seed node that answers sees it. */
async function slotMaster(cluster: RedisClusterSettings, key: string): Promise<Node | undefined> {
  for (const node of cluster.nodes) {
    const probe = new Redis({
      ...nodeOptions(cluster),
      ...node,
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([start, end]) => start <= slot && slot <= end);
      // A node may leave its own host out of the reply: it is the one asked.
      if (range) return { host: range[2][0] || node.host, port: range[2][1] };
    } catch {
      // This seed is down or not yet part of the cluster: ask the next.
    } finally {
      probe.disconnect();
    }
  }
  return undefined;
}

/** An ioredis connector that connects to the current master of `key`'s slot. */
function slotMasterConnector(cluster: RedisClusterSettings, key: string): ConnectorConstructor {
  let fallback = 0;
  return class SlotMasterConnector extends AbstractConnector {
    constructor(options: unknown) {
      super((options as ClientOptions).disconnectTimeout ?? 2000);
    }

    async connect(): Promise<NetStream> {
      this.connecting = true;
      // Never reject: ioredis would give up for good. No answer means a seed in turn, whose
      // refusal or MOVED brings the next attempt.
      const target =
        (await slotMaster(cluster, key)) ?? cluster.nodes[fallback++ % cluster.nodes.length]!;
      if (!this.connecting) throw new Error('Connection is closed.');
      this.stream = cluster.tls
        ? tlsConnect({ ...target, servername: target.host })
        : createConnection(target);
      this.stream.once('error', (error: Error) => {
        this.firstError = error;
      });
      return this.stream;
    }
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
