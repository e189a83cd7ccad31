import { Server, createServer } from 'node:http';
import { metricsRegistry } from '@taperwatch/observability';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from 'nestjs-pino';
import { AppOverrides } from '@taperwatch/common';
import { AppConfig } from '@taperwatch/config';
import { PROCESSORS, WorkerModule } from './worker.module';

export interface RunningWorker {
  app: INestApplicationContext;
  /** Stops taking jobs, lets active ones finish until the deadline, then closes everything. */
  stop: () => Promise<void>;
}

/** The worker has no HTTP app; Prometheus still needs its lateness histograms and job counters. */
function serveMetrics(port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsRegistry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

function workersOf(app: INestApplicationContext) {
  return PROCESSORS.map((processor) => app.get<WorkerHost>(processor).worker);
}

/**
 * Workers are created paused and start only after Nest has connected to Postgres (and
 * migrated) and Redis has answered, so no job is taken by a process that cannot finish it.
 */
export async function startWorker(
  config: AppConfig,
  overrides: AppOverrides = {},
): Promise<RunningWorker> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, overrides), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  await app.init();
  const workers = workersOf(app);
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  for (const worker of workers) {
    worker.concurrency = config.WORKER_CONCURRENCY;
    void worker.run();
  }

  const metrics = config.WORKER_METRICS_PORT
    ? await serveMetrics(config.WORKER_METRICS_PORT, config.HOST)
    : undefined;

  const stop = async () => {
    await new Promise((resolve) => (metrics ? metrics.close(resolve) : resolve(undefined)));
    const closing = Promise.all(workers.map((worker) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), config.SHUTDOWN_TIMEOUT_MS);
    });
    if ((await Promise.race([closing, deadline])) === 'late') {
      // Jobs still running lose their lock and run again elsewhere: handlers are idempotent.
      await Promise.all(workers.map((worker) => worker.close(true)));
    }
    clearTimeout(timer);
    await app.close();
  };
  return { app, stop };
}
