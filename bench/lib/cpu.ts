import fs from 'node:fs';

/**
 * Who used the CPU during a measured run, from /proc (Linux; elsewhere everything is null).
 * Values are in "cores": 1.0 is one core busy for the whole window.
 */
export interface CpuShare {
  machineBusy: number | null;
  cores: number;
  /** The bench process itself (autocannon's load generator, or the planner loop). */
  bench: number | null;
  /** Each named child of the bench. */
  children: Record<string, number | null>;
  postgres: number | null;
  redis: number | null;
  /** Kernel interrupt and softirq time (loopback networking lands here), charged to no process. */
  irq: number | null;
  /**
   * Busy time not accounted to the above: other users of the machine (e.g. concurrent tests),
   * including processes that started and ended inside the window, so an upper bound.
   */
  other: number | null;
  /** The busiest other processes in the window (who made the noise). */
  busiestOther: { pid: number; comm: string; cores: number }[];
}

interface Snapshot {
  at: bigint;
  machine: { busy: number; irq: number; total: number } | null;
  selfUs: number;
  pids: Map<number, number>;
  all: ReturnType<typeof allProcesses>;
}

const TICKS_PER_S = 100; // USER_HZ on Linux

function readMachine(): { busy: number; irq: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, irq: (f[5] ?? 0) + (f[6] ?? 0), total };
  } catch {
    return null;
  }
}

/** utime + stime in ticks and the command name, or null when the process is gone. */
function readProc(pid: number): { ticks: number; comm: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    return { ticks: Number(f[11]) + Number(f[12]), comm };
  } catch {
    return null;
  }
}

type Group = 'postgres' | 'redis' | 'other';

function groupOf(comm: string): Group {
  if (comm === 'postgres' || comm.startsWith('postgres:')) return 'postgres';
  return comm.startsWith('redis-server') ? 'redis' : 'other';
}

/** CPU ticks of every process on the machine, by pid. */
function allProcesses(): Map<number, { ticks: number; comm: string }> | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const found = new Map<number, { ticks: number; comm: string }>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = readProc(Number(entry));
    if (proc) found.set(Number(entry), proc);
  }
  return found;
}

/**
 * Ticks per group over the window, per pid: a process that started inside the window counts
 * whole; one that exited inside it is missed (its time shows up as `other`). Also the busiest
 * processes outside the bench, postgres and redis.
 */
function processTicks(start: Snapshot['all'], end: Snapshot['all'], ours: Set<number>) {
  if (!start || !end) return { postgres: null, redis: null, busiest: [] };
  const sum = { postgres: 0, redis: 0 };
  const others: { pid: number; comm: string; ticks: number }[] = [];
  for (const [pid, now] of end) {
    const ticks = now.ticks - (start.get(pid)?.ticks ?? 0);
    const group = groupOf(now.comm);
    if (group !== 'other') sum[group] += ticks;
    else if (!ours.has(pid) && ticks > 0) others.push({ pid, comm: now.comm, ticks });
  }
  return { ...sum, busiest: others.sort((x, y) => y.ticks - x.ticks).slice(0, 3) };
}

function snapshot(children: Record<string, number>): Snapshot {
  const usage = process.cpuUsage();
  const pids = new Map<number, number>();
  for (const pid of Object.values(children)) {
    const proc = readProc(pid);
    if (proc) pids.set(pid, proc.ticks);
  }
  return {
    at: process.hrtime.bigint(),
    machine: readMachine(),
    selfUs: usage.user + usage.system,
    pids,
    all: allProcesses(),
  };
}

/**
 * Starts a CPU window over the named child pids; the returned function ends it. `postgres`
 * counts every backend on the server, including other users' (e.g. concurrent e2e tests).
 */
export function cpuWindow(children: Record<string, number>): () => CpuShare {
  const start = snapshot(children);
  return () => {
    const end = snapshot(children);
    const wallS = Number(end.at - start.at) / 1e9;
    const cores = (ticks: number | null) => (ticks === null ? null : ticks / TICKS_PER_S / wallS);
    const childShares: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(children)) {
      const a = start.pids.get(pid);
      const b = end.pids.get(pid);
      childShares[name] = a === undefined || b === undefined ? null : cores(b - a);
    }
    const machine =
      start.machine && end.machine
        ? {
            busy: cores(end.machine.busy - start.machine.busy)!,
            irq: cores(end.machine.irq - start.machine.irq)!,
            all: cores(end.machine.total - start.machine.total)!,
          }
        : null;
    const bench = (end.selfUs - start.selfUs) / 1e6 / wallS;
    const ours = new Set([process.pid, ...Object.values(children)]);
    const ticks = processTicks(start.all, end.all, ours);
    const postgres = cores(ticks.postgres);
    const redis = cores(ticks.redis);
    const known =
      bench +
      Object.values(childShares).reduce<number>((a, b) => a + (b ?? 0), 0) +
      (postgres ?? 0) +
      (redis ?? 0) +
      (machine?.irq ?? 0);
    return {
      machineBusy: machine?.busy ?? null,
      irq: machine?.irq ?? null,
      cores: machine ? Math.round(machine.all) : 0,
      bench,
      children: childShares,
      postgres,
      redis,
      other: machine ? Math.max(0, machine.busy - known) : null,
      busiestOther: ticks.busiest.map((p) => ({
        pid: p.pid,
        comm: p.comm,
        cores: cores(p.ticks)!,
      })),
    };
  };
}
