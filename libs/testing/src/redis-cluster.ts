import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, waitForPort } from '@taperwatch/runtime';
import { eventually, settlesWithin } from './eventually';

const HOST = '127.0.0.1';
/**
 * The node timeout while the nodes meet. It also bounds each MEET handshake, so a node that
 * stalls for a second on a busy machine would otherwise be forgotten, and redis-cli would wait
 * for a join that never comes.
 */
const JOIN_NODE_TIMEOUT_MS = 15_000;
const CREATE_TIMEOUT_MS = 40_000;

export interface RedisClusterOptions {
  masters?: number;
  /** How long a master may be silent before its replica takes over. */
  nodeTimeoutMs?: number;
}

export interface TestRedisCluster {
  ports: number[];
  /** REDIS_CLUSTER_NODES for every node, the given ports first. */
  setting(first?: number[]): string;
  /** The port of the master serving `key`'s slot, as a live node sees it. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs a node: no shutdown, no goodbye to the cluster. */
  kill(port: number): void;
  /** Waits until a node other than `dead` serves `key`'s slot and the cluster is ok again. */
  waitForFailover(key: string, dead: number, timeoutMs: number): Promise<number>;
  /** Kills every node and removes their directory (safe to call twice). */
  stop(): Promise<void>;
}

/** One command on one node, over a connection of its own that never retries. */
async function ask(port: number, ...args: string[]): Promise<unknown> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(args[0]!, ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

/**
 * A throw-away Redis Cluster from the machine's redis-server: `masters` masters with one
 * replica each, on free ports, nothing kept on disk but the nodes' own cluster files in a
 * temporary directory.
 */
export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-redis-cluster-'));
  const processes = new Map<number, ChildProcess>();
  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const killAll = () => {
    for (const child of processes.values()) if (running(child)) child.kill('SIGKILL');
  };
  // A test runner that dies or times out mid-suite still takes its Redis nodes with it.
  const onExit = () => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    const exits = [...processes.values()]
      .filter(running)
      .map((child) => new Promise((resolve) => child.once('exit', resolve)));
    killAll();
    await settlesWithin(Promise.all(exits), 5000);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    for (let i = 0; i < masters * 2; i++) {
      const port = await freePort();
      // The bus port is port + 10000 unless set; free ports run too high for that.
      const busPort = await freePort();
      const child = spawn(
        '/usr/bin/redis-server',
        [
          ...['--bind', HOST, '--port', String(port), '--cluster-port', String(busPort)],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
          ...['--cluster-node-timeout', String(JOIN_NODE_TIMEOUT_MS)],
          // Replicas may always stand for election, however long they were cut off.
          ...['--cluster-replica-validity-factor', '0'],
          ...['--dir', dir, '--save', '', '--appendonly', 'no'],
          ...['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'],
        ],
        { stdio: 'ignore' },
      );
      processes.set(port, child);
      ports.push(port);
    }
    for (const port of ports) await waitForPort(HOST, port, 10_000);
    await new Promise<void>((resolve, reject) => {
      execFile(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...ports.map((port) => `${HOST}:${port}`),
          ...['--cluster-replicas', '1', '--cluster-yes'],
        ],
        { timeout: CREATE_TIMEOUT_MS },
        (error, stdout, stderr) => {
          if (!error) return resolve();
          // redis-cli reports on stdout; its last lines say which step it stopped at.
          const how = error.killed
            ? `still waiting after ${CREATE_TIMEOUT_MS} ms`
            : `exit code ${error.code}`;
          const lastLines = stdout.trim().split('\n').slice(-4).join('\n');
          reject(new Error(`redis-cli --cluster create failed (${how}): ${stderr}\n${lastLines}`));
        },
      );
    });
    // Every node agrees the cluster is up, and every replica has its master's data.
    await eventually(
      async () => {
        for (const port of ports) {
          if (!String(await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'))
            return false;
          const replication = String(await ask(port, 'INFO', 'replication'));
          if (
            replication.includes('role:slave') &&
            !replication.includes('master_link_status:up')
          ) {
            return false;
          }
        }
        return true;
      },
      Boolean,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Only now the short timeout the test asked for, so that a killed master fails over quickly.
    for (const port of ports) {
      await ask(port, 'CONFIG', 'SET', 'cluster-node-timeout', String(nodeTimeoutMs));
    }

    const alive = () => ports.filter((port) => running(processes.get(port)!));
    const masterOf = async (key: string, from = alive()[0]!): Promise<number> => {
      const slot = Number(await ask(from, 'CLUSTER', 'KEYSLOT', key));
      const ranges = (await ask(from, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([start, end]) => start <= slot && slot <= end);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return range[2][1];
    };
    return {
      ports,
      setting: (first = []) =>
        [...first, ...ports.filter((port) => !first.includes(port))]
          .map((port) => `${HOST}:${port}`)
          .join(','),
      masterOf: (key) => masterOf(key),
      kill: (port) => {
        processes.get(port)!.kill('SIGKILL');
      },
      waitForFailover: async (key, dead, timeoutMs) => {
        const others = () => alive().filter((port) => port !== dead);
        return eventually(
          async () => {
            for (const port of others()) {
              const info = String(await ask(port, 'CLUSTER', 'INFO'));
              if (!info.includes('cluster_state:ok')) return dead;
            }
            return masterOf(key, others()[0]);
          },
          (port) => port !== dead,
          { timeoutMs, intervalMs: 100 },
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
