import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { metricsRegistry } from '@taperwatch/observability';
import { ALL_QUEUES } from '@taperwatch/queues';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Gauges read when Prometheus scrapes (not on a timer): queue depth by state from Redis, and
 * open alerts by type from Postgres.
 */
@Injectable()
export class ScrapeTimeMetrics implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const queues = ALL_QUEUES.map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    const dataSource = this.dataSource;
    // Re-created per app instance: tests build several apps in one process.
    metricsRegistry.removeSingleMetric('taperwatch_queue_jobs');
    metricsRegistry.removeSingleMetric('taperwatch_alerts_open');
    new Gauge({
      name: 'taperwatch_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [metricsRegistry],
      async collect() {
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...STATES).catch(() => undefined);
          if (!counts) continue;
          for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: 'taperwatch_alerts_open',
      help: 'Alerts not yet resolved, by type and status',
      labelNames: ['type', 'status'],
      registers: [metricsRegistry],
      async collect() {
        this.reset();
        const rows: { type: string; status: string; n: number }[] = await dataSource
          .query(
            `SELECT type, status, count(*)::int AS n FROM alerts WHERE status <> 'resolved' GROUP BY 1, 2`,
          )
          .catch(() => []);
        for (const row of rows) this.set({ type: row.type, status: row.status }, row.n);
      },
    });
  }
}
