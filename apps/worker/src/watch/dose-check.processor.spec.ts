import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { jobsProcessed } from '@taperwatch/observability';
import { UnknownJobError } from '@taperwatch/queues';
import { OutpatientWatchService, WatchService } from '@taperwatch/doses';
import { DoseCheckProcessor } from './dose-check.processor';

/** The processor alone: its services record what they are asked, no Postgres or Redis needed. */
function processor() {
  const calls: string[] = [];
  const watch = {
    checkDose: async (doseId: string) => {
      calls.push(`check ${doseId}`);
      return 'ok';
    },
    sweep: async () => {
      calls.push('watch sweep');
      return {};
    },
  } as unknown as WatchService;
  const outpatients = {
    sweep: async () => {
      calls.push('outpatient sweep');
      return {};
    },
  } as unknown as OutpatientWatchService;
  return { calls, processor: new DoseCheckProcessor(watch, outpatients) };
}

const job = (name: string, data: unknown) =>
  ({ id: '1', name, data, queueName: 'dose-checks', attemptsMade: 0 }) as Job;

async function failedCount(): Promise<number> {
  const metric = await jobsProcessed.get();
  return metric.values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;
}

describe('DoseCheckProcessor', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it("dispatches each job name to its own handler with the job's payload", async () => {
    const { calls, processor: p } = processor();
    await p.process(job('dose-check', { doseId: 'd1' }));
    await p.process(job('watch-sweep', {}));
    await p.process(job('outpatient-sweep', {}));
    expect(calls).toEqual(['check d1', 'watch sweep', 'outpatient sweep']);
  });

  it('fails an unknown job name (counted failed, like any failed job) and runs no handler', async () => {
    const { calls, processor: p } = processor();
    const before = await failedCount();
    await expect(p.process(job('escalate', { alertId: 'a1' }))).rejects.toThrow(UnknownJobError);
    expect(await failedCount()).toBe(before + 1);
    expect(calls).toEqual([]);
  });
});
