import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { metricsRegistry } from '@taperwatch/observability';
import { QUEUES } from '@taperwatch/queues';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Queue depth by state, read from Redis when Prometheus scrapes (not on a timer). */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    @InjectQueue(QUEUES.planning) private readonly planning: Queue,
    @InjectQueue(QUEUES.maintenance) private readonly maintenance: Queue,
  ) {}

  onModuleInit(): void {
    const queues = [this.planning, this.maintenance];
    metricsRegistry.removeSingleMetric('taperwatch_queue_jobs');
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
  }
}
