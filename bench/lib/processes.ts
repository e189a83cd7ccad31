import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A Node child process the bench started; always stopped by `stopAll` (also on error). */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves when a line of the child's stdout matches. */
  waitForLine: (pattern: RegExp, timeoutMs: number) => Promise<void>;
  stop: () => Promise<void>;
}

const running = new Set<Child>();

export interface StartOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  nodeArgs?: string[];
}

export function startNode(options: StartOptions): Child {
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = fs.createWriteStream(logFile);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  let stdoutTail = '';
  const lineWaiters = new Set<{ pattern: RegExp; done: () => void }>();
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stdoutTail = (stdoutTail + chunk.toString()).slice(-4096);
    for (const waiter of lineWaiters) if (waiter.pattern.test(stdoutTail)) waiter.done();
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => log.end());

  const handle: Child = {
    name: options.name,
    pid: child.pid,
    process: child,
    logFile,
    waitForLine: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const waiter = { pattern, done: () => finish() };
        const timer = setTimeout(
          () => finish(new Error(`${options.name}: no ${pattern} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const onExit = () => finish(new Error(`${options.name} exited early (see ${logFile})`));
        const finish = (error?: Error) => {
          clearTimeout(timer);
          lineWaiters.delete(waiter);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve();
        };
        child.once('exit', onExit);
        lineWaiters.add(waiter);
        if (pattern.test(stdoutTail)) finish();
      }),
    stop: async () => {
      running.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every child still running, newest first. */
export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) await child.stop();
}

/** Last resort on process exit: no child outlives the bench. */
export function killAllNow(): void {
  for (const child of running) {
    if (child.process.exitCode === null) child.process.kill('SIGKILL');
  }
  running.clear();
}

/** Polls a URL until it answers `status` (bounded in time). */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  child?: Child,
  status = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.process.exitCode !== null) {
      throw new Error(`${child.name} exited with ${child.process.exitCode} (see ${child.logFile})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${last})`);
}
