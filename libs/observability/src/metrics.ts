import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; /metrics serves it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'taperwatch_' });

export const httpRequestDuration = new Histogram({
  name: 'taperwatch_http_request_duration_seconds',
  help: 'HTTP request duration by method, route pattern and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const jobsProcessed = new Counter({
  name: 'taperwatch_jobs_processed_total',
  help: 'Jobs processed by queue and outcome',
  labelNames: ['queue', 'outcome'],
  registers: [metricsRegistry],
});

export const jobDuration = new Histogram({
  name: 'taperwatch_job_duration_seconds',
  help: 'Job processing time by queue',
  labelNames: ['queue'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});

export const taperRequestsPlanned = new Counter({
  name: 'taperwatch_taper_requests_total',
  help: 'Taper requests by outcome (planned, rejected, failed)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

export const doseDetectionLateness = new Histogram({
  name: 'taperwatch_dose_detection_lateness_seconds',
  help: 'Time from a dose becoming overdue (dueAt + grace) to the watcher marking it missed',
  labelNames: ['detected_by'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export const sweepFindings = new Counter({
  name: 'taperwatch_watch_sweep_findings_total',
  help: 'Overdue doses the sweep found that no delayed job had handled (0 in normal running)',
  registers: [metricsRegistry],
});

export const alertsRaised = new Counter({
  name: 'taperwatch_alerts_raised_total',
  help: 'Alerts opened by type',
  labelNames: ['type'],
  registers: [metricsRegistry],
});
