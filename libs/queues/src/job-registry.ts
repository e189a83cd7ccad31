import type { BulkJobOptions, Queue } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { AppConfig } from '@taperwatch/config';
import {
  ALL_QUEUES,
  DeliverJob,
  DoseCheckJob,
  EscalateJob,
  JOB_NAMES,
  PlanRequestJob,
  QUEUES,
  QueueName,
  jobIds,
} from './queue-names';

/** A sweep reads what to do from Postgres, so its job carries nothing. */
export type SweepJob = Record<string, never>;

/** How often a periodic job runs: its scheduler id (one per job) and its interval setting. */
export interface JobSchedule {
  readonly id: string;
  readonly every: (config: AppConfig) => number;
}

/**
 * One job of the table. `payload` is never set: it only carries the payload's type, so the name
 * and the type sit in one row.
 */
export interface JobEntry<T> {
  readonly payload?: T;
  readonly schedule?: JobSchedule;
}

const job = <T>(): JobEntry<T> => ({});
const sweep = (id: string, every: JobSchedule['every']): JobEntry<SweepJob> => ({
  schedule: { id, every },
});

/**
 * Every job taperwatch queues, per queue: its name, its payload's type and, for a periodic job,
 * its scheduler. Producers may add only these names with these payloads; each processor must
 * handle every name of its queue (JobHandlers).
 */
export const JOB_REGISTRY = {
  [QUEUES.planning]: {
    [JOB_NAMES.planRequest]: job<PlanRequestJob>(),
  },
  [QUEUES.maintenance]: {
    [JOB_NAMES.requeueStaleRequests]: sweep(
      jobIds.requeueStaleRequestsScheduler,
      (config) => config.MAINTENANCE_SWEEP_MS,
    ),
    [JOB_NAMES.purgeIdempotencyKeys]: sweep(
      jobIds.purgeIdempotencyKeysScheduler,
      (config) => config.IDEMPOTENCY_PURGE_INTERVAL_MS,
    ),
  },
  [QUEUES.doseHorizon]: {
    [JOB_NAMES.extendDoseHorizon]: sweep(
      jobIds.extendDoseHorizonScheduler,
      (config) => config.DOSE_HORIZON_INTERVAL_MS,
    ),
  },
  [QUEUES.doseChecks]: {
    [JOB_NAMES.doseCheck]: job<DoseCheckJob>(),
    [JOB_NAMES.watchSweep]: sweep(jobIds.watchSweepScheduler, (config) => config.WATCH_SWEEP_MS),
    [JOB_NAMES.outpatientSweep]: sweep(
      jobIds.outpatientSweepScheduler,
      (config) => config.OUTPATIENT_SWEEP_MS,
    ),
  },
  [QUEUES.escalations]: {
    [JOB_NAMES.escalate]: job<EscalateJob>(),
    [JOB_NAMES.escalationSweep]: sweep(
      jobIds.escalationSweepScheduler,
      (config) => config.ESCALATION_SWEEP_MS,
    ),
  },
  [QUEUES.deliveries]: {
    [JOB_NAMES.deliver]: job<DeliverJob>(),
    // Lost deliveries are looked for as often as lost escalation steps.
    [JOB_NAMES.deliverySweep]: sweep(
      jobIds.deliverySweepScheduler,
      (config) => config.ESCALATION_SWEEP_MS,
    ),
  },
  [QUEUES.supply]: {
    [JOB_NAMES.supplySweep]: sweep(jobIds.supplySweepScheduler, (config) => config.SUPPLY_SWEEP_MS),
  },
} as const satisfies { [Q in QueueName]: Record<string, JobEntry<unknown>> };

type Registry = typeof JOB_REGISTRY;

/** The names of the jobs a queue holds. */
export type JobName<Q extends QueueName> = keyof Registry[Q] & string;

/** The payload of job `N` on queue `Q`. */
export type JobOf<Q extends QueueName, N extends JobName<Q>> =
  Registry[Q][N] extends JobEntry<infer T> ? T : never;

/** Any one job of queue `Q` as producers add it: its name fixes its payload's type. */
export type JobSpec<Q extends QueueName> = {
  [N in JobName<Q>]: { name: N; data: JobOf<Q, N>; opts?: BulkJobOptions };
}[JobName<Q>];

/**
 * A queue as producers hold it: BullMQ's untyped add and addBulk are hidden, so jobs go in
 * through enqueueOrFail, enqueueBulkOrFail or addJobs, which take only the table's names and
 * payloads.
 */
export type JobQueue<Q extends QueueName> = Omit<Queue, 'add' | 'addBulk'> & { readonly name: Q };

/** What a processor does per job name of its queue; leaving a name out does not compile. */
export type JobHandlers<Q extends QueueName> = {
  readonly [N in JobName<Q>]: (data: JobOf<Q, N>) => Promise<unknown>;
};

/** A periodic job, as the worker writes its scheduler. */
export interface Schedule extends JobSchedule {
  readonly queue: QueueName;
  readonly jobName: string;
}

/** Every periodic job of the workers, read from the table. */
export const SCHEDULES: readonly Schedule[] = ALL_QUEUES.flatMap((queue) =>
  Object.entries<JobEntry<unknown>>(JOB_REGISTRY[queue]).flatMap(([jobName, entry]) =>
    entry.schedule ? [{ queue, jobName, ...entry.schedule }] : [],
  ),
);

/** A job whose name its queue does not know: retrying cannot help, so it fails once. */
export class UnknownJobError extends UnrecoverableError {
  constructor(queue: QueueName, name: string) {
    super(`Queue ${queue} has no job named ${name}; add one of: ${jobNames(queue).join(', ')}`);
    this.name = 'UnknownJobError';
  }
}

function jobNames(queue: QueueName): string[] {
  return Object.keys(JOB_REGISTRY[queue]);
}

/**
 * Runs the handler for the job's name. The payload is taken as the table types it: producers
 * can add nothing else. An unknown name is rejected (UnknownJobError), never handed to another
 * name's handler.
 */
export async function dispatchJob<Q extends QueueName>(
  queue: Q,
  handlers: JobHandlers<Q>,
  job: { name: string; data: unknown },
): Promise<unknown> {
  if (!Object.hasOwn(JOB_REGISTRY[queue], job.name)) throw new UnknownJobError(queue, job.name);
  const handler = handlers[job.name as JobName<Q>] as (data: unknown) => Promise<unknown>;
  return handler(job.data);
}
