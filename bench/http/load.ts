import autocannon from 'autocannon';
import { CpuShare, cpuWindow } from '../lib/cpu';

/** One load target: how to build each request. */
export interface Target {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** Called for every request when set (unique bodies); otherwise a fixed request. */
  body?: () => string;
  /** Called for every request when set (e.g. a different dose each time); otherwise `path`. */
  pathFor?: () => string;
  /** Called for every request when set (e.g. a fresh signed token each time); else `headers`. */
  headersFor?: () => Record<string, string>;
  /** Awaited before each run's warm-up (e.g. to top up the data the requests consume). */
  prepare?: () => Promise<void>;
  /** Awaited after each measured run (e.g. to count the data left). */
  finish?: () => Promise<void>;
}

export interface LoadResult {
  target: string;
  round: number;
  /** autocannon's average of per-second samples. */
  reqPerS: number;
  /** 2xx responses per second of the measured window. */
  okPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  cpu: CpuShare;
}

function request(target: Target): autocannon.Request {
  const base = { method: target.method, path: target.path, headers: target.headers };
  const { body, pathFor, headersFor } = target;
  if (!body && !pathFor && !headersFor) return base;
  return {
    ...base,
    setupRequest: (req) => ({
      ...req,
      ...(body ? { body: body() } : {}),
      ...(pathFor ? { path: pathFor() } : {}),
      ...(headersFor ? { headers: headersFor() } : {}),
    }),
  };
}

async function fire(target: Target, connections: number, durationS: number) {
  return autocannon({
    url: target.url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [request(target)],
  });
}

/**
 * A discarded warm-up, then one measured autocannon run, with the CPU use of every process
 * during the measured part.
 */
export async function measure(
  target: Target,
  options: { connections: number; durationS: number; warmupS: number; round: number },
  children: Record<string, number>,
): Promise<LoadResult> {
  await target.prepare?.();
  if (options.warmupS > 0) await fire(target, options.connections, options.warmupS);
  const endCpu = cpuWindow(children);
  const r = await fire(target, options.connections, options.durationS);
  const cpu = endCpu();
  await target.finish?.();
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats)) statusCodes[code] = stat.count;
  return {
    target: target.name,
    round: options.round,
    reqPerS: r.requests.average,
    okPerS: r['2xx'] / r.duration,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    total: r.totalCompletedRequests,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    cpu,
  };
}

/** A round's runs: the ceiling first and again after every target, so each has one on both sides. */
export function bracketed(targets: readonly Target[], ceiling: Target): Target[] {
  return [ceiling, ...targets.flatMap((target) => [target, ceiling])];
}
