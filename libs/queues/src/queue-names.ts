/** Every queue taperwatch uses. Job ids never contain ':' (BullMQ 6 rejects them). */
export const QUEUES = {
  planning: 'planning',
  maintenance: 'maintenance',
  doseHorizon: 'dose-horizon',
  doseChecks: 'dose-checks',
  escalations: 'escalations',
  deliveries: 'deliveries',
  supply: 'supply',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/** Payloads carry ids only: BullMQ stores job data in clear text in Redis, so no patient data. */
export interface PlanRequestJob {
  requestId: string;
  /** The HTTP request id, so the worker's log lines join the request's. */
  correlationId?: string;
}

/** A delayed job at the dose's missedAfter: ids only. */
export interface DoseCheckJob {
  doseId: string;
}

/** A delayed job per escalation step: it acts only if the alert still waits on this step and loop. */
export interface EscalateJob {
  alertId: string;
  step: number;
  loop: number;
}

/** One attempt of one delivery row; the row holds the target and the body. */
export interface DeliverJob {
  deliveryId: string;
}

export const JOB_NAMES = {
  planRequest: 'plan-request',
  requeueStaleRequests: 'requeue-stale-requests',
  extendDoseHorizon: 'extend-dose-horizon',
  doseCheck: 'dose-check',
  watchSweep: 'watch-sweep',
  outpatientSweep: 'outpatient-sweep',
  escalate: 'escalate',
  escalationSweep: 'escalation-sweep',
  deliver: 'deliver',
  deliverySweep: 'delivery-sweep',
  supplySweep: 'supply-sweep',
  purgeIdempotencyKeys: 'purge-idempotency-keys',
} as const;

/** Deterministic ids: enqueueing the same work twice while it exists is a no-op in BullMQ. */
export const jobIds = {
  planRequest: (requestId: string) => `plan-${requestId}`,
  requeueStaleRequestsScheduler: 'requeue-stale-requests',
  extendDoseHorizonScheduler: 'extend-dose-horizon',
  doseCheck: (doseId: string) => `dose-check-${doseId}`,
  watchSweepScheduler: 'watch-sweep',
  outpatientSweepScheduler: 'outpatient-sweep',
  escalate: (j: EscalateJob) => `esc-${j.alertId}-${j.loop}-${j.step}`,
  escalationSweepScheduler: 'escalation-sweep',
  /** Per attempt, so a retry is a new job while the finished attempt is still kept. */
  deliver: (deliveryId: string, attempt: number) => `delivery-${deliveryId}-${attempt}`,
  deliverySweepScheduler: 'delivery-sweep',
  supplySweepScheduler: 'supply-sweep',
  purgeIdempotencyKeysScheduler: 'purge-idempotency-keys',
};
