import { UnrecoverableError } from 'bullmq';
import type { AppConfig } from '@taperwatch/config';
import { addJobs, enqueueBulkOrFail, enqueueOrFail } from './job-producer';
import {
  JOB_REGISTRY,
  JobHandlers,
  JobQueue,
  SCHEDULES,
  UnknownJobError,
  dispatchJob,
} from './job-registry';
import { ALL_QUEUES, JOB_NAMES, QUEUES, jobIds } from './queue-names';

/** Each interval setting a distinct number, so a schedule reading the wrong one shows. */
const config = {
  MAINTENANCE_SWEEP_MS: 1,
  IDEMPOTENCY_PURGE_INTERVAL_MS: 2,
  DOSE_HORIZON_INTERVAL_MS: 3,
  WATCH_SWEEP_MS: 4,
  OUTPATIENT_SWEEP_MS: 5,
  ESCALATION_SWEEP_MS: 6,
  SUPPLY_SWEEP_MS: 7,
} as AppConfig;

/** Handlers that record what they were given. */
function recording() {
  const calls: [string, unknown][] = [];
  const handle = (name: string) => async (data: unknown) => {
    calls.push([name, data]);
    return name;
  };
  const handlers: JobHandlers<typeof QUEUES.doseChecks> = {
    [JOB_NAMES.doseCheck]: handle(JOB_NAMES.doseCheck),
    [JOB_NAMES.watchSweep]: handle(JOB_NAMES.watchSweep),
    [JOB_NAMES.outpatientSweep]: handle(JOB_NAMES.outpatientSweep),
  };
  return { calls, handlers };
}

describe('job registry', () => {
  it('names every queue, and each job name on exactly one queue', () => {
    expect(Object.keys(JOB_REGISTRY).sort()).toEqual([...ALL_QUEUES].sort());
    const names = ALL_QUEUES.flatMap((queue) => Object.keys(JOB_REGISTRY[queue]));
    expect(names.sort()).toEqual(Object.values(JOB_NAMES).sort());
  });

  it('schedules the same periodic jobs, ids and intervals as before, in the same order', () => {
    expect(SCHEDULES.map((s) => [s.queue, s.id, s.jobName, s.every(config)])).toEqual([
      ['maintenance', 'requeue-stale-requests', 'requeue-stale-requests', 1],
      ['maintenance', 'purge-idempotency-keys', 'purge-idempotency-keys', 2],
      ['dose-horizon', 'extend-dose-horizon', 'extend-dose-horizon', 3],
      ['dose-checks', 'watch-sweep', 'watch-sweep', 4],
      ['dose-checks', 'outpatient-sweep', 'outpatient-sweep', 5],
      ['escalations', 'escalation-sweep', 'escalation-sweep', 6],
      ['deliveries', 'delivery-sweep', 'delivery-sweep', 6],
      ['supply', 'supply-sweep', 'supply-sweep', 7],
    ]);
  });

  it('keeps job ids deterministic (idempotent adds depend on them)', () => {
    expect(jobIds.planRequest('r1')).toBe('plan-r1');
    expect(jobIds.doseCheck('d1')).toBe('dose-check-d1');
    expect(jobIds.escalate({ alertId: 'a1', step: 2, loop: 1 })).toBe('esc-a1-1-2');
    expect(jobIds.deliver('x1', 3)).toBe('delivery-x1-3');
  });

  it("runs the handler of the job's name with the job's payload, and no other", async () => {
    const { calls, handlers } = recording();
    await expect(
      dispatchJob(QUEUES.doseChecks, handlers, { name: 'dose-check', data: { doseId: 'd1' } }),
    ).resolves.toBe('dose-check');
    await dispatchJob(QUEUES.doseChecks, handlers, { name: 'watch-sweep', data: {} });
    expect(calls).toEqual([
      ['dose-check', { doseId: 'd1' }],
      ['watch-sweep', {}],
    ]);
  });

  it('fails an unknown job name for good, naming the ones the queue knows, and runs nothing', async () => {
    const { calls, handlers } = recording();
    for (const name of ['plan-request', 'dose-checks', 'toString', '__proto__']) {
      const dispatched = dispatchJob(QUEUES.doseChecks, handlers, { name, data: {} });
      await expect(dispatched).rejects.toThrow(UnknownJobError);
      await expect(dispatched).rejects.toThrow(UnrecoverableError);
      await expect(dispatched).rejects.toThrow(
        `Queue dose-checks has no job named ${name}; add one of: dose-check, watch-sweep, outpatient-sweep`,
      );
    }
    expect(calls).toEqual([]);
  });

  it('compiles only known names with their own payloads, and only complete handler maps', () => {
    // Type checks only (npm run typecheck): never called.
    const typed = (planning: JobQueue<'planning'>, checks: JobQueue<'dose-checks'>) => {
      void enqueueOrFail(planning, 'plan-request', { requestId: 'r' }, {});
      // @ts-expect-error a name of another queue
      void enqueueOrFail(planning, 'dose-check', { doseId: 'd' }, {});
      // @ts-expect-error another job's payload
      void enqueueOrFail(planning, 'plan-request', { doseId: 'd' }, {});
      void addJobs(checks, [
        { name: 'dose-check', data: { doseId: 'd' } },
        { name: 'watch-sweep', data: {} },
      ]);
      // @ts-expect-error a sweep carries no ids
      void enqueueBulkOrFail(checks, [{ name: 'watch-sweep', data: { doseId: 'd' } }]);
      // @ts-expect-error BullMQ's untyped add is not reachable
      void planning.add('anything', {});
      // @ts-expect-error a handler map without outpatient-sweep
      const partial: JobHandlers<'dose-checks'> = {
        'dose-check': async () => undefined,
        'watch-sweep': async () => undefined,
      };
      return partial;
    };
    expect(typed).toBeInstanceOf(Function);
  });
});
