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

export const recordingsPerStatement = new Histogram({
  name: 'taperwatch_recordings_per_statement',
  help: 'Dose recordings written by one statement (those arriving together share one)',
  buckets: [1, 2, 4, 8, 16, 32],
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

export const escalationLateness = new Histogram({
  name: 'taperwatch_escalation_lateness_seconds',
  help: 'Time from an escalation step being due to it firing, by what fired it (job or sweep)',
  labelNames: ['fired_by'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

export const escalationSweepFindings = new Counter({
  name: 'taperwatch_escalation_sweep_findings_total',
  help: 'Due escalation steps the sweep fired because no delayed job had (0 in normal running)',
  registers: [metricsRegistry],
});

export const alertsUndeliverable = new Counter({
  name: 'taperwatch_alerts_undeliverable_total',
  help: 'Alerts opened in a unit with no escalation policy and no tenant default: nobody is told',
  registers: [metricsRegistry],
});

export const deliveryAttempts = new Counter({
  name: 'taperwatch_delivery_attempts_total',
  help: 'Delivery attempts by channel and outcome (delivered, retry, failed, refused)',
  labelNames: ['channel', 'outcome'],
  registers: [metricsRegistry],
});

export const deliveriesFailed = new Counter({
  name: 'taperwatch_deliveries_failed_total',
  help: 'Deliveries given up (every attempt failed, or the target was refused), by channel',
  labelNames: ['channel'],
  registers: [metricsRegistry],
});

export const deliveryDuration = new Histogram({
  name: 'taperwatch_delivery_duration_seconds',
  help: 'Time one delivery attempt took, by channel',
  labelNames: ['channel'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const dosePagesAnswered = new Counter({
  name: 'taperwatch_dose_pages_total',
  help: 'Dose pages answered: kept (the plan unchanged since kept) or read (none kept, or changed)',
  labelNames: ['source'],
  registers: [metricsRegistry],
});
